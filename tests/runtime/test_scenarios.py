"""The examples/scenarios stories from the sources, each run through ``lambdoctor simulate`` as a user runs it.
(poison-sqs and poison-kinesis are in test_simulate.py, with their variants.)"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from conftest import ROOT

SCENARIOS = ROOT / "examples" / "scenarios"


def _simulate(scenario: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", str(scenario), "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _variant(tmp_path: Path, name: str, changes: dict[str, Any]) -> Path:
    doc = yaml.safe_load((SCENARIOS / name / "scenario.yaml").read_text(encoding="utf-8"))
    doc.update(changes)
    doc["function"]["path"] = str(SCENARIOS / name)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_a_function_that_triggers_itself_is_stopped_after_16_invocations() -> None:
    r = _simulate(SCENARIOS / "self-trigger" / "scenario.yaml")
    # the handler's boto3 send_message reached the simulator, not AWS: 16 sends, each one more invocation
    assert r["aws_calls"] == {"sqs.SendMessage": 16}
    assert (r["attempts"], r["max_chain"], r["recursion_stopped"]) == (16, 16, 1)
    # the 17th message is not delivered: it stays in the queue, is received again after each visibility timeout
    # (60 s) and reaches the dead-letter queue on the receive past maxReceiveCount (5), as its redrive policy says
    # (DG "Lambda recursive loop detection")
    assert r["dead_lettered"] == 1 and r["dlq"][0]["reason"] == "RecursiveInvocationException"
    assert r["dlq"][0]["receives"] == 5
    assert [e["outcome"] for e in r["timeline"]].count("stopped") == 5
    assert json.loads(r["dlq"][0]["body"]) == {"job": "report-42", "ready": False, "attempt": 16}


def test_a_stopped_message_without_a_redrive_policy_stays_in_the_queue_until_it_expires(tmp_path: Path) -> None:
    doc = yaml.safe_load((SCENARIOS / "self-trigger" / "scenario.yaml").read_text(encoding="utf-8"))
    # no redrive policy (null overrides the template's), a retention of 10 minutes: received every 60 s meanwhile
    trigger = {**doc["trigger"], "retention": 600, "max_receive_count": None}
    r = _simulate(_variant(tmp_path, "self-trigger", {"trigger": trigger}))
    assert (r["attempts"], r["recursion_stopped"], r["dead_lettered"], r["lost"]) == (16, 1, 0, 1)
    # received again after each 60 s visibility timeout until the 600 s retention ends: 10 receives, none delivered
    stopped = [e["t"] for e in r["timeline"] if e["outcome"] == "stopped"]
    assert len(stopped) == 10 and all(round(b - a) == 60 for a, b in itertools.pairwise(stopped))


def test_a_loop_the_function_allows_runs_until_the_simulation_ends(tmp_path: Path) -> None:
    # RecursiveLoop: Allow (PutFunctionRecursionConfig) turns detection off: nothing stops the chain
    template = (SCENARIOS / "self-trigger" / "template.yaml").read_text(encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "template.yaml").write_text(template.replace("      Timeout: 10\n",
                                                            "      Timeout: 10\n      RecursiveLoop: Allow\n"))
    (project / "src").symlink_to(SCENARIOS / "self-trigger" / "src")
    doc = yaml.safe_load((SCENARIOS / "self-trigger" / "scenario.yaml").read_text(encoding="utf-8"))
    doc["function"]["path"] = str(project)
    doc["until"] = 2  # virtual seconds: the loop would never end by itself
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    r = _simulate(path)
    assert r["recursion_stopped"] == 0 and r["dead_lettered"] == 0
    # every finished invocation sent one message (the last ones were still running at the end)
    assert r["attempts"] <= r["aws_calls"]["sqs.SendMessage"] <= r["attempts"] + 2
    # the chain runs past the 16 at which detection would stop it, until the simulation ends. How long it grows
    # depends on the handler's measured duration (this machine's speed and load), so only its reach is asserted.
    assert r["max_chain"] >= r["attempts"] > 16 and r["timeline"][-1]["t"] >= 0.9 * doc["until"]


def test_a_synchronous_chain_cascades_timeouts() -> None:
    r = _simulate(SCENARIOS / "sync-chain" / "scenario.yaml")
    front, pricing = r["functions"]["Frontend"], r["functions"]["Pricing"]
    # requests arriving at t = 20..49 s meet the slow database: 30 clients get a 504 at 29 s
    assert r["responses"] == {"200": 30, "504": 30}
    # Frontend times out at 30 s while waiting (its environment is reset: a cold start each time)...
    assert (front["attempts"], front["succeeded"], front["timeouts"]) == (60, 30, 30)
    # ...and Pricing finishes every one of its 60 calls, 30 of them for a caller that is gone
    assert (pricing["attempts"], pricing["succeeded"], pricing["timeouts"]) == (60, 60, 0)
    assert r["aws_calls"] == {"lambda.Invoke": 60}
    # 30 s of Frontend and 40 s of Pricing billed for each of the 30 failed requests
    assert 30 * 30_000 <= front["billed_ms"] < 30 * 30_000 + 30 * 5_000
    assert 30 * 40_000 <= pricing["billed_ms"] < 30 * 40_000 + 60 * 5_000
    assert max(n for _, n in r["concurrency"]) >= 55  # ~30 Frontends and ~30 Pricings waiting at once


def test_unbounded_concurrency_exhausts_a_100_connection_database(tmp_path: Path) -> None:
    r = _simulate(SCENARIOS / "db-connections" / "scenario.yaml")
    # 300 requests/s x 0.5 s needs 150 environments; the 101st and later cannot connect
    assert r["downstream"] == {"connection_limit": 100, "peak_connections": 100, "refused": 900}
    assert r["responses"] == {"201": 2000, "502": 900, "500": 100}
    # with reserved concurrency at the database's limit the excess is throttled instead (Lambda's 429, which API
    # Gateway turns into a 500: DG "Using Lambda with API Gateway", "Handling errors")
    fixed = _simulate(_variant(tmp_path, "db-connections", {"concurrency": {"reserved": 100}}))
    assert fixed["downstream"] == {"connection_limit": 100, "peak_connections": 100, "refused": 0}
    assert fixed["responses"] == {"201": 2000, "500": 1000}
    assert fixed["functions"]["Orders"]["peak_concurrency"] == 100


def test_the_terminal_report_tells_the_story_the_json_holds() -> None:
    """The sync-chain story in the terminal: the 504s, each function's timeouts and billing, the chain; and a
    dead-letter list longer than the few shown says how many more there are."""
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", str(SCENARIOS / "sync-chain" /
                                                                             "scenario.yaml")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "client responses       200 x30, 504 x30" in lines
    [front] = [line.split() for line in lines if line.strip().startswith("Frontend")]
    [pricing] = [line.split() for line in lines if line.strip().startswith("Pricing")]
    assert front[1:5] == ["60", "30", "30", "0"] and pricing[1:5] == ["60", "60", "0", "0"]  # attempts, ok, ...
    assert float(front[7].replace(",", "")) >= 900 and float(pricing[7].replace(",", "")) >= 1200  # billed s
    assert "longest chain                 2  invocations caused by one event" in lines
    poison = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", str(SCENARIOS / "poison-sqs" /
                                                                                "scenario.yaml")],
                            capture_output=True, text=True, timeout=300)
    dead = [line for line in poison.stdout.splitlines() if line.startswith("dead-lettered: ")]
    more = [line for line in poison.stdout.splitlines() if line.startswith("... and ")]
    # the scenario dead-letters 10 records: five are shown, the other five counted, not silently dropped
    assert len(dead) == 5 and more == ["... and 5 more dead-lettered records (--format json lists them all)"]


def test_simulate_takes_the_event_source_settings_from_the_template(tmp_path: Path) -> None:
    """A scenario gives traffic and faults; the mapping's batch size and response types and the queue's
    visibility timeout and redrive policy come from the template, and a scenario field overrides only itself."""
    folder = tmp_path / "app"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text("def handler(event, context):\n    return None\n", encoding="utf-8")
    (folder / "template.yaml").write_text("""\
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        Jobs:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 4, FunctionResponseTypes: [ReportBatchItemFailures]}
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 45
      RedrivePolicy: {deadLetterTargetArn: !GetAtt JobsDlq.Arn, maxReceiveCount: 2}
  JobsDlq:
    Type: AWS::SQS::Queue
