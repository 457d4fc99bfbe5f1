"""`lambdoctor logs --log-group`: live log groups through boto3. Events are read from moto's server on 127.0.0.1;
Logs Insights, which moto does not aggregate, is covered by botocore's Stubber with the rows CloudWatch returns."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner
from conftest import ROOT

from lambdoctor.cli import main
from lambdoctor.logs import live

SAMPLE = ROOT / "tests" / "data" / "logs" / "sample.log"
STREAM = "2026/11/22/[$LATEST]0123456789abcdef0123456789abcdef"


def run(*args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(main, ["logs", *args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    try:
        return result.exit_code, json.loads(result.stdout)
    except json.JSONDecodeError:
        return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def orders_group(aws_endpoint: str) -> str:
    """/aws/lambda/orders-api holding sample.log's records, one event per line, an hour ago."""
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    group = "/aws/lambda/orders-api"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=STREAM)
    base = int((time.time() - 3600) * 1000)
    lines = SAMPLE.read_text().splitlines()
    logs.put_log_events(logGroupName=group, logStreamName=STREAM,
                        logEvents=[{"timestamp": base + i, "message": line + "\n"} for i, line in enumerate(lines)])
    return aws_endpoint


def local_stats() -> list[dict[str, Any]]:
    code, doc = run(str(SAMPLE), "--function", "orders-api")
    assert code == 0
    return [{k: v for k, v in f.items() if k not in ("first", "last", "reports")} for f in doc["functions"]]


def test_events_downloaded_from_the_server_give_the_local_statistics(orders_group: str) -> None:
    code, doc = run("--log-group", "orders-api", "--since", "1d", "--via", "events",
                    "--endpoint-url", orders_group, "--log-region", "us-east-1")
    assert code == 0
    assert [{k: v for k, v in f.items() if k not in ("first", "last", "reports")}
            for f in doc["functions"]] == local_stats()
    assert {f["rule"] for f in doc["findings"]} == {"LOG003", "LOG004", "LOG006"}
    assert doc["findings"][0]["file"] == "/aws/lambda/orders-api"


def test_insights_that_cannot_aggregate_falls_back_to_the_events(orders_group: str) -> None:
    # moto answers StartQuery but returns events, not the `stats` rows asked for: the events are read instead.
    code, doc = run("--log-group", "orders*", "--since", "1d", "--endpoint-url", orders_group,
                    "--log-region", "us-east-1")
    assert code == 0
    assert [{k: v for k, v in f.items() if k not in ("first", "last", "reports")}
            for f in doc["functions"]] == local_stats()
    assert doc["notes"][0] == ("Logs Insights unavailable (Logs Insights answered without the statistics asked for): "
                               "downloaded the events instead")


def test_a_missing_group_or_a_bad_since_is_a_clear_error(orders_group: str) -> None:
    code, text = run("--log-group", "no-such-function", "--endpoint-url", orders_group, "--log-region", "us-east-1")
    assert code == 2 and "no log group is named '/aws/lambda/no-such-function'" in text
    code, text = run("--log-group", "orders-api", "--since", "last tuesday", "--endpoint-url", orders_group)
    assert code == 2 and "--since 'last tuesday': give a duration (7d, 12h, 30m, 2w) or an ISO date" in text


def _rows(**fields: str) -> list[dict[str, str]]:
    return [{"field": k, "value": v} for k, v in fields.items()]


def test_insights_aggregates_become_statistics_and_findings(tmp_path: Path) -> None:
    logs = boto3.client("logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(logs)
    start = datetime(2026, 11, 15, tzinfo=UTC)
    end = start + timedelta(days=7)
    group = "/aws/lambda/orders-api"
    stub.add_response("describe_log_groups", {"logGroups": [{"logGroupName": group}]},
                      {"logGroupNamePrefix": group})
    window = {"logGroupNames": [group], "startTime": int(start.timestamp()), "endTime": int(end.timestamp()),
              "limit": 10000}
    stub.add_response("start_query", {"queryId": "q1"}, {**window, "queryString": live.REPORT_QUERY})
    stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q1"})
    # The sources' REPORT line, 600,000 times in a week: 512 MB configured, 15 MB used, 702.16 ms → 703 ms billed.
    stub.add_response("get_query_results", {"status": "Complete", "results": [_rows(**{
        "@log": "123456789012:" + group, "invocations": "600000", "initStarts": "1200", "restoreStarts": "0",
        "d50": "702.16", "d90": "702.16", "d99": "702.16", "dmax": "702.16", "billed": "421800000",
        "billedMean": "703", "memory": "512000000", "m50": "15000000", "m99": "15000000", "mmax": "15000000",
        "i50": "180.5", "i95": "240.25", "timeoutReports": "0", "outOfMemory": "0", "errorReports": "12",
        "first": "2026-11-15 00:00:01.000", "last": "2026-11-21 23:59:59.000"})]}, {"queryId": "q1"})
    stub.add_response("start_query", {"queryId": "q2"}, {**window, "queryString": live.EVENTS_QUERY})
    stub.add_response("get_query_results", {"status": "Complete", "results": [_rows(**{
        "@log": "123456789012:" + group, "bytes": "330000000", "timedOut": "0", "errorRecords": "12"})]},
        {"queryId": "q2"})
    with stub:
        result = live.fetch(logs, ["orders-api"], start, end, "insights", tmp_path, sleep=lambda s: None)
    stub.assert_no_pending_responses()
    [s] = result.stats
    assert (s.function, s.invocations, s.cold_starts, s.memory_mb, s.max_memory_used_mb["max"], s.errors,
            s.log_bytes, s.billed_ms_total) == ("orders-api", 600000, 1200, 512, 15.0, 12, 330000000, 421800000)
    assert result.files == [] and result.notes[0].startswith("statistics computed by CloudWatch Logs Insights")

    from lambdoctor.cost.prices import table
    from lambdoctor.engine import analyze_logs

    analysis = analyze_logs([], table("us-east-1", datetime(2026, 11, 22).date()), live=result)
    [log001] = [f for f in analysis.findings if f.rule == "LOG001"]
    # 600,000 invocations in 604,798 s → 2,571,437 in 30 days; 0.375 GB less × 0.703 s × $0.0000166667 per GB-s
    # = $4.39 per million → $11.30 a month.
    # Insights gives no per-status peak: the successful invocations are all but the 12 errors
    assert log001.message == (
        "max memory used 15 MB of 512 MB over 599,988 successful invocations: 128 MB saves up to $11.30 a month at "
        "the observed rate (2,571,437 invocations a month); CPU follows memory (0.29 → 0.07 vCPU): if the work is "
        "CPU-bound it may run up to 4.0× longer (p50 702 ms → up to 2,809 ms), which saves nothing, so the saving "
        "assumes the duration stays")
    assert log001.file == group
