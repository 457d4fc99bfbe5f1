"""The event source settings simulate used to refuse, each driven through a real handler: FIFO queues, an SQS
mapping's maximum concurrency, batching windows and the 6 MB batch, a stream's parallelization factor and retention,
and asynchronous on-success destinations. Sources are named beside each test (DG: the AWS Lambda developer guide,
awsdocs/aws-lambda-developer-guide doc_source/ at 38e9014, and the Lambda API reference)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from lambdoctor.engine import local_function
from lambdoctor.runtime.simulate import ScenarioError, load_scenario, simulate

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: src/, Runtime: python3.12, Timeout: 900}
Resources:
  Fifo:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.fifo}
  Plain:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.plain}
  Greeter:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.greeter}
"""

APP = '''\
def fifo(event, context):
    # DG "Using Lambda with Amazon SQS", the FIFO event example: these attributes, a queue named *.fifo
    for r in event["Records"]:
        a = r["attributes"]
        assert r["eventSourceARN"].endswith(".fifo"), r["eventSourceARN"]
        assert a["MessageGroupId"] and len(a["SequenceNumber"]) == 20 and a["MessageDeduplicationId"], a
    groups = {r["attributes"]["MessageGroupId"] for r in event["Records"]}
    assert len(groups) == 1, groups  # one group per batch
    return None


def plain(event, context):
    return None


def greeter(event, context):
    return {"hello": event.get("name")}
'''


