"""`lambdoctor logs`: every log shape of facts.md §2, the same statistics from every input layout, the LOG rules'
examples, and bad input counted instead of crashing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT

from lambdoctor.cli import main
from lambdoctor.rules.logs import LOG_RULES, LogRule

DATA = ROOT / "tests" / "data" / "logs"
SOURCE_REPORT = ("REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 702.16 ms\tBilled Duration: 800 ms"
                 "\tMemory Size: 512 MB\tMax Memory Used: 15 MB\n")


def logs(*args: str, stdin: str | None = None) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["logs", *args, "--format", "json"], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def without_times(doc: dict[str, Any]) -> list[dict[str, Any]]:
    # times, and the reports over time, exist only where the records carry times
    return [{k: v for k, v in f.items() if k not in ("first", "last", "reports")} for f in doc["functions"]]


def test_sources_report_line_yields_log001_with_size_and_saving(tmp_path: Path) -> None:
    # One invocation is no sample: LOG001 needs 10 successful ones (thresholds.memory_min_invocations).
    (tmp_path / "one.log").write_text(SOURCE_REPORT)
    code, doc = logs(str(tmp_path / "one.log"), "--prices", "2019-06")
    assert code == 0 and doc["findings"] == []
    many = "".join(SOURCE_REPORT.replace("754dd98c7be3", f"754dd98c7b{i:02x}") for i in range(10))
    for name, text in (("tabs.log", many), ("spaces.log", many.replace("\t", " "))):
        (tmp_path / name).write_text(text)
        code, doc = logs(str(tmp_path / name), "--prices", "2019-06")
        assert code == 0
        [finding] = doc["findings"]
        assert finding["rule"] == "LOG001" and finding["confidence"] == "low"
        # (512 − 128) MB × 0.8 s × $0.0000166667 per GB-s = $5.00 per million invocations; at 128 MB the function
        # gets 128/1,769 of a vCPU instead of 512/1,769: up to 4× longer if CPU-bound (702 ms → 2,809 ms).
        assert finding["message"] == (
            "max memory used 15 MB of 512 MB over 10 successful invocations: 128 MB saves up to $5.00 per million "
            "invocations (the logs carry no time span to project a month from); CPU follows memory (0.29 → 0.07 "
            "vCPU): if the work is CPU-bound it may run up to 4.0× longer (p50 702 ms → up to 2,809 ms), which "
            "saves nothing, so the saving assumes the duration stays")
        assert doc["functions"][0]["billed_ms_total"] == 8000


def test_sample_statistics_and_findings() -> None:
    code, doc = logs(str(DATA / "sample.log"), "--function", "orders-api")
    assert code == 0
    [stats] = doc["functions"]
    stats.pop("reports")  # tests/logs/test_real_records.py
    assert stats == {
        "function": "orders-api", "invocations": 4, "cold_starts": 1,
        "duration_ms": {"p50": 100.0, "p90": 2130.0, "p99": 2913.0, "max": 3000.0},
        "billed_ms_total": 3621, "memory_mb": 512, "memory_sizes_seen": [512],
        "max_memory_used_mb": {"p50": 62.5, "p99": 63.97, "max": 64.0}, "init_ms": {"p50": 400.0, "p95": 400.0},
        "timeouts": 1, "out_of_memory": 0, "errors": 1, "error_lines_in_success": 1,
        "invocations_with_error_lines": 1, "log_bytes": 1734, "partial": 0, "versions": ["$LATEST"],
        "first": None, "last": None, "platform_bytes": 973, "init_failures": 0, "init_timeouts": 0}
    # 4 invocations: too few for LOG001 (10 successful ones)
    assert [f["rule"] for f in doc["findings"]] == ["LOG003", "LOG004", "LOG006"]
    assert doc["skipped_lines"] == 0


def test_export_layout_and_filter_log_events_give_the_same_statistics_as_plain_text() -> None:
    _, text = logs(str(DATA / "sample.log"), "--function", "orders-api")
    _, export = logs(str(DATA / "export"))  # the function comes from the export's destination prefix
    _, events = logs(str(DATA / "sample-events.json"), "--function", "orders-api")
    assert without_times(text) == without_times(export) == without_times(events)
    assert [f["rule"] for f in export["findings"]] == [f["rule"] for f in text["findings"]]
    # Exported and API records carry times; bare messages do not.
    assert export["functions"][0]["first"] == events["functions"][0]["first"] == "2026-11-01T10:00:00.500Z"


def test_stdin_gz_and_request_id(tmp_path: Path) -> None:
    text = (DATA / "sample.log").read_text()
    _, piped = logs("-", "--function", "orders-api", stdin=text)
    packed = tmp_path / "orders-api.log.gz"
    with gzip.open(packed, "wt") as fh:
        fh.write(text)
    _, zipped = logs(str(packed))
    _, plain = logs(str(DATA / "sample.log"), "--function", "orders-api")
    assert without_times(piped) == without_times(zipped) == without_times(plain)
    out = CliRunner().invoke(main, ["logs", str(DATA / "sample-events.json"), "--request-id",
                                    "33333333-3333-4333-8333-333333333333"])
    shown = [line.split(": ", 1)[1] for line in out.output.splitlines() if ": " in line]
    assert shown[0] == "START RequestId: 33333333-3333-4333-8333-333333333333 Version: $LATEST"
    assert shown[1] == "[ERROR] KeyError: 'order_id'"
    assert shown[-1].startswith("REPORT RequestId: 33333333-3333-4333-8333-333333333333\tDuration: 20.00 ms")


def test_json_log_format_snapstart_and_status_fields(tmp_path: Path) -> None:
    # facts.md §2.2 (a real capture) and §2.1 (SnapStart, Status, Error Type, X-Ray on the next line).
    records = [
        '{"time":"2026-10-08T07:30:27.768Z","type":"platform.initStart","record":{"initializationType":"on-demand",'
        '"phase":"init","runtimeVersion":"nodejs:22.mainline.v122","functionName":"tenner-notifier",'
        '"functionVersion":"$LATEST"}}',
        '{"time":"2026-10-08T07:30:28.235Z","type":"platform.start","record":{"requestId":'
        '"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","functionArn":"arn:aws:lambda:eu-central-1:825765399535:function:'
        'tenner-notifier","version":"$LATEST"}}',
        '{"timestamp":"2026-10-08T07:30:28.300Z","level":"ERROR","requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36",'
        '"message":"retrying"}',
        '{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"requestId":'
        '"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{"durationMs":1233.96,"billedDurationMs":1698,'
        '"memorySizeMB":256,"maxMemoryUsedMB":123,"initDurationMs":463.512},"status":"success"}}',
        '{"time":"2026-10-08T07:31:29.470Z","type":"platform.report","record":{"requestId":'
        '"0b5e81f7-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{"durationMs":1072.145,"billedDurationMs":1073,'
        '"memorySizeMB":256,"maxMemoryUsedMB":256},"status":"error","errorType":"Runtime.OutOfMemory"}}',
        '{"time":"2026-10-08T07:32:00.000Z","type":"platform.telemetrySubscription","record":{"name":"x"}}',
    ]
    (tmp_path / "tenner-notifier.log").write_text("\n".join(records) + "\n")
    _, doc = logs(str(tmp_path / "tenner-notifier.log"))
    [s] = doc["functions"]
    assert (s["invocations"], s["cold_starts"], s["out_of_memory"], s["errors"], s["error_lines_in_success"]) == \
        (2, 1, 1, 1, 1)
    assert s["init_ms"]["p50"] == 463.51 and s["memory_mb"] == 256
    assert {f["rule"] for f in doc["findings"]} == {"LOG002", "LOG006"}

    snap = ("REPORT RequestId: 8c360c87-d4b7-4423-b5f3-af02be3c1763\tDuration: 2338.66 ms\tBilled Duration: 2521 ms"
            "\tMemory Size: 3009 MB\tMax Memory Used: 173 MB\tRestore Duration: 398.97 ms\t"
            "Billed Restore Duration: 182 ms\t\n"
            "REPORT RequestId: 806ab12b-e660-4a4a-8d9a-eee01e457f98\tDuration: 376256.59 ms\tBilled Duration: "
            "376257 ms\tMemory Size: 10239 MB\tMax Memory Used: 10239 MB\tInit Duration: 551.73 ms\tStatus: error"
            "\tError Type: Runtime.OutOfMemory\n"
            "REPORT RequestId: 1c8df7d3-0000-4000-8000-000000000001\tDuration: 120000 ms\tBilled Duration: 120000 ms"
            "\tMemory Size: 512 MB\tMax Memory Used: 512 MB\tStatus: timeout\n"
            "XRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true\n")
    (tmp_path / "mixed.log").write_text(snap)
    _, doc = logs(str(tmp_path / "mixed.log"))
    [s] = doc["functions"]
    assert (s["invocations"], s["cold_starts"], s["out_of_memory"], s["timeouts"]) == (3, 2, 1, 1)
    assert s["init_ms"]["p50"] == 475.35  # the restore and the init duration, as cold-start latency
    assert sorted(s["memory_sizes_seen"]) == [512, 3009, 10239]


def test_bad_input_is_counted_not_fatal(tmp_path: Path) -> None:
    good = (DATA / "sample.log").read_bytes()
    junk = (b"\xff\xfe\x00binary\x80junk\n" + b"REPORT RequestId: cut-off\tDuration: \n"
            + b"END RequestId: 55555555-5555-4555-8555-555555555555\n" + b"x" * (9 * 1024 * 1024) + b"\n"
            + b'{"time":"2026-11-01T10:00:00Z","type":"platform.unknownThing","record":{}}\n'
            + b"START RequestId: 66666666-6666-4666-8666-666666666666 Version: 3\n")
    (tmp_path / "orders-api.log").write_bytes(good + good + junk)  # the same records twice: duplicates
    code, doc = logs(str(tmp_path / "orders-api.log"))
    assert code == 0
    [s] = doc["functions"]
    assert s["invocations"] == 4 and s["partial"] == 1
    # 1 line not UTF-8, 1 line longer than a log event, 1 REPORT without its fields, 4 duplicate REPORTs
    assert doc["skipped_lines"] == 7
    assert doc["notes"] == [
        "2 line(s) skipped: not UTF-8 text, or longer than a log event",
        "1 REPORT record(s) without the fields a REPORT has: skipped",
        "4 duplicate REPORT record(s) counted once (overlapping inputs)",
        "1 invocation(s) with a START but no REPORT (cut off or still running)",
    ]
    (tmp_path / "broken.json").write_text('{"events": [{"message": ')
    code, doc = logs(str(tmp_path / "broken.json"))
    assert code == 2 and doc["findings"][0]["rule"] == "SYS000"
    assert doc["findings"][0]["message"].startswith("could not read this log:")


def test_a_start_without_its_report_is_partial_even_when_another_invocation_follows(tmp_path: Path) -> None:
    # The first invocation's END and REPORT never arrived (a cut-off log); the stream goes on with the next one.
    (tmp_path / "worker.log").write_text(
        "START RequestId: aaaaaaaa-0000-4000-8000-000000000001 Version: 7\n"
        "[ERROR]\t2026-11-01T10:00:00.100Z\taaaaaaaa-0000-4000-8000-000000000001\tlost work\n"
        "START RequestId: bbbbbbbb-0000-4000-8000-000000000002 Version: 7\n"
        "END RequestId: bbbbbbbb-0000-4000-8000-000000000002\n"
        "REPORT RequestId: bbbbbbbb-0000-4000-8000-000000000002\tDuration: 10.00 ms\tBilled Duration: 10 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 50 MB\t\n")
    _, doc = logs(str(tmp_path / "worker.log"))
    [s] = doc["functions"]
    assert (s["invocations"], s["partial"], s["versions"]) == (1, 1, ["7"])
    assert "1 invocation(s) with a START but no REPORT (cut off or still running)" in doc["notes"]


def test_template_timeout_drives_log004(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      FunctionName: orders-api\n      Runtime: python3.12\n      Handler: app.handler\n"
        "      InlineCode: 'def handler(e, c): pass'\n      Timeout: 1\n      MemorySize: 512\n")
    (tmp_path / "orders-api.log").write_text(
        "REPORT RequestId: 5f0c8d0e-1d7a-4b0e-9f55-0e1f1c2a9a01\tDuration: 900.00 ms\tBilled Duration: 900 ms\t"
        "Memory Size: 512 MB\tMax Memory Used: 300 MB\n")
    _, doc = logs(str(tmp_path / "orders-api.log"), "--template", str(tmp_path / "template.yaml"))
    [finding] = doc["findings"]
    assert finding["rule"] == "LOG004" and finding["resource"] == "Orders" and finding["line"] == 4
    assert finding["message"].startswith("p99 duration 900 ms is 90.0 % of the 1 s timeout (configured)")


def test_when_the_template_and_the_logs_disagree_on_the_timeout_the_logs_win_and_the_finding_says_so(
        tmp_path: Path) -> None:
    """The template says 30 s; the deployed function timed out after 3 s (the line Lambda writes, DG "Configure
    Lambda function timeout"): the logs are what ran, and the difference itself is news to the user."""
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Orders:\n    Type: AWS::Lambda::Function\n"
        "    Properties:\n      FunctionName: orders-api\n      Runtime: python3.12\n      Handler: app.handler\n"
        "      InlineCode: 'def handler(e, c): pass'\n      Timeout: 30\n")
    rid = "2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47"
    (tmp_path / "orders-api.log").write_text(
        f"START RequestId: {rid} Version: $LATEST\n"
        f"2026-11-01T10:00:03.003Z {rid} Task timed out after 3.00 seconds\n"
        f"END RequestId: {rid}\n"
        f"REPORT RequestId: {rid}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 52 MB\n")
    _, doc = logs(str(tmp_path / "orders-api.log"), "--template", str(tmp_path / "template.yaml"))
    messages = {f["rule"]: f["message"] for f in doc["findings"]}
    disagreement = ("the logs' 'Task timed out after' lines; the template says 30 s: the deployed function is not "
                    "what the template describes")
    assert messages["LOG003"] == f"1 of 1 invocations (100.0 %) timed out at 3 s ({disagreement})"
    assert messages["LOG004"].startswith(f"p99 duration 3,000 ms is 100.0 % of the 3 s timeout ({disagreement})")


