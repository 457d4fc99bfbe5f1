"""The process that is one execution environment: it imports the handler once (init, the cold start) and then runs
invocations one at a time, keeping module globals and /tmp between them, as Lambda's Python runtime does.

It speaks to ``runtime/environment.py`` over a socket with small JSON messages (runtime/wire.py). Everything the
handler prints goes to standard error (standard output is the invoke command's response); ``logging`` gets the
Python runtime's text format (awslambdaric: ``[LEVEL]\\t<time>Z\\t<request id>\\t<message>``). Only ``invoke``,
``simulate`` and ``probe`` start it: ``scan`` never runs user code.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sys
import time
import traceback
from typing import Any

from lambdoctor.runtime import mounts
from lambdoctor.runtime.wire import Channel

NBSP = "\u00a0"


class LambdaContext:
    """The context object awslambdaric passes to a Python handler (same attribute names and types)."""

    def __init__(self, spec: dict[str, Any], request_id: str, deadline_ms: int) -> None:
        self.function_name: str = spec["function_name"]
        self.function_version: str = spec["version"]
        self.invoked_function_arn: str = spec["arn"]
        self.memory_limit_in_mb: str = str(spec["memory_mb"])  # a string in the real runtime, too
        self.aws_request_id = request_id
        self.log_group_name: str = spec["log_group"]
        self.log_stream_name: str = spec["log_stream"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def lambda_log_handler(stream: Any) -> tuple[logging.Handler, RequestIdFilter]:
    """A logging handler in the Python runtime's format, and the filter that carries the current request ID."""
    handler = logging.StreamHandler(stream)
    ids = RequestIdFilter()
    handler.addFilter(ids)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                                  "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.terminator = ""
    return handler, ids


# LogRecord attributes that are not extra fields of the application's (the runtime client's JSON records merge the
# others in: awslambdaric/lambda_runtime_log_utils.py at 46e4c6a)
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime",
                                                                                     "aws_request_id"}


class JsonRecords(logging.Formatter):
    """The Python runtime's JSON application records (LogFormat JSON): timestamp, level, message, logger,
    requestId, and with an exception its stackTrace, errorType, errorMessage and location; the record's extra
    attributes; no null values. The level is rounded down to a standard one."""

    def format(self, record: logging.LogRecord) -> str:
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        out: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": logging.getLevelName(level), "message": record.getMessage(), "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc and exc[0] else None, "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None) or None,
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in out:
                out[key] = value
        return json.dumps({k: v for k, v in out.items() if v is not None}, ensure_ascii=False, default=str) + "\n"


def _setup_logging() -> RequestIdFilter:
    handler, ids = lambda_log_handler(sys.stderr)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON":
        # LoggingConfig.LogFormat JSON: JSON records, at ApplicationLogLevel (INFO by default; TRACE is DEBUG)
        handler.setFormatter(JsonRecords())
        level = {"TRACE": "DEBUG"}.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper(),
                                       os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper())
        known = isinstance(logging.getLevelName(level), int)  # a level's name gives its number (3.9 too)
        root.setLevel(level if known else logging.INFO)
    else:
        root.setLevel(logging.WARNING)  # the Python runtime's default level
    return ids