""", encoding="utf-8")
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump({"function": {"path": ".", "name": "Worker"}, "trigger": {"type": "sqs"},
                                        "traffic": {"count": 8, "rate": 0}, "faults": {"fail_records": [2]}}),
                        encoding="utf-8")
    r = _simulate(scenario)
    # batches of 4 (the template's BatchSize); record 2 reported failed (ReportBatchItemFailures), back after the
    # 45 s visibility timeout, dead-lettered on the receive past maxReceiveCount 2
    assert sorted(e["records"] for e in r["timeline"][:2]) == [[1, 2, 3, 4], [5, 6, 7, 8]]  # two pollers at once
    assert [(e["records"], round(e["t"])) for e in r["timeline"][2:]] == [([2], 45)]
    assert (r["dead_lettered"], r["dlq"][0]["receives"]) == (1, 2)
    assert r["notes"] == ["trigger settings from the template: batch_size=4, max_receive_count=2, queue=Jobs, "
                          "report_batch_item_failures=True, retention=345600.0, visibility_timeout=45.0"]
    scenario.write_text(yaml.safe_dump({"function": {"path": ".", "name": "Worker"},
                                        "trigger": {"type": "sqs", "batch_size": 8},
                                        "traffic": {"count": 8, "rate": 0}}), encoding="utf-8")
    assert [e["records"] for e in _simulate(scenario)["timeline"]] == [[1, 2, 3, 4, 5, 6, 7, 8]]


def test_the_template_gives_fifo_maximum_concurrency_windows_parallelization_retention_and_on_success(
        tmp_path: Path) -> None:
    """Every event source setting simulate models is read from the template (SAM events, a Kinesis stream's
    RetentionPeriodHours, the function's EventInvokeConfig), as a scenario field it can override."""
    from lambdoctor.engine import template_trigger

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return None\n", encoding="utf-8")
    (tmp_path / "template.yaml").write_text("""\
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess: {Type: SQS, Destination: !GetAtt Done.Arn}
      Events:
        Jobs:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn, ScalingConfig: {MaximumConcurrency: 5},
                       MaximumBatchingWindowInSeconds: 2}
        Clicks:
          Type: Kinesis
          Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST, ParallelizationFactor: 4,
                       MaximumBatchingWindowInSeconds: 10}
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true}
  Done:
    Type: AWS::SQS::Queue
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1, RetentionPeriodHours: 168}
""", encoding="utf-8")
    sqs, _ = template_trigger(str(tmp_path), "Worker", "sqs", {})
    assert (sqs["fifo"], sqs["maximum_concurrency"], sqs["batching_window"]) == (True, 5, 2.0)
    kinesis, _ = template_trigger(str(tmp_path), "Worker", "kinesis", {})
    assert (kinesis["parallelization_factor"], kinesis["batching_window"], kinesis["stream_retention"]) == (
        4, 10.0, 168 * 3600.0)
    asynchronous, _ = template_trigger(str(tmp_path), "Worker", "async", {})
    assert asynchronous == {"on_success": True, "maximum_event_age": 21600.0, "maximum_retry_attempts": 2}


def test_template_settings_simulate_does_not_model_are_said(tmp_path: Path) -> None:
    """From SAM's own translator input (aws/serverless-application-model tests/translator/input/
    function_with_event_source_mapping.yaml, trimmed): a DynamoDB trigger with a tumbling window and a parameter for
    its batching window, and filter criteria on a second function's Kinesis triggers."""
    from lambdoctor.engine import template_trigger

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return None\n", encoding="utf-8")
    (tmp_path / "template.yaml").write_text("""\
Transform: AWS::Serverless-2016-10-31
Parameters:
  MyBatchingWindowParam: {Type: Number, Default: 45}
Resources:
  Batching:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        DynamoDBStreamEvent:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt DynamoDBTable.StreamArn
            BatchSize: 100
            MaximumBatchingWindowInSeconds: !Ref MyBatchingWindowParam
            ParallelizationFactor: 8
            StartingPosition: TRIM_HORIZON
            TumblingWindowInSeconds: 60
  Filtered:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        One:
          Type: Kinesis
          Properties:
            Stream: !GetAtt KinesisStream.Arn
            StartingPosition: LATEST
            FilterCriteria: {Filters: [{Pattern: '{"data": {"kind": ["click"]}}'}]}
        Two:
          Type: Kinesis
          Properties: {Stream: !GetAtt KinesisStream.Arn, StartingPosition: LATEST}
  KinesisStream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  DynamoDBTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
      StreamSpecification: {StreamViewType: NEW_IMAGE}
""", encoding="utf-8")
    settings, notes = template_trigger(str(tmp_path), "Batching", "dynamodb", {})
    assert (settings["batching_window"], settings["parallelization_factor"], settings["batch_size"]) == (45.0, 8, 100)
    assert notes[1:] == ["the template's TumblingWindowInSeconds is not simulated: the handler gets no window state"]
    _, notes = template_trigger(str(tmp_path), "Filtered", "kinesis", {})
    assert notes == [
        "trigger settings from the template: batch_size=100, maximum_record_age=-1.0, maximum_retry_attempts=-1",
        "the template's FilterCriteria is not simulated: every record reaches the handler",
        "the template's 2 kinesis triggers: the first (Filtered.One) is simulated"]
