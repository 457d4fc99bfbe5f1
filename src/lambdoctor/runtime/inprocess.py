"""``simulate --in-process``: the handler runs inside lambdoctor's own process — fast, and not isolated.

The default execution environment (``runtime/environment.py``) is a worker process per environment: the timeout
kills it, memory and /tmp are limited, nothing the handler does touches lambdoctor. Every invocation then crosses a
process boundary (~165 µs). For long scenarios with a trusted handler, this mode calls the handler directly and
keeps every trigger semantic of ``simulate`` (virtual clock, retries, batches, DLQs, concurrency, AWS calls
answered locally). What it gives up, each said in the report's notes:

- the timeout interrupts the handler (an exception raised in it at the deadline, again every 100 ms if caught);
  the invocation counts as timed out and the environment is reset — but side effects up to that point happened,
  and a handler that ignores the interruption for 5 s ends the run (exit 3) instead of hanging it;
- memory is not limited; "Max Memory Used" is lambdoctor's own peak resident size;
- /tmp is the machine's; the process's environment variables, standard streams and logging are the function's
  from its first init until the run ends (then restored), so lambdoctor runs with them between invocations too;
- each simulated environment has its own copy of the handler's module (its globals), but the modules that module
  imports are shared by all environments and functions of the run (one ``sys.modules``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import logging
import math
import os
import resource
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, TextIO

from lambdoctor.runtime import aws_capture
from lambdoctor.runtime.environment import (
    ASYNC_PAYLOAD_BYTES,
    SYNC_PAYLOAD_BYTES,
    FunctionSpec,
    Invocation,
    end_and_report,
    exit_reason,
    finished,
    lambda_environment,
    timed_out,
)
from lambdoctor.runtime.worker import (
    InitError,
    InjectedFault,
    LambdaContext,
    error_payload,
    lambda_log_handler,
    log_error,
)

INTERRUPT_EVERY_S = 0.1  # a handler that catches the timeout's exception gets it again this often
IGNORED_FOR_S = 5.0  # then the run ends: nothing else can stop code running in this process
NOTES = ("in-process: the handler ran inside lambdoctor's process — the timeout interrupts it (side effects up to "
         "the deadline happened), memory and /tmp are not limited, Max Memory Used is lambdoctor's own peak, and "
         "modules the handler imports are shared by every environment of the run",)

_names = itertools.count(1)


class HandlerTimeout(BaseException):
    """Raised inside the handler at its deadline (a BaseException: ``except Exception`` in the handler does not
    swallow it)."""


class SharedRuntime:
    """What every in-process environment of one run shares: the process's environment variables, standard streams,
    logging, SIGALRM and botocore hook — taken over at the first handler's init and given back by ``close``."""

    def __init__(self, log: TextIO) -> None:
        self.log = log
        self.current: InProcessEnvironment | None = None  # the environment whose handler runs now
        self._saved: tuple[dict[str, str], Any, Any, list[logging.Handler], int] | None = None
        self._env_of: FunctionSpec | None = None
        self.deadlines: list[_Deadline] = []
        self.alarms = False  # SIGALRM is ours (the main thread's only)
        self.armed_at: float | None = None  # when the timer fires (time.perf_counter)
        self._outer_alarm: Any = None
        self._log_handler, self.request_ids = lambda_log_handler(log)
        self._captured = False

    @contextlib.contextmanager
    def running(self, env: InProcessEnvironment) -> Iterator[None]:
        """The process as the function's environment sees it, for the length of one init or invocation. The
        variables, streams and logging are swapped in at the first handler and stay until ``close`` (or until
        another function's handler runs): swapping them for every invocation would cost more than the handler."""
        if self._saved is None:
            if threading.current_thread() is threading.main_thread():
                self._outer_alarm = signal.signal(signal.SIGALRM, self._fire)
                self.alarms = True
            root = logging.getLogger()
            self._saved = dict(os.environ), sys.stdout, sys.stderr, root.handlers[:], root.level
            sys.stdout = sys.stderr = self.log
            root.handlers[:] = [self._log_handler]
            root.setLevel(logging.WARNING)  # the Python runtime's default level
        outer = self.current
        self.current = env
        self._variables(env)
        try:
            yield
        finally:
            self.current = outer
            if outer is not None:
                self._variables(outer)

    def arm(self, at: float) -> None:
        signal.setitimer(signal.ITIMER_REAL, max(at - time.perf_counter(), 1e-6))
        self.armed_at = at

    def _fire(self, _signum: int, _frame: FrameType | None) -> None:
        self.armed_at = None
        if not self.deadlines:
            return
        deadline = self.deadlines[-1]
        now = time.perf_counter()
        if now < deadline.at:
            self.arm(min(d.at for d in self.deadlines))
            return
        if deadline.fired_at is None:
            deadline.fired_at = now
        elif now - deadline.fired_at > IGNORED_FOR_S:
            print(f"lambdoctor simulate --in-process: the handler ignored its timeout for {IGNORED_FOR_S:g} s; "
                  "rerun without --in-process to have it killed", file=sys.__stderr__, flush=True)
            os._exit(3)
        self.arm(now + INTERRUPT_EVERY_S)
        raise HandlerTimeout

    def _variables(self, env: InProcessEnvironment) -> None:
        if self._env_of is not env.spec:
            os.environ.clear()
            os.environ.update(env.variables)
            self._env_of = env.spec

    def capture(self) -> None:
        """The handlers' AWS calls go to the environment running now (its ``on_call``), never to AWS."""
        if self._captured:
            return
        self._captured = aws_capture.install(self._ask)
        if "boto3" in sys.modules:  # a default session made before the hook would not have it
            setattr(sys.modules["boto3"], "DEFAULT_SESSION", None)  # noqa: B010

    def _ask(self, call: dict[str, Any]) -> dict[str, Any]:
        env = self.current
        if env is None:
            return {"raise": "NotSimulated", "message": "an AWS call outside a handler"}
        return env.ask(call)

    def close(self) -> None:
        if self.alarms:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._outer_alarm)
            self.alarms = False
            self.armed_at = None
        if self._saved is not None:
            variables, sys.stdout, sys.stderr, handlers, level = self._saved
            root = logging.getLogger()
            root.handlers[:] = handlers
            root.setLevel(level)
            os.environ.clear()
            os.environ.update(variables)
            self._saved = None
            self._env_of = None
        if self._captured:
            aws_capture.uninstall()
            if "boto3" in sys.modules:
                setattr(sys.modules["boto3"], "DEFAULT_SESSION", None)  # noqa: B010
            self._captured = False


