"""One execution environment, as Lambda runs it: a worker process that initializes once and is reused.

What Lambda does, and this does too (facts.md §2.1, §4):
- init once (the cold start: INIT_START, Init Duration on the first REPORT), then warm invocations in the same
  process with the same module globals and /tmp;
- the timeout ends the invocation and the environment: the worker and everything it started are killed (so side
  effects stop), the response is ``Sandbox.Timedout``, and the next invocation is a cold start;
- memory above the function's size kills the environment (``Runtime.OutOfMemory``, REPORT ``Status: error``);
- /tmp is a private tmpfs of the ephemeral-storage size (writes beyond it fail with ENOSPC) where Linux lets a
  process have its own mount namespace; elsewhere a private folder in TMPDIR, not size-limited (said in a note);
- payloads: 6 MB request and response for synchronous calls, 1 MB for asynchronous ones;
- init is limited to 10 s, then retried once within the invocation's own timeout;
- START / END / REPORT lines in Lambda's text format go to the log stream given (standard error for ``invoke``),
  so ``lambdoctor logs`` reads them. Billed Duration includes the init time (billed since 2025-08-01).

What the handler gets of the developer's machine (docs/security.md): a clean environment (Lambda's variables and
the function's own; none of lambdoctor's), Lambda-shaped dummy credentials with its AWS calls answered locally
unless the user named a profile, a private empty HOME, and — where Linux allows a PID namespace — a process tree of
its own in which lambdoctor and every other process are invisible (so /proc/<parent>/environ cannot be read). The
whole tree is killed at a timeout, and its memory together counts against MemorySize.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

from lambdoctor.runtime import cpu, interpreter
from lambdoctor.runtime.procfs import ProcReader
from lambdoctor.runtime.wire import Channel, ChannelError

SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024  # "6 MB each for request and response (synchronous)"
ASYNC_PAYLOAD_BYTES = 1024 * 1024  # "1 MB (asynchronous)"; it was 256 KB before 2025
INIT_LIMIT_S = 10.0
POLL_S = 0.002  # how often a running invocation's memory is sampled
SPIN_S = 0.0002  # how long each side of the channel spins for an answer before it sleeps (wire.py)
TREE_POLLS = 10  # every how many polls the process tree is walked again (a child started since is then counted)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str  # module.function
    code_dir: str
    memory_mb: int = 128
    timeout_s: float = 3.0
    ephemeral_mb: int = 512
    runtime: str = "python3.12"
    environment: dict[str, str] = field(default_factory=dict)
    version: str = "$LATEST"
    region: str = "us-east-1"
    account: str = "123456789012"
    init_limit_s: float = INIT_LIMIT_S
    observe: bool = False  # the worker reports its module globals and /tmp use after each invocation (probe)
    # The handler's AWS calls are answered locally (ExecutionEnvironment.on_call, else runtime/local_aws.py) and
    # it signs with dummy credentials; False only when the user named a profile to reach AWS with (aws_profile).
    capture_aws: bool = True
    aws_profile: str | None = None
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0
    recursive_loop: str = "Terminate"  # Lambda's default: a loop is stopped after 16 invocations
    # each layer's folder that Lambda would extract into /opt (its python/ inside), in the function's order
    layers: tuple[str, ...] = ()
    # the same layers' folders whose files Lambda extracts into /opt (python/ and bin/, lib/, ... beside it); a
    # layer SAM builds (BuildMethod) has only its python/ folder, the entry of ``layers``
    layer_roots: tuple[str, ...] = ()
    tracing: str = "PassThrough"  # TracingConfig Mode: Active samples every invocation (_X_AMZN_TRACE_ID)
    log_format: str = "Text"  # LoggingConfig.LogFormat: JSON gives JSON platform and application records
    log_level: str | None = None  # LoggingConfig.ApplicationLogLevel (JSON format only; INFO by default there)
    cpu_limit: bool = True  # the CPU share of the memory size during invocations, where a cgroup allows it (cpu.py)


@dataclass
class Invocation:
    request_id: str
    status: str  # "success", "error" (the handler raised or the runtime failed) or "timeout"
    response: str | None  # the JSON the caller receives (the error payload on failure)
    error_type: str | None
    duration_ms: float
    billed_ms: int
    init_ms: float | None  # set on a cold start
    max_memory_mb: int
    observed: dict[str, Any] | None = None  # with FunctionSpec.observe: {"globals": {...}, "tmp_bytes": n}
    extra_ms: float = 0.0  # simulate: virtual time the handler's AWS calls took beyond their real time

    @property
    def virtual_ms(self) -> float:
        return self.duration_ms + self.extra_ms


class Environment(Protocol):
    """What ``simulate`` needs of an execution environment: a worker process (ExecutionEnvironment) or the
    handler called in lambdoctor's own process (runtime/inprocess.py)."""

    on_call: Callable[[dict[str, Any]], dict[str, Any]] | None

    def invoke(self, event: str, request_id: str | None = None, asynchronous: bool = False,
               inject_error: str | None = None) -> Invocation: ...

    def close(self) -> None: ...


