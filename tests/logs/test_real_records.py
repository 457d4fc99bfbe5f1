"""`lambdoctor logs` on real records and on records shaped exactly as their producers write them
(tests/data/logs/real/README.md names the source of each). The expected numbers are read off the lines by hand."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from conftest import ROOT, two_versions_export

from lambdoctor.cli import main

REAL = ROOT / "tests" / "data" / "logs" / "real"


def run(*args: str, stdin: bytes | None = None) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["logs", *args, "--format", "json"], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def one(name: str, *args: str) -> tuple[dict[str, Any], list[str]]:
    _, doc = run(str(REAL / name), *args)
    [stats] = doc["functions"]
    return stats, [f["rule"] for f in doc["findings"]]


def test_separate_xray_line_belongs_to_its_report() -> None:
    # DG golang-logging.md: 24 lines, 1,223 bytes, one cold invocation; the XRAY line after REPORT is its bytes
    stats, _ = one("dg-go-xray-line.log")
    assert (stats["invocations"], stats["cold_starts"], stats["duration_ms"]["max"], stats["billed_ms_total"],
            stats["init_ms"]["p50"], stats["log_bytes"]) == (1, 1, 38.66, 39, 203.69, 1223)
    # START (71 bytes) + REPORT (166) are Lambda's own; the rest is the function's output
    assert stats["platform_bytes"] == 237


def test_spaces_for_tabs_and_init_after_two_spaces() -> None:
    stats, _ = one("dg-python-console-spaces.log")
    assert (stats["duration_ms"]["max"], stats["billed_ms_total"], stats["memory_mb"],
            stats["max_memory_used_mb"]["max"], stats["cold_starts"], stats["init_ms"]["p50"]) == \
        (15.74, 16, 128, 56.0, 1, 130.49)


def test_init_duration_before_duration() -> None:
    # runtimes-custom.md: `Init Duration: 48.26 ms   Duration: 237.17 ms` — the duration is 237.17, not 48.26
    stats, _ = one("dg-custom-runtime-init-first.log")
    assert (stats["duration_ms"]["max"], stats["init_ms"]["p50"], stats["billed_ms_total"], stats["memory_mb"]) == \
        (237.17, 48.26, 300, 128)
    # the emulator's order (sam local invoke): 9,392.76 ms, init 0.53 ms; the second invocation is warm
    stats, _ = one("rie-sam-local-invoke.log")
    assert (stats["duration_ms"]["max"], stats["init_ms"]["p50"], stats["cold_starts"], stats["invocations"]) == \
        (9392.76, 0.53, 1, 2)


def test_trailing_spaces_after_init_duration_count_the_cold_start() -> None:
    stats, _ = one("dg-s3-tutorial-trailing-spaces.log")
    assert (stats["cold_starts"], stats["init_ms"]["p50"], stats["duration_ms"]["max"], stats["billed_ms_total"]) == \
        (1, 430.47, 976.25, 977)


def test_timeout_line_after_its_report_is_that_invocations_timeout(tmp_path: Path) -> None:
    stats, rules = one("issue-timeout-after-report.log")
    assert (stats["invocations"], stats["timeouts"], stats["duration_ms"]["max"]) == (1, 1, 3071.27)
    assert rules == ["LOG003", "LOG004"]
    stats, rules = one("issue-console-copy-timeout.log")
    assert (stats["timeouts"], stats["duration_ms"]["max"], stats["billed_ms_total"],
            stats["max_memory_used_mb"]["max"]) == (1, 120000.64, 120000, 23.0)
    assert rules == ["LOG003", "LOG004"]
    # followed by a second, successful invocation: the timeout is not charged to it
    text = (REAL / "issue-timeout-after-report.log").read_text()
    nxt = (text.replace("160788cd", "260788cd").replace("Task timed out after 3.07 seconds", "INFO done")
           .replace("3071.27", "12.00"))
    (tmp_path / "two.log").write_text(text + nxt)
    _, doc = run(str(tmp_path / "two.log"))
    [stats] = doc["functions"]
    assert (stats["invocations"], stats["timeouts"], stats["duration_ms"]["p50"]) == (2, 1, 1541.63)
    # and --request-id shows the timeout line with its own invocation only
    result = CliRunner().invoke(main, ["logs", str(tmp_path / "two.log"), "--request-id",
                                       "160788cd-45ff-4583-809f-c7e31127cb95"])
    assert "Task timed out" in result.output and "260788cd" not in result.output


def test_managed_instances_concurrent_requests_in_one_stream() -> None:
    for name in ("lmi-text-concurrent.log", "lmi-json-concurrent.log"):
        code, doc = run(str(REAL / name))
        assert code == 0
        [stats] = doc["functions"]
        # two requests in flight: both complete, none cut off; a REPORT without memory or billed duration counts
        assert (stats["invocations"], stats["partial"], stats["duration_ms"]["max"], stats["memory_mb"],
                stats["versions"]) == (2, 0, 125.46, None, ["1"]), name
    _, doc = run(str(REAL / "lmi-json-concurrent.log"))
    assert doc["functions"][0]["errors"] == 1  # "status":"error" on the second record


def test_python_json_format_error_records() -> None:
    stats, rules = one("python-json-format.log")
    assert (stats["errors"], stats["error_lines_in_success"], stats["invocations_with_error_lines"]) == (1, 1, 1)
    assert "LOG006" in rules
    assert stats["reports"]["last_errors"][0]["error_type"] == "KeyError"


def test_init_report_lines() -> None:
    stats, rules = one("init-report-timeout.log")
    # the invoke-phase init is the invocation's cold start; the init-phase timeout is a finding
    assert (stats["cold_starts"], stats["init_ms"]["p50"], stats["init_failures"], stats["init_timeouts"],
            stats["errors"]) == (1, 3001.2, 2, 1, 1)
    assert "LOG003" in rules
    _, doc = run(str(REAL / "init-report-always-fails.log"))
    [stats] = doc["functions"]
    assert (stats["invocations"], stats["init_failures"]) == (0, 2)
    [finding] = doc["findings"]
    assert finding["rule"] == "LOG005" and finding["severity"] == "error"
    assert finding["message"] == ("the init phase failed 2 time(s) (INIT_REPORT Status: error): no invocation ran "
                                  "at all")


def test_merged_streams_are_assembled_per_stream() -> None:
    for name in ("aws-logs-tail-detailed.log", "sam-logs.log"):
        stats, _ = one(name, "--function", "api")
        # A's START, B's START/error/END/REPORT, then A's END/REPORT: two invocations, nothing cut off
        assert (stats["invocations"], stats["partial"], stats["errors"], stats["cold_starts"],
                stats["duration_ms"]["max"], stats["first"]) == \
            (2, 0, 1, 1, 899.7, "2026-11-20T12:00:00.210Z"), name


def test_subscription_payload_file_and_stdin(tmp_path: Path) -> None:
    stats, _ = one("subscription-payload.json")
    assert stats["function"] == "blank-go"  # from the payload's logGroup
    assert (stats["invocations"], stats["duration_ms"]["max"], stats["first"]) == (1, 38.66, "2020-03-27T03:40:05.040Z")
    packed = gzip.compress((REAL / "subscription-payload.json").read_bytes())
    _, doc = run("-", "--function", "blank-go", stdin=packed)
    assert doc["functions"][0]["invocations"] == 1 and doc["functions"][0]["function"] == "blank-go"


def test_stdin_filter_log_events_json_keeps_times_and_versions() -> None:
    events = {"events": [
        {"logStreamName": "2026/11/20/[7]0123456789abcdef0123456789abcdef", "timestamp": 1795000000000 + i * 60000,
         "message": m, "eventId": str(i)} for i, m in enumerate(
            (REAL / "dg-s3-tutorial-trailing-spaces.log").read_text().splitlines(keepends=True))]}
    _, doc = run("-", "--function", "s3", stdin=json.dumps(events).encode())
    [stats] = doc["functions"]
    # the REPORT is the fifth event: 1,795,000,000 s + 4 minutes
    assert (stats["invocations"], stats["versions"], stats["first"]) == (1, ["$LATEST"], "2026-11-18T11:10:40.000Z")


def test_file_path_names_its_function_and_empty_file_gives_a_note(tmp_path: Path) -> None:
    folder = tmp_path / "aws" / "lambda" / "orders-api"
    folder.mkdir(parents=True)
    shutil.copy(REAL / "dg-s3-tutorial-trailing-spaces.log", folder / "000000.log")
    _, doc = run(str(folder / "000000.log"))
    assert doc["functions"][0]["function"] == "orders-api"
    (tmp_path / "empty.log").write_bytes(b"")
    code, doc = run(str(tmp_path / "empty.log"))
    assert code == 2 and doc["notes"] == [f"1 empty file(s), nothing to read: {tmp_path / 'empty.log'}"]


def test_truncated_gzip_keeps_its_complete_invocations(tmp_path: Path) -> None:
    text = "".join((REAL / "dg-s3-tutorial-trailing-spaces.log").read_text().replace("12b3cae7", f"{i:08x}")
                   for i in range(400))
    data = gzip.compress(text.encode())
    (tmp_path / "cut.log.gz").write_bytes(data[: len(data) // 2])
    _, doc = run(str(tmp_path / "cut.log.gz"))
    [stats] = doc["functions"]
    assert 100 < stats["invocations"] < 400
    assert [f["message"].split(":")[0] for f in doc["findings"] if f["rule"] == "SYS000"] == [
        "the gzip stream is cut off"]


def test_reports_of_one_version_and_size_are_the_function_totals(tmp_path: Path) -> None:
    # One size and one version: the groupings come from the statistics' pass (store.function_reports), and must
    # read as the query over the invocations would: 4 invocations of 100..400 ms, one timed out, one cold.
    lines = []
    for i in range(4):
        rid = f"{i:08x}-0000-4000-8000-000000000000"
        init = "\tInit Duration: 80.00 ms" if i == 0 else ""
        status = "\tStatus: timeout" if i == 3 else ""
        lines += [f"START RequestId: {rid} Version: 7\n",
                  f"REPORT RequestId: {rid}\tDuration: {100 * (i + 1)}.00 ms\tBilled Duration: {100 * (i + 1)} ms"
                  f"\tMemory Size: 256 MB\tMax Memory Used: {60 + i} MB{init}{status}\t\n"]
    (tmp_path / "fn.log").write_text("".join(lines))
    _, doc = run(str(tmp_path / "fn.log"))
    reports = doc["functions"][0]["reports"]
    expected = {"invocations": 4, "cold_starts": 1, "errors": 1, "p50_ms": 250.0, "p99_ms": 397.0,
                "peak_memory_mb": 63.0, "billed_ms_mean": 250.0}
    assert reports["by_version"] == [{"version": "7", **expected}]
    assert reports["by_memory"] == [{"memory_mb": 256, **expected}]
    assert reports["init"] == {"p50": 80.0, "p75": 80.0, "max": 80.0}


def test_reports_per_version_and_memory(tmp_path: Path) -> None:
    (tmp_path / "fn.json").write_text(two_versions_export())
    _, doc = run(str(tmp_path / "fn.json"), "--function", "fn")
    reports = doc["functions"][0]["reports"]
    assert [(g["version"], g["invocations"], g["p50_ms"]) for g in reports["by_version"]] == [
        ("1", 3, 200.0), ("2", 3, 500.0)]
    assert [(g["memory_mb"], g["invocations"]) for g in reports["by_memory"]] == [(512, 3), (1024, 3)]
    assert reports["at_memory_limit"] == 1
    # a 10-hour span: hourly bins, the six that hold invocations
    assert reports["over_time"]["bin_seconds"] == 3600 and len(reports["over_time"]["bins"]) == 6
    assert [t["billed_ms"] for t in reports["top_billed"][:2]] == [600.0, 500.0]
