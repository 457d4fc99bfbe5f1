"""Conformance: one test per documented behaviour that the other runtime tests do not already pin down (the full
list, with the test for each, is docs/conformance.md). Each drives real handlers through ``simulate``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest

from lambdoctor.engine import local_function
from lambdoctor.runtime.simulate import load_scenario, simulate

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: src/, Runtime: python3.12, Timeout: 900}
Resources:
  Partial:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.partial}
  Caller:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.caller
      Environment: {Variables: {TARGET: !Ref Callee}}
  Callee:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.callee}
  Echo:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.echo, Timeout: 10}
  Shapes:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.shapes}
  Subscriber:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.subscriber}
  Decoder:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.decoder}
  Checkpointed:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.checkpointed}
"""

APP = '''\
import base64, json, os
import boto3

LAMBDA = boto3.client("lambda")


def partial(event, context):
    # names every message as failed: only honoured when the mapping has ReportBatchItemFailures
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}


def caller(event, context):
    kind = event.get("kind", "RequestResponse")
    try:
        answer = LAMBDA.invoke(FunctionName=os.environ["TARGET"], InvocationType=kind, Payload=json.dumps(event))
    except Exception as exc:
        return {"error": type(exc).__name__}
    return {"status": answer["StatusCode"]}


def callee(event, context):
    return {"ok": True}


def echo(event, context):
    return event


# One partial batch response per documented shape (the message body names it; batch_size 1).
SHAPES = {
    "none": None, "empty": {}, "empty-list": {"batchItemFailures": []}, "null-list": {"batchItemFailures": None},
    "empty-id": {"batchItemFailures": [{"itemIdentifier": ""}]},
    "null-id": {"batchItemFailures": [{"itemIdentifier": None}]},
    "bad-key": {"batchItemFailures": [{"itemId": "{id}"}]},
    "unknown-id": {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]},
    "not-an-object": "ok", "own-id": {"batchItemFailures": [{"itemIdentifier": "{id}"}]},
}


def subscriber(event, context):
    # fails unless the event is the SNS notification record (DG "Invoking Lambda functions with Amazon SNS")
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns" and record["Sns"]["Type"] == "Notification"
    assert record["Sns"]["TopicArn"].endswith(":alerts")
    return json.loads(record["Sns"]["Message"])


def decoder(event, context):
    # DG "Using Lambda with Kinesis", sample event: `data` is base64 of the record's bytes
    return [json.loads(base64.b64decode(r["kinesis"]["data"]))["order"] for r in event["Records"]]


SEEN = set()


def checkpointed(event, context):
    # record 3 fails the first time it is seen, and is reported by its sequence number
    failures = []
    for r in event["Records"]:
        n = json.loads(base64.b64decode(r["kinesis"]["data"]))["record"]
        if n == 3 and n not in SEEN:
            SEEN.add(n)
            failures.append({"itemIdentifier": r["kinesis"]["sequenceNumber"]})
    return {"batchItemFailures": failures}


def shapes(event, context):
    record = event["Records"][0]
    answer = json.dumps(SHAPES[json.loads(record["body"])["shape"]]).replace("{id}", record["messageId"])
    return json.loads(answer)
'''