@functools.lru_cache(maxsize=1)
def _several_cpus() -> bool:
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # not Linux
        return (os.cpu_count() or 1) > 1


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, theirs, ...), from /proc/PID/task/TID/children. A child that called
    setsid() is still a child; an orphan is re-parented to the worker (a child subreaper, or the PID namespace's
    init), so it stays in the tree too."""
    out: list[int] = []
    todo = [pid]
    while todo and len(out) < 100_000:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{current}/task/{tid}/children", encoding="ascii") as fh:
                    kids = [int(x) for x in fh.read().split()]
            except (OSError, ValueError):
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def kill_tree(root: int) -> None:
    """Stop the whole tree first (SIGSTOP: a stopped process can neither fork nor react), sweeping again until a
    sweep finds no process it had not stopped, then SIGKILL every one of them: a child that forked, or called
    setsid(), while the tree was being swept is caught, and nobody sees a parent die before it dies itself."""
    stopped: list[int] = []
    for _ in range(100):
        new = [p for p in [root, *descendants(root)] if p not in stopped]
        if not new:
            break
        for p in new:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(p, signal.SIGSTOP)
            stopped.append(p)
    for p in stopped:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(p, signal.SIGKILL)


@functools.lru_cache(maxsize=1)
def sandbox_prefix() -> tuple[str, ...]:
    """The command that starts the worker as init of its own PID namespace with its own /proc, where this machine
    allows it (util-linux unshare; as root, or through a user namespace), or () where it does not. In there,
    lambdoctor's process and its environment are not visible, and killing the namespace's init kills everything
    the handler started."""
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        return ()
    base = [unshare, "--pid", "--fork", "--mount-proc", "--kill-child"]
    candidates = [base] if os.geteuid() == 0 else [[*base[:1], "--map-root-user", *base[1:]]]
    for command in candidates:
        try:
            done = subprocess.run([*command, "true"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=10, env={"PATH": "/usr/bin:/bin"})
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return tuple(command)
    return ()


def finished(s: FunctionSpec, rid: str, status: str, response: str, error_type: str | None, duration: float,
             extra_ms: float, init_ms: float | None, peak_mb: int) -> Invocation:
    """The invocation as Lambda reports it: a timeout lasts exactly the timeout (the rest of the virtual time is
    the extra), billed to the next millisecond with the init included (billed since 2025-08-01)."""
    if status == "timeout":
        duration = min(duration, s.timeout_s * 1000)
        extra_ms = max(0.0, s.timeout_s * 1000 - duration)
    billed = math.ceil(duration + (init_ms or 0.0))
    return Invocation(rid, status, response, error_type, duration, billed, init_ms, peak_mb, extra_ms=extra_ms)


def end_and_report(s: FunctionSpec, inv: Invocation, runtime_failure: bool) -> str:
    """The END and REPORT lines of an invocation, in Lambda's text format (facts.md §2.1)."""
    report = (f"END RequestId: {inv.request_id}\nREPORT RequestId: {inv.request_id}\t"
              f"Duration: {inv.duration_ms:.2f} ms\tBilled Duration: {inv.billed_ms} ms\t"
              f"Memory Size: {s.memory_mb} MB\tMax Memory Used: {min(inv.max_memory_mb, s.memory_mb)} MB")
    if inv.init_ms is not None:
        report += f"\tInit Duration: {inv.init_ms:.2f} ms"
    if inv.status == "timeout":
        report += "\tStatus: timeout"
    elif runtime_failure and inv.error_type:
        report += f"\tStatus: error\tError Type: {inv.error_type}"
    return report


