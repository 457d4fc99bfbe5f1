"""lambdoctor invoke and the execution environment: what Lambda does, checked on real handlers in real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lambdoctor.runtime.environment import ExecutionEnvironment, FunctionSpec

HANDLER = '''
import os, sys, time, logging, subprocess
COUNT = 0
logging.getLogger().setLevel(logging.INFO)

def handler(event, context):
    global COUNT
    COUNT += 1
    logging.info("invocation %d", COUNT)
    with open("/tmp/seen", "a") as fh:
        fh.write("x")
    action = event.get("action")
    if action == "sleep":
        time.sleep(event["seconds"])
        with open(event["marker"], "w") as fh:
            fh.write("ran after the timeout")
    elif action == "fork":
        subprocess.Popen([sys.executable, "-c",
                          f"import time; time.sleep({event['seconds']}); open({event['marker']!r}, 'w').write('x')"])
        time.sleep(60)
    elif action == "fail":
        raise KeyError("action")
    elif action == "memory":
        block = bytearray(event["mb"] * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])
    elif action == "disk":
        with open("/tmp/big", "wb") as fh:
            fh.write(b"x" * event["mb"] * 1024 * 1024)
    elif action == "set":
        return {1, 2}
    elif action == "exit":
        sys.exit(*event.get("args", [3]))
    elif action == "binary":
        sys.stdout.buffer.write(bytes(range(256)) + b"\\n")
    elif action == "big":
        return "x" * (7 * 1024 * 1024)
    return {"count": COUNT, "seen": os.path.getsize("/tmp/seen"), "stage": os.environ.get("STAGE"),
            "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 2000,
            "function": context.function_name, "memory": context.memory_limit_in_mb}
'''

TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Timeout: 2
      MemorySize: 128
      EphemeralStorage: {Size: 512}
      Environment:
        Variables:
          STAGE: test
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    return tmp_path


def invoke(project: Path, *args: str, event: dict[str, Any] | None = None) -> subprocess.CompletedProcess[str]:
    """The command in its own process. Output is decoded by hand: universal newlines would turn the \r that joins
    a logged traceback into \n, and a handler may print bytes that are not UTF-8."""
    cmd = [sys.executable, "-m", "lambdoctor", "invoke", str(project), "worker", *args]
    raw = subprocess.run(cmd, input=json.dumps(event).encode() if event is not None else None, capture_output=True,
                         timeout=120, cwd=project)
    return subprocess.CompletedProcess(raw.args, raw.returncode, raw.stdout.decode("utf-8", "replace"),
                                       raw.stderr.decode("utf-8", "replace"))


def _reports(stderr: str) -> list[dict[str, str]]:
    out = []
    for line in stderr.splitlines():
        if line.startswith("REPORT RequestId: "):
            out.append(dict(f.split(": ", 1) for f in line.split("\t") if ": " in f))
    return out


def test_cold_then_warm_keeps_globals_and_tmp(project: Path) -> None:
    out = invoke(project, "--repeat", "3")
    assert out.returncode == 0, out.stderr
    responses = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["count"], r["seen"]) for r in responses] == [(1, 1), (2, 2), (3, 3)]
    assert responses[0] | {"count": 0, "seen": 0} == {"count": 0, "seen": 0, "stage": "test", "remaining_ok": True,
                                                      "function": "worker", "memory": "128"}
    reports = _reports(out.stderr)
    assert ["Init Duration" in r for r in reports] == [True, False, False]
    assert out.stderr.count("INIT_START ") == 1
    assert all(r["Memory Size"] == "128 MB" for r in reports)
    for r in reports:  # 1 ms billing; the init is billed since 2025-08-01
        duration = float(r["Duration"].split()[0]) + float(r.get("Init Duration", "0 ms").split()[0])
        assert int(r["Billed Duration"].split()[0]) == -(-duration // 1)
    # the handler's own log lines, in the Python runtime's text format, between START and END
    lines = out.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId: "))
    rid = lines[start].split()[2]
    assert lines[start + 1].startswith("[INFO]\t") and lines[start + 1].endswith(f"\t{rid}\tinvocation 1")


def test_a_timeout_kills_the_environment_and_its_side_effects(project: Path, tmp_path: Path) -> None:
    marker, child_marker = tmp_path / "after-timeout", tmp_path / "child"
    event = {"action": "sleep", "seconds": 3, "marker": str(marker)}
    out = invoke(project, "--event", "-", "--repeat", "2", event=event)
    assert out.returncode == 1
    payloads = [json.loads(line) for line in out.stdout.splitlines()]
    assert [p["errorType"] for p in payloads] == ["Sandbox.Timedout", "Sandbox.Timedout"]
    assert payloads[0]["errorMessage"].endswith("Task timed out after 2.00 seconds")
    reports = _reports(out.stderr)
    assert [r.get("Status") for r in reports] == ["timeout", "timeout"]
    assert ["Init Duration" in r for r in reports] == [True, True]  # the next invocation after a timeout is cold
    assert out.stderr.count("Task timed out after 2.00 seconds") == 2
    # a process the handler started dies with the environment, too
    fork = invoke(project, "--event", "-", event={"action": "fork", "seconds": 3, "marker": str(child_marker)})
    assert fork.returncode == 1
    time.sleep(2.5)  # past the sleeps of both: what would have run, would have
    assert not marker.exists() and not child_marker.exists()


def test_invoke_report_lines_are_what_lambdoctor_logs_reads(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    ok = invoke(project, "--repeat", "4")
    slow = invoke(project, "--event", "-", event={"action": "sleep", "seconds": 5, "marker": str(tmp_path / "m")})
    log.write_text(ok.stderr + slow.stderr, encoding="utf-8")
    reports = _reports(ok.stderr + slow.stderr)
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "logs", str(log), "--function", "worker", "--format",
                          "json", "--fail-on", "never"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    [stats] = json.loads(out.stdout)["functions"]
    assert stats["invocations"] == 5 and stats["cold_starts"] == 2 and stats["timeouts"] == 1
    assert stats["memory_mb"] == 128
    assert stats["max_memory_used_mb"]["max"] == max(int(r["Max Memory Used"].split()[0]) for r in reports)
    assert stats["duration_ms"]["max"] == pytest.approx(max(float(r["Duration"].split()[0]) for r in reports))
    assert stats["billed_ms_total"] == sum(int(r["Billed Duration"].split()[0]) for r in reports)


@pytest.mark.parametrize(("event", "error_type", "status"), [
    ({"action": "fail"}, "KeyError", None),
    ({"action": "set"}, "Runtime.MarshalError", None),
    ({"action": "exit"}, "Runtime.ExitError", "error"),
    ({"action": "memory", "mb": 300}, "Runtime.OutOfMemory", "error"),
    ({"action": "big"}, "Function.ResponseSizeTooLarge", None),
])
def test_failures_are_reported_as_lambda_reports_them(project: Path, event: dict[str, Any], error_type: str,
                                                      status: str | None) -> None:
    if event["action"] == "memory":
        # at 128 MB the handler has 7 % of a CPU (runtime/cpu.py): the pages of its first 128 MB take about a
        # second to fill here, too close to the 2 s timeout on a busy machine
        template = project / "template.yaml"
        template.write_text(template.read_text(encoding="utf-8").replace("Timeout: 2", "Timeout: 10"),
                            encoding="utf-8")
    out = invoke(project, "--event", "-", event=event)
    assert out.returncode == 1
    payload = json.loads(out.stdout)
    assert payload["errorType"] == error_type
    [report] = _reports(out.stderr)
    assert report.get("Status") == status
    if status:
        assert report["Error Type"] == error_type
    if error_type == "KeyError":
        assert payload["errorMessage"] == "'action'"
        # the code folder is /var/task in Lambda's traces (LAMBDA_TASK_ROOT): `File "/var/task/app.py", line …`
        assert len(payload["stackTrace"]) == 1 and payload["stackTrace"][0].startswith('  File "/var/task/app.py"')
        assert "[ERROR] KeyError: 'action'\rTraceback (most recent call last):\r" in out.stderr
    if error_type == "Runtime.MarshalError":
        assert payload["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"


@pytest.mark.parametrize(("args", "reason", "printed"), [
    ([], "Runtime exited without providing a reason", None),
    ([0], "Runtime exited without providing a reason", None),
    ([3], "Runtime exited with error: exit status 3", None),
    (["bye"], "Runtime exited with error: exit status 1", "bye"),
])
def test_sys_exit_ends_the_runtime_with_lambdas_words(project: Path, args: list[Any], reason: str,
                                                      printed: str | None) -> None:
    """Python's sys.exit: no argument or 0 is status 0, a string is printed and is status 1. The runtime client
    lets SystemExit end the process (awslambdaric/bootstrap.py at 46e4c6a catches Exception only), and Lambda says
    why (Runtime Interface Emulator at 4fa2157, internal/lambda/rapid/handlers.go 236-240)."""
    out = invoke(project, "--event", "-", event={"action": "exit", "args": args})
    assert out.returncode == 1
    payload = json.loads(out.stdout)
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith(f"Error: {reason}")
    if printed:
        assert f"\n{printed}\n" in out.stderr


def test_binary_output_and_payload_limits(project: Path) -> None:
    out = invoke(project, "--event", "-", event={"action": "binary"})
    assert out.returncode == 0 and json.loads(out.stdout)["count"] == 1
    big = {"action": "none", "pad": "x" * (6 * 1024 * 1024)}
    out = invoke(project, "--event", "-", event=big)
    assert json.loads(out.stdout) == {"errorType": "RequestTooLargeException", "errorMessage":
                                      "Request must be smaller than 6291456 bytes for the InvokeFunction operation"}
    assert "START" not in out.stderr  # refused before any environment saw it
    out = invoke(project, "--async", "--event", "-", event={"pad": "x" * (1024 * 1024)})
    assert json.loads(out.stdout)["errorType"] == "RequestTooLargeException"


def test_tmp_is_private_and_limited_to_the_ephemeral_storage(project: Path) -> None:
    spec = FunctionSpec("worker", "app.handler", str(project / "src"), memory_mb=256, timeout_s=5, ephemeral_mb=8)
    with open(project / "log.txt", "w", encoding="utf-8") as log, ExecutionEnvironment(spec, log) as env:
        first = json.loads(env.invoke("{}").response or "")
        full = env.invoke(json.dumps({"action": "disk", "mb": 20}))
        enforced = env.tmp_enforced
    assert first["seen"] == 1  # a fresh /tmp: nothing of another environment or of the machine's /tmp
    if enforced:
        assert full.status == "error" and json.loads(full.response or "")["errorMessage"] == \
            "[Errno 28] No space left on device"
    else:  # no private mount namespace on this machine: the documented fallback, not limited
        assert full.status == "success"


def test_bad_handlers(project: Path) -> None:
    src = project / "src"
    cases = {
        "missing.handler": ("Runtime.ImportModuleError", "Unable to import module 'missing': No module named "
                                                         "'missing'"),
        "broken.handler": ("Runtime.UserCodeSyntaxError", None),
        "app.nothing": ("Runtime.HandlerNotFound", "Handler 'nothing' missing on module 'app'"),
        "raises.handler": ("ValueError", "configuration missing"),
    }
    (src / "broken.py").write_text("def handler(event, context)\n    return 1\n", encoding="utf-8")
    (src / "raises.py").write_text("raise ValueError('configuration missing')\n", encoding="utf-8")
    for handler, (error_type, message) in cases.items():
        spec = FunctionSpec("worker", handler, str(src), timeout_s=3)
        with open(project / "log.txt", "w", encoding="utf-8") as log, ExecutionEnvironment(spec, log) as env:
            result = env.invoke("{}")
        payload = json.loads(result.response or "")
        assert (result.status, payload["errorType"]) == ("error", error_type), handler
        if message:
            assert payload["errorMessage"] == message
        text = (project / "log.txt").read_text(encoding="utf-8")
        assert f"Phase: init\tStatus: error\tError Type: {error_type}" in text


def test_an_init_that_hangs_is_retried_then_times_out(project: Path) -> None:
    (project / "src" / "slow.py").write_text("import time\ntime.sleep(30)\ndef handler(e, c):\n    return 1\n",
                                             encoding="utf-8")
    spec = FunctionSpec("worker", "slow.handler", str(project / "src"), timeout_s=1, init_limit_s=1)
    started = time.monotonic()
    with open(project / "log.txt", "w", encoding="utf-8") as log, ExecutionEnvironment(spec, log) as env:
        result = env.invoke("{}")
    assert result.status == "timeout" and time.monotonic() - started < 10
    text = (project / "log.txt").read_text(encoding="utf-8")
    assert "Phase: init\tStatus: timeout" in text and "Status: timeout" in text.splitlines()[-1]


def test_the_init_rerun_after_an_init_timeout_counts_against_the_functions_timeout(project: Path) -> None:
    """DG "Lambda execution environment", "Init phase": after an init timeout Lambda runs the init again with the
    first invocation, and that init counts against the invocation's timeout. Scaled down: a 1 s init limit, a
    1.2 s init, a 3 s timeout and a handler of 2.5 s: 1.2 + 2.5 s exceed the 3 s, so the invocation times out."""
    (project / "src" / "slowinit.py").write_text(
        "import time\ntime.sleep(1.2)\ndef handler(e, c):\n    time.sleep(2.5)\n    return 1\n", encoding="utf-8")
    spec = FunctionSpec("worker", "slowinit.handler", str(project / "src"), timeout_s=3, init_limit_s=1)
    started = time.monotonic()
    with open(project / "log.txt", "w", encoding="utf-8") as log, ExecutionEnvironment(spec, log) as env:
        result = env.invoke("{}")
    elapsed = time.monotonic() - started
    assert result.status == "timeout", result
    assert result.duration_ms == pytest.approx(3000, abs=1)  # the timeout, re-init included
    assert elapsed < 1 + 3 + 1.5  # the first init's 1 s, then 3 s in all for the re-init and the handler
    text = (project / "log.txt").read_text(encoding="utf-8")
    assert "Phase: init\tStatus: timeout" in text and "Init Duration" not in text.splitlines()[-1]


def test_unknown_function_and_bad_events_are_usage_errors(project: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(project), "nope"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "no function 'nope'" in out.stderr and "(functions: Worker)" in out.stderr
    out = invoke(project, "--event-type", "sqs", "--set", "Records.5.body=x")
    assert out.returncode == 2 and "Records has no item 5" in out.stderr
    out = invoke(project, "--event-type", "sqs", "--set", "Records.0.body=hi")
    assert out.returncode == 0, out.stderr


def test_event_types_have_the_documented_shape() -> None:
    from lambdoctor.runtime import events

    assert events.build("sqs")["Records"][0]["eventSource"] == "aws:sqs"
    assert events.build("s3")["Records"][0]["s3"]["bucket"]["name"] == "bucket"
    assert events.build("sns")["Records"][0]["Sns"]["Type"] == "Notification"
    assert events.build("api")["requestContext"]["stage"] == "prod"
    assert events.build("http-api")["version"] == "2.0"
    assert events.build("schedule")["detail-type"] == "Scheduled Event"
    assert events.build("kinesis")["Records"][0]["kinesis"]["data"] == "aGVsbG8gZnJvbSBLaW5lc2lz"
    assert events.build("dynamodb")["Records"][0]["eventName"] == "INSERT"
    assert events.apply_sets(events.build("eventbridge"), ["detail.order.id=42"])["detail"] == {"order": {"id": 42}}
    assert os.environ.get("AWS_LAMBDA_FUNCTION_NAME") is None  # the worker's environment never leaks back