def _steady(tmp_path: Path, hours: int, per_hour: int, bursty: bool) -> Path:
    lines = []
    for h in range(hours):
        n = per_hour if not bursty or h % 2 else per_hour // 10
        for i in range(n):
            ms = (i * 3_600_000) // n
            ts = f"2026-11-{1 + h // 24:02d}T{h % 24:02d}:{ms // 60000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}Z"
            lines.append(f"{ts} REPORT RequestId: {h:08d}-0000-4000-8000-{i:012d}\tDuration: 1000.00 ms\t"
                         "Billed Duration: 1000 ms\tMemory Size: 512 MB\tMax Memory Used: 400 MB\t")
    path = tmp_path / ("bursty.log" if bursty else "steady.log")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cost003_steady_load_against_an_always_on_price(tmp_path: Path) -> None:
    steady = _steady(tmp_path, 26, 360, bursty=False)
    # 360 an hour at 1 s and 512 MB: about 259,000 invocations a month (the span is first to last REPORT), $2.21.
    _, doc = logs(str(steady), "--always-on-usd", "1", "--select", "COST003")
    [finding] = doc["findings"]
    assert finding["rule"] == "COST003"
    assert "$2.21 a month on Lambda against $1.00 always on, $14.54 a year more" in finding["message"]
    _, cheaper = logs(str(steady), "--always-on-usd", "5", "--select", "COST003")
    assert cheaper["findings"] == []
    _, quiet = logs(str(_steady(tmp_path, 26, 360, bursty=True)), "--always-on-usd", "1", "--select", "COST003")
    assert quiet["findings"] == []
    _, without = logs(str(steady), "--select", "COST003")
    assert without["findings"] == []