class _Deadline:
    """SIGALRM at the handler's deadline. Deadlines nest (a handler's synchronous Invoke runs the callee inside
    it). The timer is armed for the earliest deadline and left armed when an invocation ends early — an alarm
    that finds its deadline not yet reached re-arms for the one that is current — so a warm invocation costs no
    system call. Only the main thread gets signals; elsewhere the duration is judged afterwards."""

    def __init__(self, runtime: SharedRuntime, seconds: float) -> None:
        self.runtime = runtime
        self.at = time.perf_counter() + seconds
        self.fired_at: float | None = None

    def __enter__(self) -> _Deadline:
        rt = self.runtime
        rt.deadlines.append(self)
        if rt.alarms and (rt.armed_at is None or rt.armed_at > self.at):
            rt.arm(self.at)
        return self

    def __exit__(self, *_: object) -> None:
        rt = self.runtime
        rt.deadlines.pop()
        if rt.deadlines and rt.alarms and rt.deadlines[-1].at <= time.perf_counter():
            rt.arm(0.0)  # the caller's deadline passed while its callee ran: stop the caller now


class InProcessEnvironment:
    """The ``ExecutionEnvironment`` interface, with the handler called in this process."""

    tmp_enforced = False

    def __init__(self, spec: FunctionSpec, log: TextIO, runtime: SharedRuntime) -> None:
        self.spec = spec
        self.log = log
        self.runtime = runtime
        self.cold_starts = 0
        self.on_call: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.variables, self._context_spec = lambda_environment(spec)
        self._handler: Callable[[Any, Any], Any] | None = None
        self._module: ModuleType | None = None
        self._extra_ms = 0.0
        self._started = 0.0
        self._deadline: _Deadline | None = None

    # -- init -------------------------------------------------------------------------------------------------
    def _load(self, limit_s: float) -> tuple[str, dict[str, Any] | None, float]:
        """Import a fresh copy of the handler's module: ("ready"|"init_error"|"timeout", error payload, init ms)."""
        s = self.spec
        module_path, _, function = s.handler.rpartition(".")
        parts = module_path.replace("/", ".").split(".")
        base = Path(s.code_dir, *parts)
        file = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        started = time.perf_counter()
        # the handler's sibling modules import as they would in Lambda, then the layers' (the later layer first,
        # site-packages before python/; nothing is mounted at /opt in this mode)
        version = s.runtime[len("python"):]
        layers = [p for python in reversed(s.layers)
                  for p in (os.path.join(python, "lib", f"python{version}", "site-packages"), python)]
        for path in reversed([s.code_dir, *layers]):
            if path not in sys.path:
                sys.path.insert(0, path)
        with self.runtime.running(self):
            try:
                if not file.is_file():
                    raise InitError("Runtime.ImportModuleError",
                                     f"Unable to import module '{module_path}': No module named '{parts[-1]}'")
                # A name of its own: each environment has its own module globals, and two functions' `app.py`
                # do not meet in sys.modules.
                found = importlib.util.spec_from_file_location(f"_lambdoctor_{next(_names)}_{parts[-1]}", file)
                if found is None or found.loader is None:
                    raise InitError("Runtime.ImportModuleError", f"Unable to import module '{module_path}'")
                module = importlib.util.module_from_spec(found)
                module.__package__ = ".".join(parts if file.name == "__init__.py" else parts[:-1])
                try:
                    with _Deadline(self.runtime, limit_s):
                        found.loader.exec_module(module)
                except SyntaxError as exc:
                    raise InitError("Runtime.UserCodeSyntaxError",
                                     f"Syntax error in module '{module_path}': {exc}") from exc
                except ImportError as exc:
                    raise InitError("Runtime.ImportModuleError",
                                     f"Unable to import module '{module_path}': {exc}") from exc
                handler = getattr(module, function, None)
                if handler is None:
                    raise InitError("Runtime.HandlerNotFound",
                                     f"Handler '{function}' missing on module '{module_path}'")
            except HandlerTimeout:
                return "timeout", None, (time.perf_counter() - started) * 1000
            except InitError as exc:
                payload = error_payload(exc, exc.error_type)
                payload["stackTrace"] = []
                log_error(payload)
                return "init_error", payload, (time.perf_counter() - started) * 1000
            except Exception as exc:  # an exception raised by module-level code
                payload = error_payload(exc, task_root=s.code_dir, runtime_files=_RUNTIME_FILES)
                log_error(payload)
                return "init_error", payload, (time.perf_counter() - started) * 1000
        self._module, self._handler = module, handler
        return "ready", None, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self._module = self._handler = None

    def __enter__(self) -> InProcessEnvironment:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the handler's AWS calls --------------------------------------------------------------------------------
    def ask(self, call: dict[str, Any]) -> dict[str, Any]:
        if self.on_call is None:
            return {"raise": "NotSimulated", "message": "AWS calls are not answered here"}
        asked = time.perf_counter()
        call = {**call, "elapsed_ms": (asked - self._started) * 1000 + self._extra_ms}
        reply = self.on_call(call)
        self._extra_ms += float(reply.get("virtual_ms", 0.0)) - (time.perf_counter() - asked) * 1000
        if (time.perf_counter() - self._started) * 1000 + self._extra_ms >= self.spec.timeout_s * 1000:
            raise HandlerTimeout  # the call outlasts the function's own timeout, in virtual time
        return reply

    # -- one invocation -----------------------------------------------------------------------------------------
    def invoke(self, event: str, request_id: str | None = None, asynchronous: bool = False,
               inject_error: str | None = None) -> Invocation:
        """Run one invocation of ``event`` (JSON text). ``inject_error``: fail it after the handler ran."""
        s = self.spec
        rid = request_id or str(uuid.uuid4())
        limit = ASYNC_PAYLOAD_BYTES if asynchronous else SYNC_PAYLOAD_BYTES
        if len(event) * 4 > limit and len(event.encode("utf-8")) > limit:  # (a character is at most 4 bytes)
            too_large = {"errorType": "RequestTooLargeException", "errorMessage":
                         f"Request must be smaller than {limit} bytes for the InvokeFunction operation"}
            return Invocation(rid, "error", json.dumps(too_large), too_large["errorType"], 0.0, 0, None, 0)
        init_ms: float | None = None
        if self._handler is None:
            self.cold_starts += 1
            self.log.write(f"INIT_START Runtime Version: {s.runtime.replace('python', 'python:')}.lambdoctor\t"
                           "Runtime Version ARN: local\n")
            state, error, init_ms = self._load(s.init_limit_s)
            if state == "timeout":  # Lambda tries the init again in the invoke phase, within the timeout
                self.log.write(f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: timeout\n")
                state, error, init_ms = self._load(s.timeout_s)
                if state == "timeout":
                    self.log.write(f"START RequestId: {rid} Version: {s.version}\n")
                    return self._timed_out(rid, init_ms, 0.0)
            if error is not None:
                self.log.write(f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\t"
                               f"Error Type: {error['errorType']}\n")
                self.log.write(f"START RequestId: {rid} Version: {s.version}\n")
                return self._finish(rid, "error", json.dumps(error), error["errorType"], 0.0, init_ms,
                                    runtime_failure=True)
        self.log.write(f"START RequestId: {rid} Version: {s.version}\n")
        handler = self._handler
        assert handler is not None
        self.runtime.request_ids.request_id = rid
        context = LambdaContext(self._context_spec, rid, int((time.time() + s.timeout_s) * 1000))
        self._extra_ms = 0.0
        self._started = started = time.perf_counter()
        error_type: str | None = None
        # SharedRuntime.running, inlined: a generator context manager per invocation costs more than the handler
        rt = self.runtime
        outer, rt.current = rt.current, self
        if rt._env_of is not s:
            rt._variables(self)
        try:
            try:
                with _Deadline(self.runtime, s.timeout_s):
                    result = handler(json.loads(event), context)
                    if inject_error:  # a fault the simulator injects: the handler ran, then failed
                        raise InjectedFault(inject_error)
                try:
                    body = json.dumps(result)
                except (TypeError, ValueError) as exc:
                    marshal: dict[str, Any] = {"errorMessage": f"Unable to marshal response: {exc}",
                                               "errorType": "Runtime.MarshalError", "requestId": rid, "stackTrace": []}
                    log_error(marshal)
                    body, error_type = json.dumps(marshal), "Runtime.MarshalError"
            except HandlerTimeout:
                error_type = "Sandbox.Timedout"
            except SystemExit as exc:
                self._module = self._handler = None  # the runtime exited: the next invocation is a cold start
                if not (exc.code is None or isinstance(exc.code, int)):
                    sys.stderr.write(f"{exc.code}\n")  # Python prints a non-integer exit code
                exited = {"errorType": "Runtime.ExitError",
                          "errorMessage": f"RequestId: {rid} Error: {exit_reason(exc.code)}"}
                return self._finish(rid, "error", json.dumps(exited), "Runtime.ExitError",
                                    (time.perf_counter() - started) * 1000, init_ms, runtime_failure=True)
            except Exception as exc:
                payload = error_payload(exc, request_id=rid, task_root=s.code_dir, runtime_files=_RUNTIME_FILES)
                log_error(payload)
                body, error_type = json.dumps(payload), payload["errorType"]
        finally:
            rt.current = outer
            if outer is not None and rt._env_of is not outer.spec:
                rt._variables(outer)
        duration = (time.perf_counter() - started) * 1000
        if error_type == "Sandbox.Timedout" or duration + self._extra_ms >= s.timeout_s * 1000:
            return self._timed_out(rid, init_ms, duration)
        if error_type is not None:
            return self._finish(rid, "error", body, error_type, duration, init_ms)
        if not asynchronous and len(body) * 4 > SYNC_PAYLOAD_BYTES and len(body.encode()) > SYNC_PAYLOAD_BYTES:
            too_big = {"errorType": "Function.ResponseSizeTooLarge", "errorMessage":
                       f"Response payload size exceeded maximum allowed payload size ({SYNC_PAYLOAD_BYTES} bytes)."}
            return self._finish(rid, "error", json.dumps(too_big), too_big["errorType"], duration, init_ms)
        return self._finish(rid, "success", body, None, duration, init_ms)

    def _timed_out(self, rid: str, init_ms: float | None, duration: float) -> Invocation:
        s = self.spec
        self._module = self._handler = None  # Lambda resets the environment: the next invocation is cold
        line, error = timed_out(s, rid)
        self.log.write(line + "\n")
        return self._finish(rid, "timeout", error, "Sandbox.Timedout", duration, init_ms, runtime_failure=True)

    def _finish(self, rid: str, status: str, response: str, error_type: str | None, duration: float,
                init_ms: float | None, runtime_failure: bool = False) -> Invocation:
        # not the handler's memory: this process's peak (ru_maxrss is in KiB on Linux)
        peak = min(math.ceil(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), self.spec.memory_mb)
        done = finished(self.spec, rid, status, response, error_type, duration, self._extra_ms, init_ms, peak)
        self.log.write(end_and_report(self.spec, done, runtime_failure) + "\n")
        self._extra_ms = 0.0
        return done


_RUNTIME_FILES = (__file__, contextlib.__file__)
