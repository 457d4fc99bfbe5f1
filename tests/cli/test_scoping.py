"""What a scan looks at and what it keeps quiet about: --exclude globs (and `exclude` in the configuration), inline
`# lambdoctor: ignore[ID]` comments in serverless.yml and Terraform (as in templates' Metadata and in handler
code), and a warning for a suppression that names no rule."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT

SHOP = ROOT / "examples" / "shop"


def _scan(cwd: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "scan", *args, "--format", "json", "--fail-on",
                          "never"], capture_output=True, text=True, timeout=120, cwd=cwd)
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, json.loads(out.stdout), out.stderr


def _files(doc: dict[str, Any]) -> list[str]:
    return sorted({f["file"] for f in doc["findings"]})


def test_exclude_globs_from_the_command_line_and_the_configuration(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    for folder in ("app", "tests/fixtures", ".aws-sam/build", "cdk.out"):
        (tmp_path / folder).mkdir(parents=True)
    shutil.copy(SHOP / "template.yaml", tmp_path / "app" / "template.yaml")
    shutil.copy(SHOP / "template.yaml", tmp_path / "tests" / "fixtures" / "broken-on-purpose.yaml")
    _, doc, _ = _scan(tmp_path, ".")
    assert _files(doc) == ["app/template.yaml", "tests/fixtures/broken-on-purpose.yaml"]
    _, doc, _ = _scan(tmp_path, ".", "--exclude", "tests/fixtures/")
    assert _files(doc) == ["app/template.yaml"]
    _, doc, _ = _scan(tmp_path / "app", "..", "--exclude", "broken-*.yaml")  # a name glob, from a subfolder
    assert _files(doc) == ["../app/template.yaml"]
    (tmp_path / ".lambdoctor.toml").write_text('exclude = ["tests/**"]\n', encoding="utf-8")
    _, doc, _ = _scan(tmp_path, ".")
    assert _files(doc) == ["app/template.yaml"]


SERVERLESS = """\
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  # lambdoctor: ignore[REL004, NOPE123]
  worker:
    handler: handler.main
    timeout: 60
    events:
      - sqs:
          arn: arn:aws:sqs:us-east-1:123456789012:jobs
  plain:
    handler: handler.main
    timeout: 60
    events:
      - sqs:
          arn: arn:aws:sqs:us-east-1:123456789012:jobs
"""


def test_serverless_comments_suppress_the_block_they_mark(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text("def main(event, context):\n    return None\n", encoding="utf-8")
    (tmp_path / "serverless.yml").write_text(SERVERLESS.replace("  # lambdoctor: ignore[REL004, NOPE123]\n", ""),
                                            encoding="utf-8")
    _, before, _ = _scan(tmp_path, ".")
    rel004 = sorted(f["resource"] for f in before["findings"] if f["rule"] == "REL004")
    assert rel004 == ["PlainLambdaFunction", "WorkerLambdaFunction"]  # both SQS consumers
    (tmp_path / "serverless.yml").write_text(SERVERLESS, encoding="utf-8")
    _, after, _ = _scan(tmp_path, ".")
    assert [f["resource"] for f in after["findings"] if f["rule"] == "REL004"] == ["PlainLambdaFunction"]
    assert after["summary"]["suppressed"] == before["summary"]["suppressed"] + 1
    assert any("serverless.yml:6: `lambdoctor: ignore[NOPE123]` matches no rule" in n for n in after["notes"]), \
        after["notes"]


TERRAFORM = """\
resource "aws_lambda_function" "quiet" { # lambdoctor: ignore[REL002]
  function_name = "quiet"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::123456789012:role/quiet"
  filename      = "quiet.zip"
}

resource "aws_lambda_function" "loud" {
  function_name = "loud"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::123456789012:role/loud"
  filename      = "loud.zip"
}
"""


def test_terraform_comments_suppress_the_block_they_mark(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM.replace(" # lambdoctor: ignore[REL002]", ""), encoding="utf-8")
    _, before, _ = _scan(tmp_path, ".")
    assert sorted(f["resource"] for f in before["findings"] if f["rule"] == "REL002") == [
        "aws_lambda_function.loud", "aws_lambda_function.quiet"]  # both keep Lambda's default 3 s timeout
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    _, after, _ = _scan(tmp_path, ".")
    assert [f["resource"] for f in after["findings"] if f["rule"] == "REL002"] == ["aws_lambda_function.loud"]
    assert after["summary"]["suppressed"] == before["summary"]["suppressed"] + 1