@pytest.mark.parametrize("rule", [r for r in LOG_RULES if r.id != "COST003"], ids=lambda r: r.id)
def test_log_rule_example_fires_and_use_instead_is_silent(rule: type[LogRule], tmp_path: Path) -> None:
    for section, expect in (("Example", True), ("Use instead", False)):
        path = tmp_path / f"{section.replace(' ', '-')}.log"
        path.write_text(rule.example(section))
        _, doc = logs(str(path), "--select", rule.id)
        fired = [f for f in doc["findings"] if f["rule"] == rule.id]
        assert bool(fired) is expect, f"{rule.id} {section}: {doc['findings']}"
        assert not [f for f in doc["findings"] if f["rule"].startswith("SYS")]


def test_corpus_free_folder_without_logs_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# not a log\n")
    result = CliRunner().invoke(main, ["logs", str(tmp_path)])
    assert result.exit_code == 2


def test_invocations_assembled_in_pieces_are_the_ones_assembled_in_one(tmp_path: Path) -> None:
    """A large file is assembled in pieces that end at a REPORT: bytes, versions, errors, timeouts, cold starts and
    the cut-off invocation at the end come out the same as from one piece."""
    from lambdoctor.logs.sources import LogFile
    from lambdoctor.logs.store import LogStore

    lines = []
    for i in range(60):
        rid = f"{i:08x}-0000-4000-8000-000000000000"
        ts = f"2026-11-01T10:{i // 60:02d}:{i % 60:02d}.000Z"
        version = "$LATEST" if i % 7 else str(i)  # a START naming another version is kept whole
        if i % 5 == 0:
            lines.append(f"{ts} INIT_START Runtime Version: python:3.12.v30")
        lines.append(f"{ts} START RequestId: {rid} Version: {version}")
        lines += [f"{ts} [INFO]\t{ts}\t{rid}\tworking on item {i}", f"{ts} print line {'x' * i}"]
        status = ""
        if i % 11 == 3:
            lines.append(f"{ts} [ERROR]\t{ts}\t{rid}\tdownstream said no")
        if i % 13 == 4:
            lines.append(f"{ts} [ERROR] KeyError: 'order_id'\rTraceback (most recent call last):")
            status = "\tStatus: error\tError Type: KeyError"
        if i % 17 == 5:
            lines.append(f"{ts} {ts} {rid} Task timed out after 3.00 seconds")
        init = f"\tInit Duration: {100 + i}.50 ms" if i % 5 == 0 else ""
        lines += [f"{ts} END RequestId: {rid}",
                  f"{ts} REPORT RequestId: {rid}\tDuration: {i}.25 ms\tBilled Duration: {i + 1} ms\t"
                  f"Memory Size: 256 MB\tMax Memory Used: {60 + i} MB{init}{status}\t", ""]
    lines.append("2026-11-01T11:00:00.000Z START RequestId: ffffffff-0000-4000-8000-000000000000 Version: $LATEST")
    (tmp_path / "worker.log").write_text("\n".join(lines) + "\n")
    files = [LogFile(tmp_path / "worker.log", "worker", "text")]

    def table(piece_rows: int) -> tuple[int, list[tuple[Any, ...]]]:
        with LogStore(piece_rows=piece_rows) as store:
            store.ingest(files)
            return store.pieces, store.con.execute("SELECT * FROM invocations ORDER BY seg").fetchall()

    (one_piece, whole), (pieces, pieced) = table(1_000_000), table(10)
    assert (one_piece, pieces) == (1, 12)
    assert pieced == whole
    assert len(whole) == 61 and whole[-1][2] == "ffffffff-0000-4000-8000-000000000000"  # the cut-off START
    # every message's bytes and its newline, without the export's timestamp prefix (25 bytes)
    assert sum(row[13] for row in whole) == sum(len(line) - 25 + 1 for line in lines if line)


