"""The exit codes the README promises, over commands and failure kinds: 0 clean, 1 findings at or above
--fail-on, 2 a usage or configuration error or nothing readable, 3 an internal error (a bug of lambdoctor).
Each case is a real invocation of the command in its own process, as a CI step runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

SHOP = str(ROOT / "examples" / "shop")
CLEAN = str(ROOT / "examples" / "clean")
TIMEOUT_LOG = ("START RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47 Version: $LATEST\n"
               "2026-11-01T10:00:03.003Z 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47 Task timed out after 3.00 seconds\n"
               "END RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47\n"
               "REPORT RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47\tDuration: 3000.00 ms\tBilled Duration: "
               "3000 ms\tMemory Size: 128 MB\tMax Memory Used: 52 MB\n")
# no credentials anywhere (nor the machine's instance metadata); "{creds}" gives dummy ones, so that the call is
# made and meets an endpoint nobody listens on
NO_AWS = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"}
# (two attempts, not the ten lambdoctor makes by default: AWS_MAX_ATTEMPTS is how a user says so too)
DUMMY = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_MAX_ATTEMPTS": "2"}


def _files(folder: Path) -> None:
    (folder / "broken.tf").write_text('resource "aws_lambda_function" "x" {\n', encoding="utf-8")
    (folder / "fn.log").write_text(TIMEOUT_LOG, encoding="utf-8")
    (folder / "empty.log").write_text("nothing Lambda wrote\n", encoding="utf-8")
    (folder / "bad-ignore.toml").write_text('ignore = ["XYZ"]\n', encoding="utf-8")
    (folder / "bad-threshold.toml").write_text("[thresholds]\nnope = 3\n", encoding="utf-8")


CASES = [
    # (command, expected exit code, a text the output must hold)
    (["scan", CLEAN], 0, "0 findings"),
    (["scan", SHOP], 1, "error"),
    (["scan", SHOP, "--fail-on", "never"], 0, ""),
    (["scan", SHOP, "--select", "NOPE999"], 2, "NOPE999 matches no rule; IDs start with ACC, COST, DEP"),
    (["scan", SHOP, "--config", "{tmp}/bad-ignore.toml"], 2, "ignore: XYZ matches no rule"),
    (["scan", SHOP, "--config", "{tmp}/bad-threshold.toml"], 2, "unknown threshold 'nope' (known: "
                                                                  "api-timeout-warning-seconds"),
    (["scan", "{tmp}/broken.tf"], 2, "SYS000"),
    (["scan", "{tmp}/does-not-exist"], 2, ""),
    (["logs", "{tmp}/fn.log", "--fail-on", "error"], 1, "LOG003"),
    (["logs", "{tmp}/fn.log"], 0, "LOG003"),  # logs reports; it fails a step only when asked (--fail-on)
    (["logs", "{tmp}/empty.log"], 2, ""),
    (["cost", "--invocations", "1000000", "--duration-ms", "1000,400,200"], 2, "a comma only groups thousands"),
    (["cost", "--invocations", "1000000", "--duration-ms", "1,000,400"], 2, "at most 900,000 ms"),
    (["cost", "--invocations", "1000000", "--duration-ms", "120", "--memory", "64"], 2, "128–10,240 MB"),
    (["cost", "--invocations", "1,000,000", "--duration-ms", "120"], 0, "$0.45"),
    (["audit", "--region", "us-east-1"], 2, "could not list the functions of any Region: nothing was audited"),
    (["{creds}", "audit", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"], 2,
     "nothing was audited"),
    (["prune", "--region", "us-east-1"], 2, ""),
    (["{creds}", "prune", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"], 2, ""),
    (["rules", "NOPE999"], 2, ""),
]


@pytest.mark.parametrize(("args", "code", "text"), CASES, ids=[" ".join(c[0][:4]) for c in CASES])
def test_exit_codes(tmp_path: Path, args: list[str], code: int, text: str) -> None:
    _files(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | NO_AWS
    if args[0] == "{creds}":
        env, args = env | DUMMY, args[1:]
    cmd = [a.replace("{tmp}", str(tmp_path)) for a in args]
    out = subprocess.run([sys.executable, "-m", "lambdoctor", *cmd], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env=env, stdin=subprocess.DEVNULL)
    assert out.returncode == code, out.stdout + out.stderr
    assert text in out.stdout + out.stderr


def test_an_internal_error_has_its_own_code_and_says_how_to_report_it(tmp_path: Path) -> None:
    """A crash of lambdoctor itself is neither "findings" (1) nor "usage" (2): a CI step must not read a bug as a
    verdict. Forced here by a scan whose engine raises."""
    script = ("import sys, lambdoctor.engine as e\n"
              "def broken(*a, **k):\n    raise RuntimeError('boom')\n"
              "e.scan = broken\n"
              "from lambdoctor.cli import main\n"
              f"sys.argv = ['lambdoctor', 'scan', {SHOP!r}]\n"
              "main()\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 3, out.stderr
    assert "RuntimeError: boom" in out.stderr
    assert "internal error, a bug of lambdoctor and not of your input; please report it" in out.stderr