@pytest.fixture(scope="module")
def project() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="lambdoctor-event-sources-"))
    (folder / "src").mkdir()
    (folder / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (folder / "src" / "app.py").write_text(APP, encoding="utf-8")
    return folder


def _run(project: Path, doc: dict[str, Any]) -> dict[str, Any]:
    spec, _ = local_function(str(project), doc["function"], {}, {})
    with tempfile.TemporaryFile("w+") as log:
        return simulate(spec, load_scenario(doc), log).as_dict()


def _delivered(r: dict[str, Any], *records: int) -> list[tuple[list[int], str, float]]:
    """The attempts that carried any of ``records``: (records, outcome, virtual second)."""
    return [(e["records"], e["outcome"], e["t"]) for e in r["timeline"] if set(e["records"]) & set(records)]


# -- FIFO -------------------------------------------------------------------------------------------------------------
def test_a_failing_fifo_message_blocks_its_group_and_only_its_group(project: Path) -> None:
    """DG "Using Lambda with Amazon SQS": "Lambda sorts the messages into groups and sends only one batch at a time
    for a group. If your function returns an error, the function attempts all retries on the affected messages
    before Lambda receives additional messages from the same group." Messages 1, 3, 5 are group 1, 2, 4, 6 group 2;
    3 fails: 5 waits until 3 has left for the dead-letter queue (two receives, 30 s apart), group 2 does not wait."""
    doc = {"function": "Fifo", "trigger": {"type": "sqs", "fifo": True, "batch_size": 1, "visibility_timeout": 30,
                                           "max_receive_count": 2},
           "traffic": {"count": 6, "rate": 0, "message_groups": 2}, "faults": {"fail_records": [3]}}
    r = _run(project, doc)
    group1 = [(e[0], e[1]) for e in _delivered(r, 1, 3, 5)]
    assert group1 == [([1], "success"), ([3], "error"), ([3], "error"), ([5], "success")]
    assert _delivered(r, 5)[0][2] >= 60  # after the second visibility timeout, when 3 went to the DLQ
    assert all(t < 1 and outcome == "success" for _, outcome, t in _delivered(r, 2, 4, 6))
    assert [(d["record"], d["receives"]) for d in r["dlq"]] == [(3, 2)]
    assert (r["succeeded"], r["dead_lettered"], r["failed"]) == (5, 1, 2)
    # a standard queue lets 5 go at once: the block is FIFO's own
    doc["trigger"]["fifo"] = False
    r = _run(project, {**doc, "function": "Plain"})
    assert _delivered(r, 5)[0][2] < 1


def test_a_fifo_batch_holds_one_group_in_order(project: Path) -> None:
    doc = {"function": "Fifo", "trigger": {"type": "sqs", "fifo": True, "batch_size": 10},
           "traffic": {"count": 6, "rate": 0, "message_groups": 2}}
    r = _run(project, doc)
    assert sorted(e["records"] for e in r["timeline"]) == [[1, 3, 5], [2, 4, 6]]
    assert r["succeeded"] == 6 and r["failed"] == 0  # the handler's attribute checks held


def test_a_fifo_partial_batch_response_returns_the_failed_message_and_all_behind_it(project: Path) -> None:
    """DG "Using Lambda with Amazon SQS", "Implementing partial batch responses": with a FIFO queue the function
    "should stop processing messages after the first failure and return all failed and unprocessed messages";
    an injected failure does so: 3 fails, 3 and 5 return, in order."""
    doc = {"function": "Fifo", "trigger": {"type": "sqs", "fifo": True, "batch_size": 10, "visibility_timeout": 30,
                                           "report_batch_item_failures": True, "max_receive_count": 1},
           "traffic": {"count": 6, "rate": 0, "message_groups": 2}, "faults": {"fail_records": [3]}}
    r = _run(project, doc)
    assert [(e[0], e[1]) for e in _delivered(r, 1, 3, 5)] == [([1, 3, 5], "success")]
    assert [d["record"] for d in r["dlq"]] == [3, 5]  # received again at 30 s: past maxReceiveCount 1, in order
    assert r["succeeded"] == 4


# -- maximum concurrency ---------------------------------------------------------------------------------------------
def test_maximum_concurrency_stops_receiving_instead_of_throttling(project: Path) -> None:
    """API ScalingConfig ("Limits the number of concurrent instances that the Amazon SQS event source can invoke")
    and the January 2023 launch post: at the maximum the mapping stops reading, so a reserved concurrency of 2 no
    longer throttles received batches back into the queue and on to the DLQ (maxReceiveCount 1)."""
    base = {"function": "Plain", "trigger": {"type": "sqs", "batch_size": 1, "max_receive_count": 1,
                                             "visibility_timeout": 30},
            "traffic": {"count": 20, "rate": 0}, "concurrency": {"reserved": 2},
            "faults": {"slow": {"from": 0, "to": 1000, "extra_ms": 5000}}}
    without = _run(project, base)
    assert without["throttled"] > 0 and without["dead_lettered"] > 0  # the SQS over-pull the setting fixes
    capped = _run(project, {**base, "trigger": {**base["trigger"], "maximum_concurrency": 2}})
    assert (capped["throttled"], capped["dead_lettered"], capped["succeeded"]) == (0, 0, 20)
    assert max(n for _, n in capped["concurrency"]) == 2
    assert max(e["t"] for e in capped["timeline"]) >= 45  # ten rounds of two 5-second invocations


# -- batching windows and the 6 MB batch ---------------------------------------------------------------------------
def test_an_sqs_batching_window_gathers_until_the_batch_is_full_or_the_window_ends(project: Path) -> None:
    """DG "Lambda event source mappings", "Batching behavior": Lambda invokes when the window ends, the batch is
    full, or it reaches 6 MB. One message a second, a 3-second window: 1-4 together at t = 3, then 5 alone at 7."""
    doc = {"function": "Plain", "trigger": {"type": "sqs", "batch_size": 10, "batching_window": 3},
           "traffic": {"count": 5, "rate": 1}}
    r = _run(project, doc)
    assert [(e["records"], round(e["t"])) for e in r["timeline"]] == [([1, 2, 3, 4], 3), ([5], 7)]
    full = _run(project, {**doc, "trigger": {"type": "sqs", "batch_size": 2, "batching_window": 60}})
    assert [(e["records"], round(e["t"])) for e in full["timeline"][:2]] == [([1, 2], 1), ([3, 4], 3)]
    assert [e["records"] for e in _run(project, {**doc, "trigger": {"type": "sqs", "batch_size": 10}})[
        "timeline"]] == [[1], [2], [3], [4], [5]]  # no window: each message as it comes


def test_an_sqs_batch_stops_at_the_6_mb_payload_quota(project: Path) -> None:
    """Same page: the batch goes "as long as the total size of the events doesn't exceed the invocation payload
    size quota for synchronous invocation (6 MB)": 1 MB messages travel six to a batch, not a hundred."""
    doc = {"function": "Plain", "trigger": {"type": "sqs", "batch_size": 100, "batching_window": 1},
           "traffic": {"count": 12, "rate": 0, "body": "x" * 1_000_000}}
    r = _run(project, doc)
    assert sorted(len(e["records"]) for e in r["timeline"]) == [6, 6] and r["succeeded"] == 12


def test_a_stream_batching_window_begins_when_the_previous_invocation_ends(project: Path) -> None:
    """DG "Lambda event source mappings": "If you configure a MaximumBatchingWindowInSeconds, the next batching
    window begins as soon as the previous function invocation completes." Records 1-4 (one a second) at t = 3,
    then 5 (t = 4) waits for the window that began when the first batch ended."""
    doc = {"function": "Plain", "trigger": {"type": "kinesis", "batch_size": 10, "batching_window": 3},
           "traffic": {"count": 5, "rate": 1}}
    r = _run(project, doc)
    assert [(e["records"], round(e["t"])) for e in r["timeline"]] == [([1, 2, 3, 4], 3), ([5], 6)]


# -- streams: parallelization factor and retention -------------------------------------------------------------------
def test_a_parallelization_factor_lets_the_other_keys_of_a_blocked_shard_move(project: Path) -> None:
    """DG "Using Lambda with Kinesis", "Concurrent batches per shard": up to 10 batches of one shard at once, in
    order per partition key. Two keys in one shard; key 0's first record fails forever: with factor 2 key 1's
    records are all processed, key 0's stay behind the failure; with factor 1 everything waits."""
    doc = {"function": "Plain", "trigger": {"type": "kinesis", "batch_size": 1, "parallelization_factor": 2},
           "traffic": {"count": 6, "rate": 1, "partition_keys": 2}, "faults": {"fail_records": [1]}, "until": 300}
    r = _run(project, doc)
    done = sorted(e["records"][0] for e in r["timeline"] if e["outcome"] == "success")
    assert done == [2, 4, 6]  # key 1
    assert not _delivered(r, 3, 5)  # key 0 behind record 1, in order
    serial = _run(project, {**doc, "trigger": {"type": "kinesis", "batch_size": 1}})
    assert not [e for e in serial["timeline"] if e["outcome"] == "success"]


def test_records_outlive_24_hours_on_a_stream_that_keeps_them_longer(project: Path) -> None:
    """A Kinesis stream keeps records 24 h unless RetentionPeriodHours says more (up to 8,760 h, DG "Using Lambda
    with Kinesis"); the default mapping retries a failing record until it expires. With 48 h the poison record
    blocks its shard for 48 h, not 24; a MaximumRecordAgeInSeconds beyond the retention cannot save a record from
    expiring (it is lost, not sent to the on-failure destination)."""
    doc = {"function": "Plain", "trigger": {"type": "kinesis", "batch_size": 1, "stream_retention": 172800},
           "traffic": {"count": 2, "rate": 1}, "faults": {"fail_records": [1]}, "until": 180000}
    r = _run(project, doc)
    failures = _delivered(r, 1)
    assert 86400 < failures[-1][2] <= 172800 and 172800 <= r["blocked_seconds"] < 172900
    assert (r["lost"], r["succeeded"]) == (2, 0)  # 2 waited behind 1 past the retention too
    aged = _run(project, {**doc, "trigger": {"type": "kinesis", "batch_size": 1, "maximum_record_age": 90000,
                                             "on_failure": True}, "until": 100000})
    assert aged["lost"] == 2 and aged["dead_lettered"] == 0  # 24 h retention ends before the 25 h maximum age
    kept = _run(project, {**doc, "trigger": {"type": "kinesis", "batch_size": 1, "maximum_record_age": 90000,
                                             "on_failure": True, "stream_retention": 172800}, "until": 100000})
    assert kept["dlq"][0]["requestContext"]["condition"] == "RecordAgeExceeded" and kept["succeeded"] == 0


# -- asynchronous on-success destinations ----------------------------------------------------------------------------
def test_an_on_success_destination_gets_the_invocation_record(project: Path) -> None:
    """DG "Asynchronous invocation", "Configuring destinations": an on-success destination gets a record of each
    successful invocation — the invocation record's shape, condition Success, the response as responsePayload
    and no functionError."""
    doc = {"function": "Greeter", "trigger": {"type": "async", "on_success": True, "on_failure": True,
                                              "maximum_retry_attempts": 0},
           "traffic": {"count": 2, "rate": 1, "body": {"name": "Ada"}}, "faults": {"fail_records": [2]}}
    r = _run(project, doc)
    [record] = r["on_success"]
    assert record.pop("timestamp").endswith("Z") and len(record["requestContext"].pop("requestId")) == 36
    assert record == {
        "version": "1.0",
        "requestContext": {"functionArn": "arn:aws:lambda:us-east-1:123456789012:function:Greeter:$LATEST",
                           "condition": "Success", "approximateInvokeCount": 1},
        "requestPayload": {"name": "Ada"}, "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": {"hello": "Ada"}}
    [failure] = r["dlq"]
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["responseContext"]["functionError"] == "Unhandled"


# -- the settings' own bounds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("trigger", "message"), [
    ({"type": "sqs", "fifo": True, "batch_size": 11}, "a FIFO queue's mapping takes at most 10"),
    ({"type": "sqs", "maximum_concurrency": 1}, "maximum_concurrency is for an sqs trigger, 2 to 1000"),
    ({"type": "kinesis", "maximum_concurrency": 5}, "maximum_concurrency is for an sqs trigger"),
    ({"type": "sqs", "batch_size": 100}, "batch_size 100 over 10 needs trigger.batching_window ≥ 1"),
    ({"type": "kinesis", "batching_window": 301}, "batching_window is 0 to 300 seconds"),
    ({"type": "kinesis", "parallelization_factor": 11}, "parallelization_factor is 1 to 10"),
    ({"type": "sqs", "on_success": True}, "on_success is for an async trigger"),
    ({"type": "kinesis", "stream_retention": 3600}, "stream_retention is 86400 (24 h) to 31536000"),
    ({"type": "dynamodb", "stream_retention": 172800}, "a DynamoDB stream keeps its records 24 hours"),
])
def test_settings_outside_lambdas_ranges_are_scenario_errors(trigger: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario({"trigger": trigger})
