"""One rule pipeline (issue 22): every rule family runs through `engine.run_checks`, so the account and log
rules get what the template rules get: SYS001 isolation, the configuration file, severity overrides, SARIF.

Each test is one of the defects that three runners caused, as a user met it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import ROOT, run_scan

from lambdoctor.cli import main
from lambdoctor.rules.account import ACC_RULES
from lambdoctor.rules.logs import LOG_RULES

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def report(request: str, used: int, size: int = 512, duration: str = "702.16") -> str:
    # The REPORT line of the Lambda developer guide ("Using CloudWatch Logs with Lambda", python-logging.html),
    # with its numbers varied.
    return (f"REPORT RequestId: {request}\tDuration: {duration} ms\tBilled Duration: 800 ms\tMemory Size: {size} MB"
            f"\tMax Memory Used: {used} MB\n")


def invoke(*args: str, cwd: Path | None = None) -> tuple[int, dict[str, Any]]:
    if cwd is None:
        result = CliRunner().invoke(main, list(args))
    else:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(cwd)
            result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.stdout, (result.exit_code, result.stderr)
    return result.exit_code, json.loads(result.stdout)


def test_audit_sarif_names_the_account_rules_and_validates(tmp_path: Path) -> None:
    # Before: KeyError: 'ACC004' (the SARIF reporter knew only the template rules) and exit 1.
    snapshot = tmp_path / "account.json"
    acc004 = next(r for r in ACC_RULES if r.id == "ACC004")
    snapshot.write_text(acc004.example("Example"), encoding="utf-8")
    code, doc = invoke("audit", "--snapshot", str(snapshot), "--format", "sarif", "--fail-on", "never")
    assert code == 0
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {"ACC004", "LOG001", "REL001", "SYS000", "SYS001"} <= {r["id"] for r in rules}
    [result] = [r for r in run["results"] if r["ruleId"] == "ACC004"]
    assert rules[result["ruleIndex"]]["id"] == "ACC004" and result["level"] == "note"


def test_a_log_rule_that_raises_is_sys001_and_the_others_still_report(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: a traceback ended `lambdoctor logs`.
    log002 = next(r for r in LOG_RULES if r.id == "LOG002")

    def broken(self: object, stats: object, ctx: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(log002, "check", broken)
    # ten invocations: LOG001's minimum sample
    (tmp_path / "orders.log").write_text("".join(report(f"3604209a-e9a3-11e6-939a-754dd98c7b{i:02x}", 15)
                                                 for i in range(10)), encoding="utf-8")
    code, doc = invoke("logs", str(tmp_path / "orders.log"), "--format", "json")
    assert code == 0
    assert [(f["rule"], f["severity"], f["file"], f["message"]) for f in doc["findings"]] == [
        ("LOG001", "info", str(tmp_path / "orders.log"), doc["findings"][0]["message"]),
        ("SYS001", "error", str(tmp_path / "orders.log"), "rule LOG002 crashed: ZeroDivisionError: division by zero"),
    ]


def test_logs_follows_the_configuration_file(tmp_path: Path) -> None:
    # Before: `lambdoctor logs` ignored [tool.lambdoctor] entirely.
    log = tmp_path / "orders.log"
    log.write_text("".join(report(f"3604209a-e9a3-11e6-939a-{i:012d}", 300 + i) for i in range(10)),
                   encoding="utf-8")  # peak 309 MB of 512 MB: 60 %, no LOG001 at the default share of 50 %
    code, doc = invoke("logs", str(log), "--format", "json")
    assert (code, doc["findings"]) == (0, [])
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lambdoctor]\nseverity = {LOG001 = "error"}\nthresholds = {memory_used_share = 0.7}\n',
        encoding="utf-8")
    code, doc = invoke("logs", "orders.log", "--format", "json", "--fail-on", "error", cwd=tmp_path)
    assert code == 1
    assert [(f["rule"], f["severity"]) for f in doc["findings"]] == [("LOG001", "error")]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lambdoctor]\nignore = ["LOG"]\nthresholds = {memory_used_share = 0.7}\n', encoding="utf-8")
    code, doc = invoke("logs", "orders.log", "--format", "json", "--fail-on", "info", cwd=tmp_path)
    assert (code, doc["findings"]) == (0, [])
    (tmp_path / "other.toml").write_text("thresholds = {memory_used_share = 0.7}\n", encoding="utf-8")
    code, doc = invoke("logs", str(log), "--config", str(tmp_path / "other.toml"), "--format", "json")
    assert [f["rule"] for f in doc["findings"]] == ["LOG001"]
    (tmp_path / "bad.toml").write_text("thresholds = {memory_share = 0.7}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["logs", str(log), "--config", str(tmp_path / "bad.toml")])
    assert result.exit_code == 2 and "unknown threshold 'memory_share'" in result.stderr


def test_log002_at_90_percent_is_the_error_the_catalog_says(tmp_path: Path) -> None:
    # footguns.md: LOG002 "memory used reaches ≥ 90 % of the size, or out-of-memory errors occur" — error.
    log = tmp_path / "orders.log"
    log.write_text(report("3604209a-e9a3-11e6-939a-754dd98c7be3", 470), encoding="utf-8")  # 92 % of 512 MB
    code, doc = invoke("logs", str(log), "--format", "json", "--fail-on", "error")
    assert code == 1 and [(f["rule"], f["severity"]) for f in doc["findings"]] == [("LOG002", "error")]
    assert doc["findings"][0]["message"].startswith("peak memory use 470 MB is 91.8 % of the 512 MB size")


REL009_APP = """Transform: AWS::Serverless-2016-10-31
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties: {Engine: postgres, DBInstanceClass: db.t4g.micro, AllocatedStorage: "20"}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): pass"
      Timeout: 10
      Environment:
        Variables:
          DB_HOST: !GetAtt Db.Endpoint.Address
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            ScalingConfig: {MaximumConcurrency: 5}
"""


def test_rel009_a_capped_sqs_trigger_does_not_cap_an_http_api(tmp_path: Path) -> None:
    only_sqs = tmp_path / "only-sqs" / "template.yaml"
    only_sqs.parent.mkdir()
    only_sqs.write_text(REL009_APP, encoding="utf-8")
    with_api = tmp_path / "with-api" / "template.yaml"
    with_api.parent.mkdir()
    with_api.write_text(REL009_APP + "        Web:\n          Type: HttpApi\n"
                        "          Properties: {Path: /orders, Method: get}\n", encoding="utf-8")
    assert [f for f in run_scan([only_sqs]).findings if f.rule == "REL009"] == []
    [hit] = [f for f in run_scan([with_api]).findings if f.rule == "REL009"]
    assert (hit.resource, hit.line, hit.severity.label) == ("Worker", 10, "warning")
    assert hit.message.startswith("connects to Db but has no reserved concurrency")
