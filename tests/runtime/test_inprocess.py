"""``simulate --in-process``: the handler called inside lambdoctor's process. The same trigger semantics as the
isolated mode (the five scenarios give the same counts), and what it cannot do said plainly: the timeout interrupts
instead of killing, and a handler that ignores it ends the run rather than hanging it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from lambdoctor.runtime.environment import FunctionSpec
from lambdoctor.runtime.inprocess import InProcessEnvironment, SharedRuntime

SCENARIOS = ROOT / "examples" / "scenarios"
COUNTS = ("attempts", "succeeded", "failed", "retried", "dead_lettered", "throttled", "duplicates_delivered", "lost",
          "recursion_stopped", "max_chain", "responses", "aws_calls", "sent", "downstream")


def _simulate(scenario: Path, *flags: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", str(scenario), "--format", "json", *flags],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize("name", ["poison-sqs", "poison-kinesis", "self-trigger", "sync-chain", "db-connections"])
def test_the_scenarios_give_the_same_counts_in_process(name: str) -> None:
    isolated = _simulate(SCENARIOS / name / "scenario.yaml")
    fast = _simulate(SCENARIOS / name / "scenario.yaml", "--in-process")
    counts = COUNTS
    if name == "poison-kinesis" and int(fast["blocked_seconds"]) != int(isolated["blocked_seconds"]):
        # Which records expired behind the poison one depends on when the shard moved on: 24 h of backoff plus
        # the ~1,450 attempts' own durations, which the two modes measure differently (a worker process costs
        # a few tenths of a millisecond more an invocation). Records arrive a second apart, so the counts are the
        # same when the blocked time is in the same second; across a second's boundary, one record moves from
        # succeeded to lost (with its attempt), and everything else is the same.
        assert abs(fast["blocked_seconds"] - isolated["blocked_seconds"]) < 1.5
        assert fast["succeeded"] + fast["lost"] == isolated["succeeded"] + isolated["lost"]
        assert abs(fast["succeeded"] - isolated["succeeded"]) == 1
        counts = tuple(k for k in COUNTS if k not in ("attempts", "succeeded", "lost"))
    assert {k: fast[k] for k in counts} == {k: isolated[k] for k in counts}
    assert [d["record"] for d in fast["dlq"]] == [d["record"] for d in isolated["dlq"]]
    # the isolated run's notes say only what the template gave; the in-process run adds its compromises
    assert all(n.startswith("trigger settings from the template: ") for n in isolated.get("notes", []))
    assert any("the timeout interrupts it" in n for n in fast["notes"])


def _env(tmp_path: Path, source: str, timeout_s: float = 3.0, capture_aws: bool = False,
         **env: str) -> tuple[InProcessEnvironment, SharedRuntime, io.StringIO]:
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    log = io.StringIO()
    runtime = SharedRuntime(log)
    spec = FunctionSpec("fn", "app.handler", str(tmp_path), timeout_s=timeout_s, environment=dict(env),
                        capture_aws=capture_aws)
    return InProcessEnvironment(spec, log, runtime), runtime, log


def test_the_timeout_interrupts_the_handler_and_resets_the_environment(tmp_path: Path) -> None:
    marker = tmp_path / "after-the-timeout"
    env, runtime, log = _env(tmp_path, f"""
        import time
        calls = 0
        def handler(event, context):
            global calls
            calls += 1
            if event.get("slow"):
                try:
                    time.sleep(3)
                except Exception:
                    pass  # an `except Exception` does not catch the timeout
                open({str(marker)!r}, "w").close()
            return calls
        """, timeout_s=1)
    try:
        assert env.invoke("{}").response == "1"
        slow = env.invoke('{"slow": true}')
        assert (slow.status, slow.error_type, slow.duration_ms) == ("timeout", "Sandbox.Timedout", 1000.0)
        assert not marker.exists()  # the line after the sleep never ran
        again = env.invoke("{}")
        assert again.init_ms is not None and again.response == "1"  # a cold start: the globals began again
        assert env.cold_starts == 2
    finally:
        runtime.close()
    assert "Task timed out after 1.00 seconds" in log.getvalue()
    assert "Status: timeout" in log.getvalue()


def test_a_handler_that_ignores_its_timeout_ends_the_run_instead_of_hanging_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import time
        def handler(event, context):
            while True:
                try:
                    time.sleep(0.05)
                except BaseException:
                    pass
        """), encoding="utf-8")
    script = textwrap.dedent(f"""
        import io
        from lambdoctor.runtime import inprocess
        from lambdoctor.runtime.environment import FunctionSpec
        inprocess.IGNORED_FOR_S = 0.5
        runtime = inprocess.SharedRuntime(io.StringIO())
        env = inprocess.InProcessEnvironment(FunctionSpec("fn", "app.handler", {str(tmp_path)!r}, timeout_s=1),
                                             io.StringIO(), runtime)
        env.invoke("{{}}")
        print("not reached")
        """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 3
    assert "not reached" not in out.stdout
    assert "the handler ignored its timeout for 0.5 s; rerun without --in-process" in out.stderr


def test_each_environment_has_its_own_globals_and_the_function_its_variables(tmp_path: Path) -> None:
    before = dict(os.environ)
    env, runtime, log = _env(tmp_path, """
        import logging, os
        count = 0
        def handler(event, context):
            global count
            count += 1
            print("printed", context.function_name)
            logging.getLogger().warning("warned %s", os.environ["TABLE"])
            return [count, os.environ["AWS_LAMBDA_FUNCTION_NAME"], os.environ.get("HOME"),
                    context.get_remaining_time_in_millis() > 2000]
        """, TABLE="orders")
    other = InProcessEnvironment(env.spec, log, runtime)
    try:
        assert json.loads(env.invoke("{}").response or "") == [1, "fn", None, True]
        assert json.loads(env.invoke("{}").response or "") == [2, "fn", None, True]
        assert json.loads(other.invoke("{}").response or "") == [1, "fn", None, True]  # a second environment
    finally:
        runtime.close()
    assert dict(os.environ) == before  # the function's variables were the process's only while it ran
    text = log.getvalue()
    assert "printed fn\n" in text
    lines = [line for line in text.splitlines() if line.startswith("[WARNING]")]
    assert len(lines) == 3 and lines[0].endswith("\twarned orders") and lines[0].count("\t") == 3


def test_errors_are_reported_as_lambda_reports_them(tmp_path: Path) -> None:
    env, runtime, log = _env(tmp_path, """
        def handler(event, context):
            if event.get("kind") == "raise":
                raise KeyError("order_id")
            if event.get("kind") == "exit":
                raise SystemExit(2)
            return {1, 2}  # a set is not JSON
        """)
    try:
        raised = env.invoke('{"kind": "raise"}')
        payload = json.loads(raised.response or "")
        assert (raised.status, payload["errorType"], payload["errorMessage"]) == ("error", "KeyError", "'order_id'")
        assert len(payload["stackTrace"]) == 1 and "app.py" in payload["stackTrace"][0]  # no lambdoctor frames
        marshal = env.invoke('{"kind": "set"}')
        assert marshal.error_type == "Runtime.MarshalError"
        exited = env.invoke('{"kind": "exit"}')
        assert exited.error_type == "Runtime.ExitError"
        assert env.invoke('{"kind": "raise"}').init_ms is not None  # the runtime exited: a cold start
    finally:
        runtime.close()
    assert "[ERROR] KeyError: 'order_id'\rTraceback (most recent call last):" in log.getvalue()
    empty = tmp_path / "empty"
    empty.mkdir()
    log2 = io.StringIO()
    runtime2 = SharedRuntime(log2)
    try:
        failed = InProcessEnvironment(FunctionSpec("fn", "app.handler", str(empty)), log2, runtime2).invoke("{}")
    finally:
        runtime2.close()
    assert failed.error_type == "Runtime.ImportModuleError"
    assert "INIT_REPORT Init Duration:" in log2.getvalue()
    assert "Error Type: Runtime.ImportModuleError" in log2.getvalue()


def test_the_botocore_hook_is_removed_when_the_run_ends(tmp_path: Path) -> None:
    import botocore.session

    original = botocore.session.Session.__init__
    env, runtime, _ = _env(tmp_path, """
        import boto3
        def handler(event, context):
            boto3.client("sqs", region_name="us-east-1").send_message(QueueUrl="https://q/1/q", MessageBody="x")
        """, capture_aws=True)
    runtime.capture()  # what simulate does before the first in-process environment
    asked: list[str] = []
    env.on_call = lambda call: asked.append(call["operation"]) or {"raise": "NotSimulated", "message": "no"}
    try:
        result = env.invoke("{}")
    finally:
        runtime.close()
    assert asked == ["SendMessage"] and result.error_type == "ClientError"
    assert botocore.session.Session.__init__ is original


def test_the_layers_are_on_the_path_in_process(tmp_path: Path) -> None:
    """DG "Working with layers" ("Layer paths for each Lambda runtime"): site-packages before python/, the later
    layer's files first. This mode mounts nothing at /opt (docs/conformance.md)."""
    for name, text in {"first/python/shared_one.py": "WHO = 'first'\n",
                       "first/python/lib/python3.12/site-packages/deep_one.py": "WHO = 'deep'\n",
                       "second/python/shared_one.py": "WHO = 'second'\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(
        "import deep_one, shared_one\n\ndef handler(event, context):\n    return [shared_one.WHO, deep_one.WHO]\n",
        encoding="utf-8")
    log = io.StringIO()
    runtime = SharedRuntime(log)
    layers = (str(tmp_path / "first/python"), str(tmp_path / "second/python"))
    spec = FunctionSpec("fn", "app.handler", str(tmp_path / "code"), layers=layers, capture_aws=False)
    saved = list(sys.path)
    try:
        assert json.loads(InProcessEnvironment(spec, log, runtime).invoke("{}").response or "") == ["second", "deep"]
    finally:
        runtime.close()
        sys.path[:] = saved
        for name in ("deep_one", "shared_one"):
            sys.modules.pop(name, None)
