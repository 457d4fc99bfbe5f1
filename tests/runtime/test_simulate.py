"""lambdoctor simulate: a real handler through SQS and asynchronous-invocation semantics on a virtual clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from conftest import ROOT

POISON = ROOT / "examples" / "scenarios" / "poison-sqs"


def _simulate(scenario: Path) -> tuple[int, dict[str, Any], str]:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", str(scenario), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    return out.returncode, json.loads(out.stdout) if out.stdout else {}, out.stderr


def _variant(tmp_path: Path, changes: dict[str, Any], example: Path = POISON) -> Path:
    """The example's scenario with ``changes`` merged into its sections, written beside the test."""
    doc = yaml.safe_load((example / "scenario.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        doc[key] = {**doc.get(key, {}), **value} if isinstance(value, dict) else value
    doc["function"]["path"] = str(example)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_poison_message_without_partial_batch_responses_takes_its_batch_down() -> None:
    code, r, _ = _simulate(POISON / "scenario.yaml")
    assert code == 0
    # the whole batch fails at each receive (t = 0, then after each 60 s visibility timeout), three times
    assert [(e["t"] // 1, e["records"], e["outcome"]) for e in r["timeline"]] == [
        (0, list(range(1, 11)), "error"), (60, list(range(1, 11)), "error"), (120, list(range(1, 11)), "error")]
    assert (r["attempts"], r["failed"], r["succeeded"], r["dead_lettered"], r["lost"]) == (3, 3, 0, 10, 0)
    assert r["duplicates_delivered"] == 20  # every good message processed three times
    assert [(d["record"], d["receives"]) for d in r["dlq"]] == [(n, 3) for n in range(1, 11)]
    assert r["cold_starts"] == 1 and r["concurrency"][0] == [0.0, 1.0]


def test_with_report_batch_item_failures_only_the_poison_message_returns(tmp_path: Path) -> None:
    code, r, _ = _simulate(_variant(tmp_path, {"trigger": {"report_batch_item_failures": True}}))
    assert code == 0
    assert [(e["t"] // 1, e["records"], e["outcome"]) for e in r["timeline"]] == [
        (0, list(range(1, 11)), "success"), (60, [7], "success"), (120, [7], "success")]
    assert (r["succeeded"], r["dead_lettered"], r["duplicates_delivered"]) == (9, 1, 2)
    assert r["dlq"][0]["record"] == 7 and r["dlq"][0]["body"] == "message 7"


def test_without_a_redrive_policy_the_poison_message_is_retried_until_it_expires(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"trigger": {"report_batch_item_failures": True, "max_receive_count": None,
                                           "retention": 600}})
    code, r, _ = _simulate(path)
    assert code == 0 and r["lost"] == 1 and r["dead_lettered"] == 0 and r["succeeded"] == 9
    assert r["attempts"] == 10  # t = 0, 60, ..., 540: then the 10-minute retention ends


def test_async_retries_twice_one_then_two_minutes_later_then_the_destination(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"trigger": {"type": "async", "on_failure": True}, "traffic": {"count": 1, "rate": 1,
                                                                                            "body": {"order": 42}},
                               "faults": {"fail_records": [1]}})
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("batch_size", "visibility_timeout", "max_receive_count", "report_batch_item_failures"):
        doc["trigger"].pop(key)
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, r, _ = _simulate(path)
    assert code == 0
    assert [(round(e["t"]), e["outcome"]) for e in r["timeline"]] == [(0, "error"), (60, "error"), (180, "error")]
    [record] = r["dlq"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"order": 42}
    assert record["responsePayload"]["errorType"] == "KeyError"  # this SQS consumer cannot read the event
    assert (r["attempts"], r["retried"], r["dead_lettered"], r["succeeded"]) == (3, 1, 1, 0)


def test_a_function_dead_letter_queue_gets_the_event_as_it_was_with_three_attributes(tmp_path: Path) -> None:
    """DG "Asynchronous invocation", "Dead-letter queues" (doc_source/invocation-async.md at 38e9014): "Lambda
    sends the event to the dead-letter queue as-is, with additional information in attributes": RequestID,
    ErrorCode (the HTTP status code), ErrorMessage (the first 1 KB) — not the destination's invocation record."""
    path = _variant(tmp_path, {"trigger": {"type": "async", "dead_letter": True}, "traffic": {"count": 1, "rate": 1,
                                                                                             "body": {"order": 42}},
                               "faults": {"fail_records": [1]}})
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("batch_size", "visibility_timeout", "max_receive_count", "report_batch_item_failures"):
        doc["trigger"].pop(key)
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, r, _ = _simulate(path)
    assert code == 0
    [message] = r["dlq"]
    assert json.loads(message["body"]) == {"order": 42}
    attributes = message["attributes"]
    assert set(attributes) == {"RequestID", "ErrorCode", "ErrorMessage"} and attributes["ErrorCode"] == 200
    assert len(attributes["RequestID"]) == 36 and attributes["ErrorMessage"] == "'Records'"  # the KeyError's
    assert r["dead_lettered"] == 1


def test_a_low_reserved_concurrency_throttles_sqs_batches(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"traffic": {"count": 100, "rate": 0}, "faults": {"fail_records": []},
                               "concurrency": {"limit": 1}, "trigger": {"batch_size": 1, "max_receive_count": 5}})
    code, r, _ = _simulate(path)
    assert code == 0
    assert r["throttled"] > 0 and r["succeeded"] + r["dead_lettered"] == 100
    assert max(n for _, n in r["concurrency"]) == 1


def test_bad_scenarios_are_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    for text, message in (("trigger: {type: ftp}\n", "trigger.type must be one of sqs, async, kinesis"),
                          ("trigger: {type: sqs, batchsize: 3}\n", "unknown field(s) batchsize"),
                          ("trigger: {type: sqs}\n", "function: {path: <template folder>, name: <function>}"),
                          ("[1, 2\n", "while parsing")):
        bad.write_text(text, encoding="utf-8")
        code, _, err = _simulate(bad)
        assert code == 2 and message in err, (text, err)
    chain = ROOT / "examples" / "scenarios" / "sync-chain"
    for text, message in (
            ("concurrency: {reserve: 3}\n", "concurrency: unknown field(s) reserve (known: account, reserved, "
                                            "provisioned)"),
            ("downstream: {connections: many}\n", "scenario: invalid literal for int() with base 10: 'many'"),
            ("functions: [Nope]\n", "no function 'Nope' in"),
            ("faults: {slow: {function: Pricing, from: 0, to: 1, extra_ms: 1}}\n",
             "faults.slow.function 'Pricing' is not one of the simulated functions (Frontend; others go in")):
        bad.write_text(f"function: {{path: {chain}, name: Frontend}}\ntrigger: {{type: api}}\n{text}",
                       encoding="utf-8")
        code, _, err = _simulate(bad)
        assert code == 2 and message in err, (text, err)


KINESIS = ROOT / "examples" / "scenarios" / "poison-kinesis"


def test_a_poison_kinesis_record_blocks_its_shard_until_the_records_expire() -> None:
    code, r, _ = _simulate(KINESIS / "scenario.yaml")
    assert code == 0
    timeline = r["timeline"]
    assert [(e["records"], e["outcome"]) for e in timeline[:4]] == [([1], "success"), ([2], "success"),
                                                                     ([3], "error"), ([3], "error")]
    # retried 1, 2, 4 ... 60 s apart for the 24-hour retention; nothing behind it moves meanwhile
    blocked = [e for e in timeline[2:] if e["records"] == [3]]
    assert len(blocked) > 1400 and all(e["outcome"] == "error" for e in blocked)
    after = timeline[2 + len(blocked):]
    assert after and all(e["t"] > 86400 and e["outcome"] == "success" for e in after)
    # what arrived (one a second from t = 0) more than 24 h before it could be read expired with record 3
    survivors = [e["records"][0] for e in after]
    assert survivors == list(range(11 - len(survivors), 11)) and len(survivors) < 7
    assert (r["succeeded"], r["lost"], r["dead_lettered"]) == (2 + len(survivors), 8 - len(survivors), 0)
    assert 86400 < r["blocked_seconds"] < 86410


def test_retry_limit_bisect_and_on_failure_keep_the_shard_moving(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"trigger": {"batch_size": 4, "maximum_retry_attempts": 2, "bisect_on_error": True,
                                           "on_failure": True},
                               "traffic": {"count": 8, "rate": 0, "body": '{"ok": true}'}}, KINESIS)
    code, r, _ = _simulate(path)
    assert code == 0
    assert [(e["records"], e["outcome"]) for e in r["timeline"]] == [
        ([1, 2, 3, 4], "error"), ([1, 2], "success"), ([3, 4], "error"), ([3], "error"), ([3], "error"),
        ([3], "error"), ([4], "success"), ([5, 6, 7, 8], "success")]
    # the on-failure record's shape: DG "Using Lambda with Kinesis" (awsdocs/aws-lambda-developer-guide
    # doc_source/with-kinesis.md at 38e9014), with the sequence number record 3 was delivered with
    [record] = r["dlq"]
    assert record.pop("timestamp").endswith("Z") and record.pop("version") == "1.0"
    third = "49590338271490256608559692538361571095921575989136588901"  # as record 3 was delivered
    assert record == {"requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 3},
                      "KinesisBatchInfo": {"shardId": "shardId-000000000000", "startSequenceNumber": third,
                                           "endSequenceNumber": third, "batchSize": 1,
                                           "streamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/stream"}}
    assert (r["succeeded"], r["dead_lettered"], r["lost"]) == (7, 1, 0)


def test_api_gateway_gives_up_at_29_seconds_while_the_function_runs_on(tmp_path: Path) -> None:
    folder = tmp_path / "api"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n",
                                           encoding="utf-8")
    (folder / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12, Timeout: 60}\n", encoding="utf-8")
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump({
        "function": {"path": ".", "name": "Api"}, "trigger": {"type": "api"},
        "traffic": {"count": 50, "rate": 1}, "concurrency": {"limit": 5},
        "faults": {"slow": {"from": 0, "to": 5, "extra_ms": 40000}, "fail_records": [45]}}), encoding="utf-8")
    code, r, _ = _simulate(scenario)
    assert code == 0
    # calls 1-5 (t = 0-4 s) are slow (40 s): the clients get 504s at 29 s, but the invocations hold all 5
    # environments until just after t = 40-44: calls at t = 5-40 are refused (Lambda's 429, API Gateway's 500);
    # one environment is free for each call from t = 41 on (call 45 fails: a 502)
    assert r["responses"] == {"504": 5, "500": 36, "200": 8, "502": 1}
    assert r["throttled"] == 36 and max(n for _, n in r["concurrency"]) == 5
    assert r["billed_ms"] >= 5 * 40000  # the 504'd invocations ran (and billed) to their end