def test_a_function_split_over_overlapping_files_is_finished_once_all_of_them_are_in(tmp_path: Path) -> None:
    """Duplicates and statistics are taken per function by the worker thread that completes it: with the function's
    invocations in two overlapping exports, in pieces, beside another function, they match one clean file."""
    from lambdoctor.logs.sources import LogFile
    from lambdoctor.logs.store import LogStore

    def invocations(first: int, last: int) -> str:
        out = []
        for i in range(first, last):
            rid, ts = f"{i:08x}-0000-4000-8000-000000000000", f"2026-11-01T10:00:{i:02d}.000Z"
            out += [f"{ts} START RequestId: {rid} Version: $LATEST", f"{ts} [INFO]\t{ts}\t{rid}\titem {'x' * i}",
                    f"{ts} REPORT RequestId: {rid}\tDuration: {i}.50 ms\tBilled Duration: {i + 1} ms\t"
                    f"Memory Size: {256 if i % 3 else 512} MB\tMax Memory Used: {40 + i} MB\t"]
        return "\n".join(out) + "\n"

    (tmp_path / "a.log").write_text(invocations(0, 40))
    (tmp_path / "b.log").write_text(invocations(20, 60))  # 20 invocations exported twice
    (tmp_path / "c.log").write_text(invocations(0, 30))
    (tmp_path / "whole.log").write_text(invocations(0, 60))
    files = [LogFile(tmp_path / "a.log", "api", "text"), LogFile(tmp_path / "c.log", "worker", "text"),
             LogFile(tmp_path / "b.log", "api", "text")]
    with LogStore(threads=2, piece_rows=10) as store:
        store.ingest(files)
        report, (api, worker) = store.report(), store.function_stats()
        assert store.pieces > 6
    with LogStore(threads=2, piece_rows=10) as store:  # `--capacity --from-logs`: durations only
        store.ingest(files, statistics=False)
        assert store.report() == report and store.function_stats() == []
        assert sorted(store.durations()["api"]) == [i + 0.5 for i in range(60)]
    with LogStore(threads=1) as store:
        store.ingest([LogFile(tmp_path / "whole.log", "api", "text")])
        [whole] = store.function_stats()
    assert report.duplicates == 20 and report.problems == ()
    assert api == whole and api.invocations == 60 and api.memory_mb == 256 and api.memory_sizes == (256, 512)
    assert (worker.function, worker.invocations) == ("worker", 30)