def _initialization_type(s: FunctionSpec) -> str:
    return "provisioned-concurrency" if s.provisioned_concurrency > 0 else "on-demand"


def _json_line(kind: str, **record: Any) -> str:
    """A platform record in Lambda's JSON log format: ``{"time", "type": "platform.<kind>", "record"}``, compact, as
    the real captures of facts.md §2.2 are."""
    return json.dumps({"time": _now_iso(), "type": f"platform.{kind}", "record": record}, separators=(",", ":"))


def report_record(s: FunctionSpec, inv: Invocation, runtime_failure: bool) -> dict[str, Any]:
    """The platform.report record of an invocation: the REPORT line's numbers as ReportMetrics (facts.md §2.2)."""
    metrics: dict[str, Any] = {"durationMs": round(inv.duration_ms, 3), "billedDurationMs": inv.billed_ms,
                               "memorySizeMB": s.memory_mb, "maxMemoryUsedMB": min(inv.max_memory_mb, s.memory_mb)}
    if inv.init_ms is not None:
        metrics["initDurationMs"] = round(inv.init_ms, 3)
    record: dict[str, Any] = {"requestId": inv.request_id, "metrics": metrics}
    if inv.status == "timeout":
        record["status"] = "timeout"
    elif inv.status == "error":
        record["status"] = "error"
        if inv.error_type:
            record["errorType"] = inv.error_type
    else:
        record["status"] = "success"
    return record


def timed_out(s: FunctionSpec, rid: str) -> tuple[str, str]:
    """The log line Lambda writes when an invocation times out, and the error payload the caller gets."""
    line = f"{_now_iso()} {rid} Task timed out after {s.timeout_s:.2f} seconds"
    error = {"errorType": "Sandbox.Timedout",
             "errorMessage": f"{_now_iso()} Task timed out after {s.timeout_s:.2f} seconds"}
    return line, json.dumps(error)


