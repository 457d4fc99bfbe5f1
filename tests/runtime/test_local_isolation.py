"""A handler run by `invoke`/`probe` gets Lambda's powers, not the developer's (docs/security.md, promise 2).

Each test runs the real command in its own process, with a handler that tries what a careless or hostile handler
would: use the developer's credentials and profile, read lambdoctor's environment through /proc, forge the
worker's answer (a pickle that would run code in lambdoctor, a JSON result with a made-up memory figure), leave a
`setsid` child behind a timeout, and use memory in a child process. The developer's side is a HOME with an AWS
configuration whose profile points at moto's server behind the recording proxy, and AWS keys in the environment:
if the handler reached "AWS", the proxy saw it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faultproxy
import pytest

from lambdoctor.runtime.environment import sandbox_prefix

SECRET = "AKIADEVELOPERSOWNKEY1"
MARKER = "lambdoctor-isolation-marker"

HANDLER = f'''
import json, os, socket, struct, subprocess, sys, time

def _environ(pid):
    try:
        with open(f"/proc/{{pid}}/environ", "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""

def handler(event, context):
    action = event.get("action")
    if action == "aws":
        import boto3
        identity = boto3.client("sts").get_caller_identity()
        sent = boto3.client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="x")
        creds = boto3.Session().get_credentials()
        try:
            boto3.client("lambda").list_functions()
            listed = "answered"
        except Exception as exc:
            listed = type(exc).__name__ + ": " + str(exc)
        return {{"account": identity["Account"], "message_id": bool(sent.get("MessageId")), "key": creds.access_key,
                "listed": listed, "home": os.environ.get("HOME"),
                "aws_vars": sorted(k for k in os.environ if k.startswith("AWS_") and "{SECRET}" in os.environ[k])}}
    if action == "whoami":
        import boto3
        return {{"account": boto3.client("sts").get_caller_identity()["Account"],
                "key": boto3.Session().get_credentials().access_key}}
    if action == "environ":
        found = [p for p in os.listdir("/proc") if p.isdigit() and "{SECRET}" in _environ(p)]
        return {{"parent": "{SECRET}" in _environ(os.getppid()), "found": found,
                "processes": len([p for p in os.listdir("/proc") if p.isdigit()])}}
    if action == "forge":
        fds = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{{fd}}").startswith("socket:"):
                    fds.append(int(fd))
            except OSError:
                pass
        block = bytearray(200 * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])
        payload = event["payload"].encode("latin-1")
        for fd in fds:
            os.write(fd, struct.pack(">I", len(payload)) + payload if event.get("framed") else payload)
        time.sleep(0.5)
        return "the real answer"
    if action == "setsid":
        for how in ("setsid", "double"):
            code = f"import time; time.sleep(30)  # {MARKER}"
            if how == "setsid":
                subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
            else:  # a grandchild whose parent exits at once: an orphan
                subprocess.Popen([sys.executable, "-c",
                                  f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {{code!r}}])"])
        time.sleep(30)
    if action == "child-memory":
        subprocess.run([sys.executable, "-c", "import time; b = bytearray(2400 * 1024 * 1024); "
                        "b[::4096] = b'x' * len(b[::4096]); time.sleep(3)"])
        return "child done"
    return "ok"
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
      # 6 s: time for a child to allocate past 1,769 MB under a loaded suite (test_a_childs_memory_counts...)
      Timeout: 6
      # one vCPU (runtime/cpu.py): the handler creates boto3 clients, seconds of CPU at 256 MB's share on this VM
      MemorySize: 1769
"""


@pytest.fixture(scope="module")
def recorder(aws_endpoint: str) -> Iterator[faultproxy.FaultProxy]:
    yield from faultproxy.start(aws_endpoint)


@pytest.fixture
def project(tmp_path: Path, recorder: faultproxy.FaultProxy) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        f"[default]\nregion = us-east-1\nendpoint_url = {recorder.endpoint}\n"
        f"[profile dev]\nregion = us-east-1\nendpoint_url = {recorder.endpoint}\n", encoding="utf-8")
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {SECRET}\naws_secret_access_key = developers-secret\n"
        f"[dev]\naws_access_key_id = {SECRET}\naws_secret_access_key = developers-secret\n", encoding="utf-8")
    recorder.seen.clear()
    return tmp_path