def test_the_last_files_are_read_before_ready_pieces_are_assembled() -> None:
    # A file's pieces cannot start before its reading ends: with pieces always first, the other core sat idle while
    # the last file was read. Before the last files, pieces go first (their stored lines are freed sooner).
    from lambdoctor.logs.sources import LogFile
    from lambdoctor.logs.store import _Piece, _Work

    files = [(i, LogFile(Path(f"{i}.log"), "fn", "text")) for i in range(3)]
    work = _Work(list(files), eager=1)

    def piece(src: int) -> _Piece:
        return _Piece(src, files[src][1], f"kept_{src}", -1, None, 0, 0, 0, 0)

    assert work.take() == files[0]
    assert work.read_done("fn", [piece(0)]) is False
    assert work.take() == piece(0)  # two files left to read: the ready piece first
    assert work.piece_done(piece(0)) == (True, False)  # its file's table can go; the function has more files
    assert work.take() == files[1]
    assert work.read_done("fn", [piece(1)]) is False
    assert work.take() == files[2]  # the last file: read before the ready piece
    assert work.take() == piece(1)
    assert work.read_done("fn", []) is False  # piece 1 is still being assembled
    assert work.piece_done(piece(1)) == (True, True)  # now the function's invocations are all in
    assert work.take() is None
    assert work.pieces == 2