@pytest.fixture(scope="module")
def project() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="lambdoctor-conformance-"))
    (folder / "src").mkdir()
    (folder / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (folder / "src" / "app.py").write_text(APP, encoding="utf-8")
    return folder


def _sdk_attempts() -> int:
    """Attempts botocore makes for a retryable error in its default retry mode (standard: 3; legacy: 5)."""
    import botocore.session

    mode = botocore.session.Session().get_config_variable("retry_mode")
    return 3 if mode == "standard" else 5


def _run(project: Path, doc: dict[str, Any]) -> dict[str, Any]:
    spec, _ = local_function(str(project), doc["function"], {}, {})
    others = tuple(local_function(str(project), name, {}, {})[0] for name in doc.get("functions", []))
    with tempfile.TemporaryFile("w+") as log:
        return simulate(spec, load_scenario(doc), log, others).as_dict()


def test_sqs_ignores_batch_item_failures_without_the_setting(project: Path) -> None:
    """DG "Handling errors for an SQS event source": without ReportBatchItemFailures in FunctionResponseTypes,
    Lambda treats a successful response as the whole batch succeeding."""
    doc = {"function": "Partial", "trigger": {"type": "sqs", "batch_size": 5, "max_receive_count": 2},
           "traffic": {"count": 5, "rate": 0}}
    r = _run(project, doc)
    assert (r["attempts"], r["succeeded"], r["dead_lettered"]) == (1, 5, 0)
    doc["trigger"]["report_batch_item_failures"] = True  # honoured: every message returns, then the DLQ
    r = _run(project, doc)
    assert (r["attempts"], r["succeeded"], r["dead_lettered"]) == (2, 0, 5)


def test_a_throttled_synchronous_invoke_is_a_429_the_sdk_retries(project: Path) -> None:
    """API Invoke: TooManyRequestsException (429) when the function's concurrency is used up; botocore retries it
    (3 attempts in all in its standard mode, the default of current versions) before raising it to the handler."""
    r = _run(project, {"function": "Caller", "functions": ["Callee"], "trigger": {"type": "async"},
                       "traffic": {"count": 1}, "concurrency": {"reserved": None}})
    assert r["functions"]["Callee"]["attempts"] == 1 and r["aws_calls"] == {"lambda.Invoke": 1}
    # the callee with no concurrency at all: every attempt of the SDK is throttled
    spec, _ = local_function(str(project), "Caller", {}, {})
    import dataclasses

    callee = dataclasses.replace(local_function(str(project), "Callee", {}, {})[0], reserved_concurrency=0)
    with tempfile.TemporaryFile("w+") as log:
        out = simulate(spec, load_scenario({"trigger": {"type": "async"}, "traffic": {"count": 1}}), log,
                       (callee,)).as_dict()
    assert out["aws_calls"] == {"lambda.Invoke": _sdk_attempts()}
    assert out["functions"]["Callee"]["throttled"] == _sdk_attempts() and out["functions"]["Callee"]["attempts"] == 0
    assert out["functions"]["Caller"]["succeeded"] == 1  # the handler caught TooManyRequestsException


def test_an_sdk_read_timeout_invokes_the_callee_again(project: Path) -> None:
    """botocore's read timeout is 60 s and a ReadTimeoutError is retried: a callee slower than that is invoked
    again by the same request (3 times in all in the standard retry mode), while every earlier one runs on."""
    r = _run(project, {"function": "Caller", "functions": ["Callee"], "trigger": {"type": "async"},
                       "traffic": {"count": 1}, "faults": {"slow": {"function": "Callee", "from": 0, "to": 3600,
                                                                      "extra_ms": 70000}}})
    n = _sdk_attempts()
    assert r["aws_calls"] == {"lambda.Invoke": n}
    assert r["functions"]["Callee"]["attempts"] == n and r["functions"]["Callee"]["succeeded"] == n
    assert r["functions"]["Caller"]["succeeded"] == 1  # it caught ReadTimeoutError after n x 60 s
    assert r["functions"]["Callee"]["peak_concurrency"] == 2  # each retry starts while the last one runs on


def test_an_asynchronous_invoke_of_another_function_is_queued_with_the_defaults(project: Path) -> None:
    """InvocationType Event: 202 at once; the event is run later by Lambda's internal queue."""
    r = _run(project, {"function": "Caller", "functions": ["Callee"], "trigger": {"type": "async"},
                       "traffic": {"count": 3, "body": {"kind": "Event"}}})
    assert r["functions"]["Callee"]["attempts"] == 3 and r["functions"]["Callee"]["succeeded"] == 3
    assert [e.get("function") for e in r["timeline"]].count("Callee") == 3


def test_provisioned_environments_start_warm(project: Path) -> None:
    """Provisioned concurrency: environments initialized before traffic; only the excess starts cold."""
    doc = {"function": "Echo", "trigger": {"type": "api"}, "traffic": {"count": 8, "rate": 0},
           "faults": {"slow": {"from": 0, "to": 60, "extra_ms": 1000}}, "concurrency": {"provisioned": 5}}
    r = _run(project, doc)
    assert r["cold_starts"] == 3 and r["functions"]["Echo"]["peak_concurrency"] == 8
    assert r["functions"]["Echo"]["provisioned_billed_ms"] > 0 and r["functions"]["Echo"]["billed_ms"] > 0


def test_reserved_concurrency_is_a_limit_and_other_functions_share_the_rest(project: Path) -> None:
    """Reserved concurrency caps the function; the account's other functions share what is not reserved."""
    doc = {"function": "Echo", "trigger": {"type": "api"}, "traffic": {"count": 8, "rate": 0},
           "faults": {"slow": {"from": 0, "to": 60, "extra_ms": 1000}}, "concurrency": {"reserved": 3}}
    r = _run(project, doc)
    # Echo returns the event, not a proxy response: API Gateway answers 502 for each call that ran (DG "Using
    # Lambda with API Gateway", "Handling errors"), and 500 for each call Lambda throttled
    assert r["responses"] == {"502": 3, "500": 5}
    doc["concurrency"] = {"account": 6, "reserved": None}
    assert _run(project, doc)["responses"] == {"502": 6, "500": 2}


def test_scaling_is_limited_to_1000_new_environments_per_10_seconds(project: Path) -> None:
    """DG "Lambda scaling behavior": each function can add 1,000 execution environments every 10 seconds."""
    doc = {"function": "Echo", "trigger": {"type": "api"}, "traffic": {"count": 1500, "rate": 0},
           "faults": {"slow": {"from": 0, "to": 60, "extra_ms": 5000}}, "concurrency": {"account": 5000}}
    r = _run(project, doc)
    assert r["responses"] == {"502": 1000, "500": 500} and r["cold_starts"] == 1000


def test_calls_the_simulator_does_not_answer_fail_in_the_handler_and_never_reach_aws(project: Path,
                                                                                     tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(
        # one vCPU: the handler creates two boto3 clients, seconds of CPU at 128 MB's share (runtime/cpu.py)
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: src/, Handler: "
        "app.handler, Runtime: python3.12, MemorySize: 1769}\n", encoding="utf-8")
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\n\ndef handler(event, context):\n"
        "    boto3.client('dynamodb').put_item(TableName='t', Item={'pk': {'S': '1'}})\n"
        "    try:\n        boto3.client('ec2').describe_instances()\n"
        "    except Exception as exc:\n        return {'error': str(exc)}\n", encoding="utf-8")
    spec, _ = local_function(str(tmp_path), "Fn", {}, {})
    with tempfile.TemporaryFile("w+") as log:
        r = simulate(spec, load_scenario({"trigger": {"type": "async"}, "traffic": {"count": 1}}), log).as_dict()
    assert r["aws_calls"] == {"dynamodb.PutItem": 1, "ec2.DescribeInstances": 1} and r["succeeded"] == 1


def test_provisioned_capacity_bills_for_the_traffic_not_for_the_queue_retention(project: Path) -> None:
    """An SQS message's expiry (4 days later) is an event on the virtual clock; provisioned capacity is billed for
    the simulated traffic (the last invocation's end), not until the last delivered message would have expired."""
    doc = {"function": "Echo", "trigger": {"type": "sqs", "batch_size": 1}, "traffic": {"count": 10, "rate": 1},
           "concurrency": {"provisioned": 1}}
    r = _run(project, doc)
    assert r["succeeded"] == 10 and r["cold_starts"] == 0
    # 1 environment × its GB × ~10 s at $0.0000041667/GB-s rounds to 0.00; four days of it would be cents
    assert r["cost_usd"] == "0.00"


@pytest.mark.parametrize(("shape", "outcome"), [
    ("none", "deleted"), ("empty", "deleted"), ("empty-list", "deleted"), ("null-list", "deleted"),
    ("empty-id", "returned"), ("null-id", "returned"), ("bad-key", "returned"), ("unknown-id", "returned"),
    ("not-an-object", "returned"), ("own-id", "returned")])
def test_partial_batch_responses_are_read_as_the_guide_lists_them(project: Path, shape: str, outcome: str) -> None:
    """DG "Handling errors for an SQS event source in Lambda", "Success and failure conditions"
    (awsdocs/aws-lambda-developer-guide doc_source/with-sqs.md at 38e9014): an empty or null list or response is a
    complete success; an empty, null, badly keyed or unknown itemIdentifier is a complete failure. Returned: the
    message is received again and, with maxReceiveCount 1, dead-lettered on its second receive."""
    doc = {"function": "Shapes", "trigger": {"type": "sqs", "batch_size": 1, "max_receive_count": 1,
                                             "report_batch_item_failures": True},
           "traffic": {"count": 1, "rate": 0, "body": json.dumps({"shape": shape})}}
    r = _run(project, doc)
    if outcome == "deleted":
        assert (r["attempts"], r["succeeded"], r["dead_lettered"]) == (1, 1, 0)
    else:
        assert (r["attempts"], r["succeeded"], r["dead_lettered"]) == (1, 0, 1)


def test_an_sns_subscription_delivers_the_notification_record_not_the_bare_message(project: Path) -> None:
    """DG "Invoking Lambda functions with Amazon SNS notifications": the function gets {"Records": [{"EventSource":
    "aws:sns", "Sns": {"Type": "Notification", "TopicArn", "Message": <the message as a string>, …}}]}."""
    r = _run(project, {"function": "Subscriber", "trigger": {"type": "async", "topic": "alerts"},
                       "traffic": {"count": 2, "rate": 0, "body": {"order": 7}}})
    assert (r["attempts"], r["succeeded"], r["failed"]) == (2, 2, 0)


def test_kinesis_data_is_base64_of_the_bytes_put_json_for_a_mapping(project: Path) -> None:
    r = _run(project, {"function": "Decoder", "trigger": {"type": "kinesis", "batch_size": 2},
                       "traffic": {"count": 2, "rate": 0, "body": {"order": 7}}})
    assert (r["attempts"], r["succeeded"]) == (1, 2)


def test_a_stream_checkpoints_at_the_reported_sequence_number_and_retries_from_there(project: Path) -> None:
    """DG "Using Lambda with Kinesis", "Reporting batch item failures" (doc_source/with-kinesis.md at 38e9014):
    Lambda checkpoints before the lowest sequence number reported and retries all records from there."""
    doc = {"function": "Checkpointed", "trigger": {"type": "kinesis", "batch_size": 5,
                                                   "report_batch_item_failures": True},
           "traffic": {"count": 5, "rate": 0}}
    r = _run(project, doc)
    assert [(e["records"], e["outcome"]) for e in r["timeline"]] == [([1, 2, 3, 4, 5], "partial"),
                                                                     ([3, 4, 5], "success")]
    assert r["timeline"][0]["failed_from"] == 3 and r["attempts"] == 2
    # without the setting the response is ignored: one successful batch
    doc["trigger"]["report_batch_item_failures"] = False
    r = _run(project, doc)
    assert [(e["records"], e["outcome"]) for e in r["timeline"]] == [([1, 2, 3, 4, 5], "success")]