def error_payload(exc: BaseException, error_type: str | None = None, request_id: str | None = None,
                  task_root: str = "", runtime_files: tuple[str, ...] = (__file__,)) -> dict[str, Any]:
    """Lambda's error payload; the stack starts at the handler (the runtime's own frames are not shown), and a
    file of the code folder is shown where Lambda has it, under /var/task (LAMBDA_TASK_ROOT)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename not in runtime_files]
    for f in frames:
        for root in ("/proc/self/cwd", task_root.rstrip("/")):
            if root and f.filename.startswith(root + "/"):
                f.filename = "/var/task/" + f.filename[len(root) + 1:]
                break
    payload: dict[str, Any] = {"errorMessage": str(exc), "errorType": error_type or type(exc).__name__}
    if request_id:
        payload["requestId"] = request_id
    payload["stackTrace"] = [f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line}\n' for f in frames]
    return payload


def log_error(payload: dict[str, Any]) -> None:
    """One event, lines joined by \\r and leading spaces made no-break spaces, as the Python runtime logs it; with
    LogFormat JSON one JSON record with ``log_level`` (awslambdaric/bootstrap.py at 46e4c6a, ``log_error``)."""
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON":
        record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "log_level": "ERROR", **payload}
        sys.stderr.write(json.dumps(record) + "\n")
        sys.stderr.flush()
        return
    lines = [f"[ERROR] {payload['errorType']}: {payload['errorMessage']}", "Traceback (most recent call last):"]
    for frame in payload.get("stackTrace", []):
        for line in frame.rstrip("\n").split("\n"):
            stripped = line.lstrip(" ")
            lines.append(NBSP * (len(line) - len(stripped)) + stripped)
    sys.stderr.write("\r".join(lines) + "\n")
    sys.stderr.flush()


def _load(spec: dict[str, Any]) -> Any:
    module_name, _, function = spec["handler"].rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as exc:
        raise InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}") from exc
    except ImportError as exc:
        raise InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") from exc
    handler = getattr(module, function, None)
    if handler is None:
        raise InitError("Runtime.HandlerNotFound", f"Handler '{function}' missing on module '{module_name}'")
    return handler


def _device(path: str) -> int | None:
    try:
        return os.lstat(path).st_dev
    except OSError:  # removed by the handler meanwhile
        return None


def _observe(module: Any) -> dict[str, Any]:
    """What ``probe`` compares between invocations: a fingerprint of each module global of the handler's module
    that holds data (not functions, classes or modules), and the bytes in /tmp."""
    import types

    state = {}
    for name, value in list(vars(module).items()):
        if name.startswith("__") or isinstance(value, (types.ModuleType, types.FunctionType, type)):
            continue
        try:
            text = repr(value)
        except Exception:
            text = f"<{type(value).__name__}>"
        state[name] = f"{type(value).__name__}:{len(text)}:{hash(text)}"
    used = 0
    top = os.environ.get("TMPDIR") or "/tmp"
    device = os.lstat(top).st_dev
    for root, dirs, files in os.walk(top):
        # the interpreter's own folders, mounted back in (_show_interpreter), are not the handler's files
        dirs[:] = [d for d in dirs if _device(os.path.join(root, d)) == device]
        for f in files:
            with contextlib.suppress(OSError):  # a file the handler removed meanwhile
                used += os.lstat(os.path.join(root, f)).st_size
    return {"globals": state, "tmp_bytes": used}


class InjectedFault(Exception):
    """Raised after the handler ran, for a fault a ``simulate`` scenario injects ("record 7 always fails")."""


class InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _subreaper() -> None:
    """Orphans of the handler's processes are re-parented to this process instead of init, so that the parent's
    sweep of this tree still finds them (PR_SET_CHILD_SUBREAPER, Linux 3.4+). In a PID namespace of its own this
    process is init already."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def main(conn: Channel, spec: dict[str, Any]) -> None:
    _subreaper()
    os.dup2(2, 1)  # print() goes to the log (standard error), never into the response
    sys.stdout = sys.stderr
    os.environ.clear()
    os.environ.update(spec["environment"])
    # Started isolated (runtime/interpreter.py: `python -I -S bootstrap.py`), sys.path holds the bundle and the
    # standard library; it becomes Lambda's: the code (below), the runtime's SDK, the runtime, the standard
    # library. Set before /tmp is replaced, so that a bundle under /tmp is rerouted with the rest.
    if spec.get("isolated"):
        bundle = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        sdk = [spec["sdk_dir"]] if spec.get("sdk_dir") else []
        sys.path[:] = [*sdk, bundle, *(p for p in sys.path if p and p != bundle)]
    # The layers, where Lambda extracts them into /opt: /opt/python/lib/pythonX.Y/site-packages before /opt/python
    # (DG "Working with layers", "Layer paths for each Lambda runtime"); a later layer's files overwrite an earlier
    # one's, so the later layer comes first. Their folders are put first, before the mounts, so that a folder
    # under /tmp is rerouted; once /opt is mounted they are /opt's.
    layers = [(str(root), str(python)) for root, python in spec.get("layers") or []]
    version = spec.get("python")
    pythons = [python for _, python in reversed(layers)]
    sys.path[:0] = [*(os.path.join(p, "lib", f"python{version}", "site-packages") for p in pythons), *pythons]
    # The code folder is entered before /tmp is replaced: it may itself live under /tmp.
    os.chdir(spec["code_dir"])
    mounted = mounts.mount(int(spec["ephemeral_mb"]), layers)
    tmp_enforced = mounted.tmp
    if mounted.opt:
        sys.path[:2 * len(pythons)] = [f"/opt/python/lib/python{version}/site-packages", "/opt/python"]
    if not tmp_enforced:
        os.environ["TMPDIR"] = spec["fallback_tmp"]
    # Under a replaced /tmp the folder's own path may be hidden; the process's working directory is not.
    sys.path.insert(0, "/proc/self/cwd" if tmp_enforced else spec["code_dir"])
    ids = _setup_logging()
    if spec.get("capture_aws"):
        from lambdoctor.runtime import aws_capture

        def ask(call: dict[str, Any]) -> dict[str, Any]:
            conn.send({"type": "call", **call})
            reply: dict[str, Any] = conn.recv()
            return reply

        aws_capture.install_on_import(ask)
    start = time.perf_counter()
    try:
        handler = _load(spec)
        module = sys.modules[handler.__module__]
    except InitError as exc:
        payload = error_payload(exc, exc.error_type)
        payload["stackTrace"] = []
        log_error(payload)
        conn.send({"type": "init_error", "error": payload, "init_ms": (time.perf_counter() - start) * 1000,
                   "tmp_enforced": tmp_enforced, "opt_mounted": mounted.opt})
        return
    except BaseException as exc:  # an exception raised by module-level code
        payload = error_payload(exc, task_root=spec["code_dir"])
        log_error(payload)
        conn.send({"type": "init_error", "error": payload, "init_ms": (time.perf_counter() - start) * 1000,
                   "tmp_enforced": tmp_enforced, "opt_mounted": mounted.opt})
        return
    conn.send({"type": "ready", "init_ms": (time.perf_counter() - start) * 1000, "tmp_enforced": tmp_enforced,
               "opt_mounted": mounted.opt})
    spin_s = 0.0
    while True:
        conn.spin(spin_s)  # the next invocation often follows at once (wire.py)
        try:
            message = conn.recv()
        except EOFError:
            return
        spin_s = float(message.get("spin_s") or 0.0)
        request_id = message["request_id"]
        # the runtime client sets the trace header of each invocation, and removes one it does not get
        # (awslambdaric/bootstrap.py at 46e4c6a, update_xray_env_variable)
        if isinstance(message.get("trace_id"), str):
            os.environ["_X_AMZN_TRACE_ID"] = message["trace_id"]
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        ids.request_id = request_id
        context = LambdaContext(spec, request_id, message["deadline_ms"])
        try:
            event = json.loads(message["event"])
            result = handler(event, context)
            if message.get("inject_error"):  # a fault the simulator injects: the handler ran, then failed
                raise InjectedFault(message["inject_error"])
        except Exception as exc:
            payload = error_payload(exc, request_id=request_id, task_root=spec["code_dir"])
            log_error(payload)
            conn.send({"type": "error", "error": payload,
                       "observed": _observe(module) if spec.get("observe") else None})
            continue
        except SystemExit as exc:
            # the process ends as Python ends it: sys.exit("bye") prints bye and exits with status 1
            code = exc.code
            if code is None or (isinstance(code, int) and not isinstance(code, bool)):
                status = 0 if code is None else code & 0xFF
            else:
                sys.stderr.write(f"{code}\n")
                status = 1
            sys.stderr.flush()
            conn.send({"type": "exit", "code": status})
            return
        try:
            body = json.dumps(result)
        except (TypeError, ValueError) as exc:
            payload = {"errorMessage": f"Unable to marshal response: {exc}", "errorType": "Runtime.MarshalError",
                       "requestId": request_id, "stackTrace": []}
            log_error(payload)
            conn.send({"type": "error", "error": payload})
            continue
        sys.stderr.flush()
        conn.send({"type": "result", "body": body, "observed": _observe(module) if spec.get("observe") else None})


def run_from_fd(fd: int) -> None:
    """FD is one end of a socket pair; the first message is the environment's spec."""
    conn = Channel.from_fd(fd)
    main(conn, conn.recv())


if __name__ == "__main__":  # python -m lambdoctor.runtime.worker FD (--in-process tests; see interpreter.py)
    run_from_fd(int(sys.argv[1]))