def test_a_line_that_says_timed_out_without_being_a_lambda_timeout_changes_nothing(tmp_path: Path) -> None:
    # Timeouts are looked for by `k timed out` (a cheap needle); `network timed out` matches it too.
    rid = "7a6b5c4d-1111-4222-8333-944445555666"
    lines = [f"START RequestId: {rid} Version: $LATEST", "[WARNING]\tupstream network timed out, retrying",
             f"END RequestId: {rid}",
             f"REPORT RequestId: {rid}\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB"
             "\tMax Memory Used: 60 MB\t"]
    (tmp_path / "fn.log").write_text("\n".join(lines) + "\n")
    code, doc = logs(str(tmp_path / "fn.log"))
    assert code == 0
    [stats] = doc["functions"]
    assert (stats["invocations"], stats["timeouts"], stats["errors"], stats["error_lines_in_success"]) == (1, 0, 0, 0)
    assert stats["log_bytes"] == sum(len(line) + 1 for line in lines)


def test_small_files_of_many_functions_read_together_give_what_each_file_gives_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder of small logs of many functions (one file each, a few each, gzip ones, overlapping exports, one
    function with a large file, one cut off) read in shared batches gives the statistics, counts and invocation rows
    that reading every file alone gives."""
    import lambdoctor.logs.store as store_module
    from lambdoctor.logs.sources import discover
    from lambdoctor.logs.store import LogStore, batch_small_files

    def invocations(first: int, last: int, memory: int = 128) -> str:
        out = []
        for i in range(first, last):
            rid, ts = f"{i:08x}-0000-4000-8000-{memory:012d}", f"2026-11-01T10:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
            init = "\tInit Duration: 210.25 ms" if i % 9 == 0 else ""
            out += [f"{ts} START RequestId: {rid} Version: $LATEST", f"{ts} [INFO]\t{ts}\t{rid}\titem {'x' * (i % 40)}"]
            if i % 7 == 3:
                out.append(f"{ts} [ERROR]\t{ts}\t{rid}\tdownstream said no")
            if i % 11 == 5:
                out.append(f"{ts} {ts} {rid} Task timed out after 3.00 seconds")
            out += [f"{ts} END RequestId: {rid}",
                    f"{ts} REPORT RequestId: {rid}\tDuration: {i % 97}.50 ms\tBilled Duration: {i % 97 + 1} ms\t"
                    f"Memory Size: {memory} MB\tMax Memory Used: {40 + i % 50} MB{init}\t"]
        return "\n".join(out) + "\n"

    root = tmp_path / "logs" / "aws" / "lambda"

    def put(function: str, name: str, text: str) -> None:
        (root / function).mkdir(parents=True, exist_ok=True)
        if name.endswith(".gz"):
            (root / function / name).write_bytes(gzip.compress(text.encode()))
        else:
            (root / function / name).write_text(text)

    for n in range(60):
        put(f"solo-{n}", "000000.log", invocations(n, n + 1 + n % 3, 128 + 64 * (n % 4)))
    for n in range(20):
        put(f"overlap-{n}", "a.log", invocations(0, 6))
        put(f"overlap-{n}", "b.log", invocations(3, 9))  # 3 invocations exported twice
        put(f"zipped-{n}", "000000.gz", invocations(n, n + 4, 256))
        put(f"zipped-{n}", "000001.gz", invocations(n + 4, n + 6, 256))
    put("large", "big.log", invocations(0, 8000))  # over 1 MiB: read alone, and its function's small files too
    put("large", "small.log", invocations(8000, 8003))
    put("cut", "a.log", invocations(0, 3) + "2026-11-01T11:00:00.000Z START RequestId: cut Version: $LATEST\n")
    put("cut", "b.log", invocations(3, 5))
    files, problems = discover([tmp_path / "logs"])
    assert problems == [] and len(files) == 60 + 80 + 4

    batches = batch_small_files(files)
    shared = [f for f in batches if f.part_functions]
    assert len(batches) < 12 and {fn for f in shared for fn in f.part_functions} == (
        {f"solo-{n}" for n in range(60)} | {f"{k}-{n}" for k in ("overlap", "zipped") for n in range(20)})

    def read(statistics: bool) -> tuple[Any, ...]:
        with LogStore(threads=2, piece_rows=4000) as store:  # the large file in a few pieces
            store.ingest(files, statistics=statistics)
            rows = store.con.execute(
                "SELECT * EXCLUDE (src, seg) FROM invocations ORDER BY ALL").fetchall()
            durations = {fn: sorted(d) for fn, d in store.durations().items()}
            return store.report(), store.function_stats(), rows, durations

    together, together_counts = read(True), read(False)
    monkeypatch.setattr(store_module, "batch_small_files", lambda files: list(files))
    alone, alone_counts = read(True), read(False)
    assert together == alone and together_counts == alone_counts
    report, stats, rows, _ = together
    assert (report.duplicates, report.partial, report.problems) == (60, 1, ())
    by_name = {s.function: s for s in stats}
    assert len(by_name) == 102 and by_name["large"].invocations == 8003 and by_name["overlap-3"].invocations == 9
    assert sum(1 for row in rows if row[0] == "large") == 8003
    assert by_name["zipped-7"].invocations == 6 and by_name["solo-5"].memory_mb == 192