def run(project: Path, *args: str, event: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """`lambdoctor invoke` as a developer with keys in the environment, a default profile, an endpoint."""
    home = project / "home"
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "AWS_ACCESS_KEY_ID": SECRET,
           "AWS_SECRET_ACCESS_KEY": "developers-secret", "AWS_PROFILE": "default", "AWS_REGION": "us-east-1",
           "LAMBDOCTOR_TEST_SECRET": SECRET, "TMPDIR": str(project / "machine-tmp")}
    (project / "machine-tmp").mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(project), "worker", "--event", "-",
                           *args], input=json.dumps(event), capture_output=True, text=True, timeout=120, cwd=project,
                          env=env)


def test_the_handlers_aws_calls_are_answered_locally_with_dummy_credentials(
        project: Path, recorder: faultproxy.FaultProxy) -> None:
    out = run(project, event={"action": "aws"})
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["key"] == "ASIALAMBDOCTORLOCAL00" and answer["account"] == "123456789012"
    assert answer["message_id"] is True and answer["aws_vars"] == []
    assert answer["listed"].startswith("ClientError: An error occurred (NotAnsweredLocally)")
    assert "--aws-profile" in answer["listed"]
    assert answer["home"] != str(project / "home")
    assert recorder.seen == []  # nothing reached "AWS"
    assert "AWS calls answered locally, nothing sent to AWS: lambda.ListFunctions ×1, sqs.SendMessage ×1, " \
           "sts.GetCallerIdentity ×1" in out.stderr
    assert SECRET not in out.stdout + out.stderr


def test_aws_is_reached_only_with_a_profile_named_and_a_warning(project: Path,
                                                                 recorder: faultproxy.FaultProxy) -> None:
    out = run(project, "--aws-profile", "dev", event={"action": "whoami"})
    assert out.returncode == 0, out.stderr
    assert "warning: the handler's AWS calls go to AWS with profile dev" in out.stderr
    assert [(r.method, r.path) for r in recorder.seen] == [("POST", "/")]  # STS GetCallerIdentity, on "AWS"
    # the named profile's credentials, as asked (moto's account answers)
    assert json.loads(out.stdout) == {"account": "123456789012", "key": SECRET}


def test_lambdoctors_environment_cannot_be_read_through_proc(project: Path) -> None:
    out = run(project, event={"action": "environ"})
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    if sandbox_prefix():
        assert seen == {"parent": False, "found": [], "processes": 1}  # only itself in its PID namespace
    else:
        assert seen["parent"] is False  # started with a clean environment; the note says what is not hidden
        assert "no PID namespace here" in out.stderr


@pytest.mark.parametrize("framed", [False, True])
def test_a_pickle_written_to_the_channel_runs_nothing_in_lambdoctor(project: Path, tmp_path: Path,
                                                                   framed: bool) -> None:
    import pickle

    pwned = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> Any:
            return (os.system, (f"touch {pwned}",))

    payload = pickle.dumps(Exploit()).decode("latin-1")
    out = run(project, event={"action": "forge", "payload": payload, "framed": framed})
    assert not pwned.exists()
    answer = json.loads(out.stdout)
    assert answer["errorType"] == "Runtime.ExitError"
    assert out.returncode == 1


def test_a_forged_result_cannot_lower_the_memory_figure(project: Path) -> None:
    forged = json.dumps({"type": "result", "body": json.dumps("forged"), "hwm_kb": 1})
    out = run(project, event={"action": "forge", "payload": forged, "framed": True})
    assert out.returncode == 0, out.stderr
    # The forged message reads as the handler's answer (it is the handler speaking), but the memory is measured.
    assert json.loads(out.stdout) == "forged"
    report = next(line for line in out.stderr.splitlines() if line.startswith("REPORT"))
    used = int(report.split("Max Memory Used: ")[1].split(" ")[0])
    assert used >= 200


def _marked() -> list[str]:
    out = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if MARKER.encode() in fh.read():
                    out.append(pid)
        except OSError:
            pass
    return out


def test_a_timeout_kills_setsid_children_and_orphans(project: Path) -> None:
    out = run(project, event={"action": "setsid"})
    assert json.loads(out.stdout)["errorType"] == "Sandbox.Timedout"
    time.sleep(0.3)
    assert _marked() == []


def test_a_childs_memory_counts_against_the_function(project: Path) -> None:
    out = run(project, event={"action": "child-memory"})
    answer = json.loads(out.stdout)
    assert answer["errorType"] == "Runtime.OutOfMemory", out.stderr
    report = next(line for line in out.stderr.splitlines() if line.startswith("REPORT"))
    assert "Max Memory Used: 1769 MB" in report and "Status: error" in report


def test_invoke_leaves_no_folder_in_the_system_temp(project: Path) -> None:
    for event in ({"action": "ok"}, {"action": "setsid"}):
        run(project, event=event)
    assert list((project / "machine-tmp").iterdir()) == []
