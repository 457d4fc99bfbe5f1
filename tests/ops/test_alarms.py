"""lambdoctor alarms: the generated alarms lint clean (cfn-lint) and leave no alarm gap for lambdoctor scan."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from cfnlint.api import lint_file
from click.testing import CliRunner
from conftest import ROOT

from lambdoctor.cli import main
from lambdoctor.loaders.decode import decode_text

SHOP = ROOT / "examples" / "shop"
# The OBS rules an alarm can satisfy. OBS006 (tracing) and OBS007 (log retention) are settings of the function and
# its log group, and OBS009 is about an alarm the user wrote without an action: no generated alarm changes those.
ALARM_GAPS = {"OBS001", "OBS002", "OBS003", "OBS004", "OBS005", "OBS008"}


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def _scan(path: Path) -> list[dict[str, Any]]:
    out = _run("scan", str(path), "--format", "json", "--fail-on", "never")
    assert out.exit_code == 0, out.output
    findings: list[dict[str, Any]] = json.loads(out.stdout)["findings"]
    return findings


def _lint(path: Path) -> list[tuple[str, int]]:
    return [(m.rule.id, m.linenumber) for m in lint_file(path)]


def test_standalone_stack_for_a_template_lints_clean_and_scans_clean(tmp_path: Path) -> None:
    stack = tmp_path / "alarms.yaml"
    out = _run("alarms", str(SHOP), "-o", str(stack))
    assert out.exit_code == 0, out.output
    assert out.stderr.strip() == "lambdoctor: 24 alarms and 5 metric filters for 5 functions"
    doc = yaml.safe_load(stack.read_text(encoding="utf-8"))
    kinds = Counter(lid.removeprefix(fn) for lid in doc["Resources"] for fn in
                    ("OrdersApi", "FulfilmentWorker", "Thumbnailer", "ClickConsumer", "NightlyReport")
                    if lid.startswith(fn))
    assert kinds == {"ErrorRate": 5, "Throttles": 5, "DurationNearTimeout": 5, "ErrorRecords": 5,
                     "ErrorRecordsFilter": 5, "NoInvocations": 3, "IteratorAge": 1}
    # one parameter per function whose name CloudFormation generates, and the topic: the log group is derived
    # from the name (/aws/lambda/<name>, DG "Sending Lambda function logs to CloudWatch Logs")
    assert sorted(doc["Parameters"]) == ["AlarmTopicArn", *(f"{fn}FunctionName" for fn in (
        "ClickConsumer", "FulfilmentWorker", "NightlyReport", "OrdersApi", "Thumbnailer"))]
    assert "describe-stack-resources" in doc["Parameters"]["OrdersApiFunctionName"]["Description"]
    assert doc["Resources"]["OrdersApiErrorRecordsFilter"]["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/${OrdersApiFunctionName}"}
    duration = doc["Resources"]["OrdersApiDurationNearTimeout"]["Properties"]
    assert (duration["ExtendedStatistic"], duration["Threshold"]) == ("p99", 24000)  # 80 % of Timeout: 30
    rate = doc["Resources"]["ClickConsumerErrorRate"]["Properties"]
    assert (rate["Threshold"], rate["EvaluationPeriods"]) == (1, 1)  # a Kinesis consumer blocks: stricter
    assert (doc["Resources"]["OrdersApiErrorRate"]["Properties"]["Threshold"]) == 5
    assert _lint(stack) == []
    assert _scan(stack) == []


def test_snippet_merged_into_the_template_closes_every_alarm_gap(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.yaml"
    assert _run("alarms", str(SHOP), "--format", "cloudformation-snippet", "-o", str(snippet)).exit_code == 0
    merged_dir = tmp_path / "shop"
    shutil.copytree(SHOP, merged_dir)
    template = decode_text((SHOP / "template.yaml").read_text(encoding="utf-8"))
    extra = yaml.safe_load(snippet.read_text(encoding="utf-8"))
    template.setdefault("Parameters", {}).update(extra["Parameters"])
    template["Resources"].update(extra["Resources"])
    (merged_dir / "template.yaml").unlink()
    merged = merged_dir / "template.json"
    merged.write_text(json.dumps(template, indent=1), encoding="utf-8")

    before = Counter(f["rule"] for f in _scan(SHOP) if f["rule"] in ALARM_GAPS)
    assert before == {"OBS002": 5, "OBS003": 5, "OBS001": 4, "OBS008": 3, "OBS004": 1}
    after = _scan(merged_dir)
    assert [f for f in after if f["rule"] in ALARM_GAPS] == []
    # the one OBS009 left is the example's own alarm without an action, as before the merge
    assert [f["resource"] for f in after if f["rule"] == "OBS009"] == ["NightlyReportErrors"]
    # cfn-lint: nothing beyond what it says about the example itself (a deprecated runtime)
    assert {rule for rule, _ in _lint(merged)} == {rule for rule, _ in _lint(SHOP / "template.yaml")} == {"W2531"}


ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
SNAPSHOT = {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{
    "region": "us-east-1",
    "functions": [
        {"Configuration": {"FunctionName": "worker", "FunctionArn": f"{ARN}worker", "Timeout": 60,
                           "DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:123456789012:worker-dlq"}},
         "ReservedConcurrency": 50},
        {"Configuration": {"FunctionName": "ingest", "FunctionArn": f"{ARN}ingest", "Timeout": 3}}],
    "event_source_mappings": [
        {"UUID": "1", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:worker",
         "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs", "BatchSize": 10},
        {"UUID": "2", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:ingest",
         "EventSourceArn": "arn:aws:kinesis:us-east-1:123456789012:stream/clicks", "MaximumRetryAttempts": 2,
         "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:ingest-failed"}}}],
    "queues": {"arn:aws:sqs:us-east-1:123456789012:jobs": {
        "VisibilityTimeout": "360", "RedrivePolicy": json.dumps({
            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:jobs-dlq", "maxReceiveCount": 5})}},
    "log_groups": [{"logGroupName": "/aws/lambda/worker", "retentionInDays": 30}]}]}


def test_from_audit_every_kind_of_alarm_and_json(tmp_path: Path) -> None:
    snap = tmp_path / "account.json"
    snap.write_text(json.dumps(SNAPSHOT), encoding="utf-8")
    stack = tmp_path / "alarms.yaml"
    out = _run("alarms", "--from-audit", str(snap), "-o", str(stack))
    assert out.exit_code == 0, out.output
    doc = yaml.safe_load(stack.read_text(encoding="utf-8"))
    assert sorted(doc["Resources"]) == sorted([
        "IngestErrorRate", "IngestThrottles", "IngestDurationNearTimeout", "IngestIteratorAge",
        "IngestDestinationDeliveryFailures", "IngestDeadLetterDepth", "IngestNoInvocations", "IngestErrorRecords",
        "IngestErrorRecordsFilter",
        "WorkerErrorRate", "WorkerThrottles", "WorkerDurationNearTimeout", "WorkerDeadLetterErrors",
        "WorkerDeadLetterDepth", "WorkerDeadLetterDepth2", "WorkerConcurrencyNearReserved", "WorkerNoInvocations",
        "WorkerErrorRecords", "WorkerErrorRecordsFilter"])
    assert list(doc["Parameters"]) == ["AlarmTopicArn"]  # every name is known in an account
    r = doc["Resources"]
    assert r["WorkerDeadLetterDepth"]["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": "worker-dlq"}]
    assert r["WorkerDeadLetterDepth2"]["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": "jobs-dlq"}]
    assert r["IngestDeadLetterDepth"]["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": "ingest-failed"}]
    assert r["WorkerConcurrencyNearReserved"]["Properties"]["Threshold"] == 40
    assert r["IngestDurationNearTimeout"]["Properties"]["Threshold"] == 2400
    assert r["WorkerErrorRecordsFilter"]["Properties"]["LogGroupName"] == "/aws/lambda/worker"
    assert r["WorkerThrottles"]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]
    assert _lint(stack) == []
    assert _scan(stack) == []

    out = _run("alarms", "--from-audit", str(snap), "--format", "json")
    plan = json.loads(out.stdout)
    assert plan["placeholders"] == ["AlarmTopicArn"] and plan["notes"] == []
    throttles = next(a for a in plan["alarms"] if a["AlarmName"] == "IngestThrottles")
    assert throttles == {
        "AlarmName": "IngestThrottles", "function": "ingest", "Namespace": "AWS/Lambda", "MetricName": "Throttles",
        "Dimensions": [{"Name": "FunctionName", "Value": "ingest"}], "Period": 300, "Statistic": "Sum",
        "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "EvaluationPeriods": 1,
        "TreatMissingData": "notBreaching",
        "AlarmDescription": "ingest: throttled invocations (generated by lambdoctor alarms)",
        "AlarmActions": ["${AlarmTopicArn}"]}
    assert _run("alarms", "--from-audit", str(snap), "--format", "cloudformation-snippet").exit_code == 2


TF = '''
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}
resource "aws_lambda_function" "ingest" {
  function_name = "ingest"
  role          = aws_iam_role.r.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
  timeout       = 30
}
resource "aws_sqs_queue" "failed" {
  name = "ingest-failed"
}
resource "aws_lambda_event_source_mapping" "clicks" {
  function_name     = aws_lambda_function.ingest.arn
  event_source_arn  = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
  starting_position = "LATEST"
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failed.arn
    }
  }
}
'''


def test_terraform_alarms_close_the_gaps_of_a_terraform_module(tmp_path: Path) -> None:
    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_text(TF, encoding="utf-8")
    before = Counter(f["rule"] for f in _scan(module) if f["rule"] in ALARM_GAPS)
    # Not one alarm: OBS001 says so once for the function, OBS002/OBS003 stay silent (issue 23's noise rule)
    assert before == {"OBS001": 1, "OBS004": 1, "OBS005": 1, "OBS008": 1}
    out = _run("alarms", str(module), "--format", "terraform", "-o", str(module / "alarms.tf"))
    assert out.exit_code == 0, out.output
    after = _scan(module)
    assert [f for f in after if f["rule"] in ALARM_GAPS or f["rule"].startswith("SYS")] == []
    text = (module / "alarms.tf").read_text(encoding="utf-8")
    assert text.count('resource "aws_cloudwatch_metric_alarm"') == 8
    assert 'resource "aws_cloudwatch_log_metric_filter" "ingest_error_records_filter"' in text


def test_no_function_and_both_inputs_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n", encoding="utf-8")
    out = _run("alarms", str(tmp_path))
    assert out.exit_code == 2 and "no function found: nothing to alarm on" in out.output
    assert _run("alarms").exit_code == 2