def trace_header() -> str:
    """An X-Ray trace header as Lambda passes it with active tracing (X-Ray Developer Guide, "Tracing header":
    ``Root=1-<8 hex digits of the epoch second>-<24 hex digits>;Parent=<16 hex digits>;Sampled=1``)."""
    return (f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=1")


def lambda_environment(s: FunctionSpec) -> tuple[dict[str, str], dict[str, Any]]:
    """The variables Lambda sets for the function (its own on top), and what its context object says."""
    stream = f"{datetime.now(UTC):%Y/%m/%d}/[{s.version}]{uuid.uuid4().hex}"
    arn = f"arn:aws:lambda:{s.region}:{s.account}:function:{s.name}"
    # DG "Using Lambda environment variables", "Defined runtime environment variables": the runtime's folders are
    # Lambda's paths (there is no /var/runtime here: the variables say what a handler reading them would get).
    env = {
        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "LAMBDA_RUNTIME_DIR": "/var/runtime", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "LD_LIBRARY_PATH": f"/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:{s.code_dir}:{s.code_dir}/lib:/opt/lib",
        "AWS_LAMBDA_INITIALIZATION_TYPE": _initialization_type(s),
        # the runtime client formats the application's records by these (awslambdaric/bootstrap.py at 46e4c6a)
        **({"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": s.log_level or "INFO"}
           if s.log_format == "JSON" else {}),
        # with active tracing, for the X-Ray SDK (DG "Defined runtime environment variables")
        **({"AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000"}
           if s.tracing == "Active" else {}),
        "AWS_REGION": s.region, "AWS_DEFAULT_REGION": s.region, "AWS_EXECUTION_ENV": f"AWS_Lambda_{s.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": s.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(s.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": s.version, "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{s.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": stream, "LAMBDA_TASK_ROOT": s.code_dir, "_HANDLER": s.handler,
        "PYTHONDONTWRITEBYTECODE": "1",
        **s.environment,
    }
    if s.capture_aws or s.aws_profile is None:
        from lambdoctor.runtime.aws_capture import LAMBDA_CREDENTIALS

        env.update(LAMBDA_CREDENTIALS)
        env["AWS_EC2_METADATA_DISABLED"] = "true"  # no instance-metadata credentials of the machine either
    else:
        # The user asked by name: this profile's credentials, from the developer's own AWS configuration.
        home = os.path.expanduser("~")
        env.update({"AWS_PROFILE": s.aws_profile, "HOME": home,
                    "AWS_CONFIG_FILE": os.environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config"),
                    "AWS_SHARED_CREDENTIALS_FILE": os.environ.get("AWS_SHARED_CREDENTIALS_FILE")
                    or os.path.join(home, ".aws", "credentials")})
    context = {"function_name": s.name, "version": s.version, "arn": arn, "memory_mb": s.memory_mb,
               "log_group": f"/aws/lambda/{s.name}", "log_stream": stream, "handler": s.handler,
               "code_dir": s.code_dir, "ephemeral_mb": s.ephemeral_mb, "observe": s.observe,
               "layers": [[root, python] for root, python in zip(s.layer_roots or s.layers, s.layers, strict=True)],
               "python": s.runtime[len("python"):] if s.runtime.startswith("python") else "",
               "capture_aws": s.capture_aws}
    return env, context


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class _Malformed(Exception):
    """A message of the worker's that is JSON, but not what the protocol says at that point."""


_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "call": {"service": str, "operation": str},
    "ready": {"init_ms": (int, float)},
    "init_error": {"init_ms": (int, float), "error": dict},
    "result": {"body": str},
    "error": {"error": dict},
    "exit": {},
}


def _checked(message: dict[str, Any], expected: tuple[str, ...]) -> dict[str, Any]:
    """The worker's message, if it is one of ``expected`` with its fields of the right types (the handler can
    write to the channel too: nothing it says is taken on trust)."""
    kind = message.get("type")
    if kind not in expected or not isinstance(kind, str):
        raise _Malformed(f"unexpected message type {str(kind)[:40]!r}")
    for name, types in _FIELDS[kind].items():
        if not isinstance(message.get(name), types):
            raise _Malformed(f"{kind} without a valid {name}")
    error = message.get("error")
    if isinstance(error, dict) and not (isinstance(error.get("errorType"), str)
                                        and isinstance(error.get("errorMessage", ""), str)):
        raise _Malformed(f"{kind} with an error payload without errorType")
    observed = message.get("observed")
    if observed is not None and not (isinstance(observed, dict) and isinstance(observed.get("globals", {}), dict)
                                     and isinstance(observed.get("tmp_bytes", 0), int)):
        raise _Malformed(f"{kind} with a malformed observation")
    return message


class ExecutionEnvironment:
    """Invocations one at a time; a new worker after a timeout, a crash or an out-of-memory kill."""

    def __init__(self, spec: FunctionSpec, log: TextIO) -> None:
        self.spec = spec
        self.log = log
        self._process: Any = None
        self._conn: Channel | None = None
        self._sandboxed = False  # the worker runs below an `unshare` process, in its own PID namespace
        self._proc = ProcReader()  # the tree's /proc files, kept open between invocations (procfs.py)
        self._tree_size = 0
        self._pids: list[int] = []  # the tree as last walked, during an invocation
        # HOME and the fallback /tmp: one private folder per environment, removed when it closes.
        self._private = tempfile.mkdtemp(prefix=f"lambdoctor-{spec.name}-")
        self._cpu = cpu.CpuQuota.create() if spec.cpu_limit else None
        self.cold_starts = 0
        self.tmp_enforced: bool | None = None  # known once a worker started
        self.opt_mounted: bool | None = None  # the layers at /opt (else on sys.path from their folders)
        # simulate: answers one AWS call of the handler ({"service", "operation", "params", ...} → HTTP answer
        # and the virtual milliseconds it took); see runtime/aws_capture.py
        self.on_call: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.local_calls: dict[str, int] = {}  # service.Operation → calls answered by runtime/local_aws.py
        self._extra_ms = 0.0

    # -- lifecycle ------------------------------------------------------------------------------------------
    def _worker_spec(self) -> dict[str, Any]:
        env, context = lambda_environment(self.spec)
        home, tmp = os.path.join(self._private, "home"), os.path.join(self._private, "tmp")
        shutil.rmtree(tmp, ignore_errors=True)  # a new environment starts with an empty /tmp
        for folder in (home, tmp):
            os.makedirs(folder, exist_ok=True)
        # HOME: botocore and other libraries read ~/.aws, ~/.netrc, ...: an empty folder of the environment's
        # own, never the developer's (without HOME, Python takes it from the password database).
        env.setdefault("HOME", home)
        sdk, _ = interpreter.sdk(interpreter.find(self.spec.runtime))
        return {**context, "environment": env, "fallback_tmp": tmp, "isolated": True,
                "sdk_dir": str(sdk) if sdk else None}

    def _start(self, limit_s: float) -> tuple[str, Any, float]:
        """Start a worker and wait for its init: ("ready"|"init_error"|"timeout", error payload, init ms)."""
        parent_sock, child_sock = socket.socketpair()
        started = time.perf_counter()
        prefix = sandbox_prefix()
        # A fresh interpreter (not a fork of this one: nothing of lambdoctor's state leaks into the handler's
        # world), started with an environment of two variables, in its own session, and where the machine allows
        # it as init of its own PID namespace.
        # On the interpreter of the function's Runtime, isolated, with Lambda's sys.path (runtime/interpreter.py):
        # neither lambdoctor nor its virtualenv is importable by the handler.
        bootstrap = interpreter.bundle() / "bootstrap.py"
        quota = self._cpu
        if quota is not None:
            quota.limit(None)  # the init runs unthrottled (cpu.py)

        def join_cgroup() -> None:  # in the child, before it runs anything: its whole tree is in the cgroup
            if quota is not None:
                with open(quota.procs, "w", encoding="ascii") as fh:
                    fh.write(str(os.getpid()))

        self._process = subprocess.Popen([*prefix, interpreter.find(self.spec.runtime).path, "-I", "-S",
                                          str(bootstrap), str(child_sock.fileno())],
                                         preexec_fn=join_cgroup if quota is not None else None,
                                         pass_fds=(child_sock.fileno(),), start_new_session=True,
                                         stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                         env={"PATH": os.environ.get("PATH", "")})
        self._sandboxed = bool(prefix)
        child_sock.close()
        parent = self._conn = Channel(parent_sock)
        parent.send(self._worker_spec())
        while True:
            if not parent.poll(max(0.0, limit_s - (time.perf_counter() - started))):
                self._kill()
                return "timeout", None, (time.perf_counter() - started) * 1000
            try:
                message = _checked(parent.recv(), ("call", "ready", "init_error"))
            except (EOFError, ChannelError, _Malformed) as exc:
                self._kill()
                return "init_error", {"errorType": "Runtime.ExitError", "errorMessage":
                                      "Runtime exited without providing a reason" if isinstance(exc, EOFError)
                                      else f"Runtime sent a malformed message: {exc}"}, 0.0
            if message["type"] != "call":
                break
            parent.send(self._answer(message))  # an AWS call made by module-level code
        self.tmp_enforced = bool(message.get("tmp_enforced"))
        self.opt_mounted = bool(message.get("opt_mounted"))
        if message["type"] == "init_error":
            self._kill()
            return "init_error", message["error"], float(message["init_ms"])
        return "ready", None, float(message["init_ms"])

    def _memory_mb(self, key: str = "VmRSS") -> int:
        """The environment's memory, summed over its processes (Lambda's limit is on the whole environment)."""
        return math.ceil(sum(self._proc.status_kb(p, key) for p in self._tree()) / 1024)

    def _tree(self) -> list[int]:
        """The processes whose memory counts: the worker and everything below it (not the `unshare` above it)."""
        if self._process is None:
            return []
        root = self._process.pid
        if self._cpu is not None:
            # the cgroup holds the whole tree (the worker joined it before it ran anything; children inherit it):
            # one read instead of a walk of /proc, which costs a warm invocation more than the handler does
            with contextlib.suppress(ValueError):
                pids = [int(p) for p in (self._proc.read(self._cpu.procs, 1 << 20) or b"").split()]
                if pids:
                    if len(pids) != self._tree_size:  # a process started or ended: close the files of the gone
                        self._proc.forget(set(pids))
                        self._tree_size = len(pids)
                    return [p for p in pids if p != root] if self._sandboxed else pids
        return ([] if self._sandboxed else [root]) + descendants(root)

    def _sample_mb(self, polls: int) -> int:
        """The tree's resident memory now. Who is in the tree is looked up again every TREE_POLLS polls (20 ms),
        the sizes every poll: a walk of /proc costs several times one status read, and what a poll costs is time
        added to the invocation the moment its answer arrives during it."""
        if polls % TREE_POLLS == 0 or not self._pids:
            self._pids = self._tree()
        return math.ceil(sum(self._proc.status_kb(p) for p in self._pids) / 1024)

    def _kill(self) -> None:
        if self._process is not None:
            if self._cpu is not None:
                # a killed process still needs the CPU to exit (freeing its memory): at 128 MB's share of 7 % a
                # tree holding hundreds of MB would take seconds to go
                self._cpu.limit(None)
            kill_tree(self._process.pid)
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            self._process.wait(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._proc.close()
        self._process = self._conn = None

    def close(self) -> None:
        self._kill()
        if self._cpu is not None:
            self._cpu.close()
        shutil.rmtree(self._private, ignore_errors=True)

    def __enter__(self) -> ExecutionEnvironment:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- one invocation ---------------------------------------------------------------------------------------
    def _line(self, text: str) -> None:
        self.log.write(text + "\n")
        self.log.flush()

    def _platform(self, kind: str, text: str, **record: Any) -> None:
        """A platform record: its text line, or with LogFormat JSON its JSON record (facts.md §2.2)."""
        self._line(_json_line(kind, **record) if self.spec.log_format == "JSON" else text)

    def _start_line(self, rid: str) -> None:
        s = self.spec
        self._platform("start", f"START RequestId: {rid} Version: {s.version}", requestId=rid,
                       functionArn=f"arn:aws:lambda:{s.region}:{s.account}:function:{s.name}", version=s.version)

    def invoke(self, event: str, request_id: str | None = None, asynchronous: bool = False,
               inject_error: str | None = None) -> Invocation:
        """Run one invocation of ``event`` (JSON text). ``inject_error``: fail it after the handler ran."""
        s = self.spec
        rid = request_id or str(uuid.uuid4())
        limit = ASYNC_PAYLOAD_BYTES if asynchronous else SYNC_PAYLOAD_BYTES
        size = len(event.encode("utf-8"))
        if size > limit:
            # Refused by the Invoke API before any environment sees it: no START/REPORT.
            error = {"errorType": "RequestTooLargeException",
                     "errorMessage": f"Request must be smaller than {limit} bytes for the InvokeFunction operation"}
            return Invocation(rid, "error", json.dumps(error), error["errorType"], 0.0, 0, None, 0)
        init_ms: float | None = None
        started = time.perf_counter()
        reinit_started: float | None = None
        if self._process is None:
            self.cold_starts += 1
            self._platform("initStart", f"INIT_START Runtime Version: {s.runtime.replace('python', 'python:')}"
                           ".lambdoctor\tRuntime Version ARN: local",
                           initializationType=_initialization_type(s), phase="init",
                           runtimeVersion=f"{s.runtime.replace('python', 'python:')}.lambdoctor",
                           runtimeVersionArn="local", functionName=s.name, functionVersion=s.version)
            state, error, init_ms = self._start(s.init_limit_s)
            if state == "timeout":
                self._platform("initReport", f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\t"
                               "Status: timeout", initializationType=_initialization_type(s), phase="init",
                               status="timeout", metrics={"durationMs": round(init_ms, 3)})
                # Lambda tries the init again in the invoke phase, within the function's timeout: the re-run
                # init and the handler together get the timeout, and the re-init is part of the Duration
                # (DG "Lambda execution environment", "Init phase"; suppressed init).
                reinit_started = time.perf_counter()
                state, error, init_ms = self._start(s.timeout_s)
                if state == "timeout":
                    self._start_line(rid)
                    return self._finish_timeout(rid, started, init_ms, 0)
            if state == "init_error":
                self._platform("initReport", f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\t"
                               f"Status: error\tError Type: {error['errorType']}",
                               initializationType=_initialization_type(s), phase="init", status="error",
                               errorType=error["errorType"], metrics={"durationMs": round(init_ms, 3)})
                self._start_line(rid)
                return self._finish(rid, "error", json.dumps(error), error["errorType"], started, init_ms, 0,
                                    runtime_failure=True)
        self._start_line(rid)
        if self._cpu is not None:
            self._cpu.limit(cpu.vcpus(s.memory_mb))  # Lambda's share of the memory size, from the invocation on
        invoke_start = time.perf_counter()
        if reinit_started is not None:
            invoke_start, init_ms = reinit_started, None  # in the Duration, not billed twice as an Init Duration
        self._extra_ms = 0.0
        deadline = time.time() + s.timeout_s - (time.perf_counter() - invoke_start)
        conn = self._conn
        assert conn is not None
        # Both sides spin briefly before they sleep (wire.py): the worker after its answer only where that spin
        # does not eat a CPU quota smaller than one vCPU, which would slow the next invocation down.
        spin = SPIN_S if _several_cpus() else 0.0
        conn.send({"request_id": rid, "event": event, "deadline_ms": int(deadline * 1000),
                   "inject_error": inject_error, "trace_id": trace_header() if s.tracing == "Active" else None,
                   "spin_s": spin if self._cpu is None or cpu.vcpus(s.memory_mb) >= 1 else 0.0})
        conn.spin(spin)
        peak = 0
        polls = -1
        self._pids = []
        message: dict[str, Any] | None
        while True:
            if conn.poll(POLL_S):
                try:
                    message = _checked(conn.recv(), ("call", "result", "error", "exit"))
                except (EOFError, ChannelError, _Malformed):
                    message = None  # the runtime failed, or the handler wrote to the channel itself
                if message is not None and message.get("type") == "call":
                    asked = time.perf_counter()
                    message["elapsed_ms"] = (asked - invoke_start) * 1000 + self._extra_ms
                    reply = self._answer(message)
                    self._extra_ms += float(reply.get("virtual_ms", 0.0)) - (time.perf_counter() - asked) * 1000
                    if (time.perf_counter() - invoke_start) * 1000 + self._extra_ms >= s.timeout_s * 1000:
                        # the call outlasts the function's own timeout (in virtual time): it is stopped waiting
                        return self._finish_timeout(rid, invoke_start, init_ms, peak)
                    conn.send(reply)
                    continue
                break
            polls += 1
            peak = max(peak, self._sample_mb(polls))
            if peak > s.memory_mb:
                self._kill()
                error = {"errorType": "Runtime.OutOfMemory", "errorMessage":
                         f"RequestId: {rid} Error: Runtime exited with error: signal: killed"}
                return self._finish(rid, "error", json.dumps(error), error["errorType"], invoke_start, init_ms,
                                    s.memory_mb, runtime_failure=True)
            if (time.perf_counter() - invoke_start) * 1000 + self._extra_ms >= s.timeout_s * 1000:
                return self._finish_timeout(rid, invoke_start, init_ms, peak)
            if self._process.poll() is not None:
                message = None
                break
        ended = time.perf_counter()  # the duration ends with the answer, not with the measuring below
        # The peak is measured here, never taken from the worker: VmHWM (each process's own peak resident size)
        # summed over the tree, an upper bound of the tree's peak, with what the polling saw.
        peak = max(peak, self._memory_mb("VmHWM"))
        if peak > s.memory_mb and message is not None and message["type"] in ("result", "error"):
            # over the memory size between two samples: Lambda would have stopped it there
            self._kill()
            error = {"errorType": "Runtime.OutOfMemory", "errorMessage":
                     f"RequestId: {rid} Error: Runtime exited with error: signal: killed"}
            return self._finish(rid, "error", json.dumps(error), error["errorType"], invoke_start, init_ms,
                                s.memory_mb, runtime_failure=True, ended=ended)
        if message is None or message["type"] == "exit":
            code = self._process.poll() if self._process is not None else None
            self._kill()
            error = {"errorType": "Runtime.ExitError",
                     "errorMessage": f"RequestId: {rid} Error: {exit_reason(message['code'] if message else code)}"}
            return self._finish(rid, "error", json.dumps(error), error["errorType"], invoke_start, init_ms, peak,
                                runtime_failure=True, ended=ended)
        if message["type"] == "error":
            done = self._finish(rid, "error", json.dumps(message["error"]), message["error"]["errorType"],
                                invoke_start, init_ms, peak, ended=ended)
            done.observed = message.get("observed")
            return done
        body: str = message["body"]
        if len(body.encode("utf-8")) > SYNC_PAYLOAD_BYTES and not asynchronous:
            error = {"errorType": "Function.ResponseSizeTooLarge", "errorMessage":
                     f"Response payload size exceeded maximum allowed payload size ({SYNC_PAYLOAD_BYTES} bytes)."}
            return self._finish(rid, "error", json.dumps(error), error["errorType"], invoke_start, init_ms, peak,
                                ended=ended)
        done = self._finish(rid, "success", body, None, invoke_start, init_ms, peak, ended=ended)
        done.observed = message.get("observed")
        return done

    def _answer(self, call: dict[str, Any]) -> dict[str, Any]:
        if self.on_call is None:
            from lambdoctor.runtime import local_aws

            key = f"{call.get('service')}.{call.get('operation')}"
            self.local_calls[key] = self.local_calls.get(key, 0) + 1
            reply = local_aws.answer(call)
        else:
            reply = dict(self.on_call(call))
        body = reply.get("body")
        if isinstance(body, (bytes, bytearray)):  # the channel carries JSON: a binary body goes as base64
            import base64

            reply["body_base64"] = base64.b64encode(bytes(body)).decode("ascii")
            del reply["body"]
        return reply

    def _finish_timeout(self, rid: str, started: float, init_ms: float | None, peak: int) -> Invocation:
        self._kill()
        line, error = timed_out(self.spec, rid)
        if self.spec.log_format != "JSON":  # in JSON, the report's status says it (facts.md §2.2)
            self._line(line)
        return self._finish(rid, "timeout", error, "Sandbox.Timedout", started, init_ms, peak, runtime_failure=True)

    def _finish(self, rid: str, status: str, response: str, error_type: str | None, started: float,
                init_ms: float | None, peak_mb: int, runtime_failure: bool = False,
                ended: float | None = None) -> Invocation:
        done = finished(self.spec, rid, status, response, error_type,
                        ((ended or time.perf_counter()) - started) * 1000,
                        self._extra_ms, init_ms, peak_mb)
        if self.spec.log_format == "JSON":
            self._line(_json_line("report", **report_record(self.spec, done, runtime_failure)))
        else:
            self._line(end_and_report(self.spec, done, runtime_failure))
        self._extra_ms = 0.0
        return done


def exit_status(code: object) -> int:
    """The status a Python process exits with for ``SystemExit(code)``: None is 0, an integer is itself (modulo 256,
    as the kernel keeps it), anything else is printed and is 1 (Python's documentation of sys.exit)."""
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code & 0xFF
    return 1


# Go's names of the signals a runtime dies of (syscall.Signal.String), which Lambda's message quotes
_SIGNALS = {6: "aborted", 9: "killed", 11: "segmentation fault", 15: "terminated", 7: "bus error"}


def exit_reason(code: object) -> str:
    """Lambda's words for a runtime that exited during an invocation (the Runtime Interface Emulator at 4fa2157,
    internal/lambda/rapid/handlers.go lines 236-240, and supervisor/model/model.go ProcessTermination.String): a
    status of 0 gives no reason, another status or a signal (``code`` < 0, as ``Popen.poll`` gives it) is an error."""
    if isinstance(code, int) and not isinstance(code, bool) and code < 0:
        return f"Runtime exited with error: signal: {_SIGNALS.get(-code, f'signal {-code}')}"
    status = exit_status(code)
    if status == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {status}"
