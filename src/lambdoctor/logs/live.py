"""Live log groups: ``lambdoctor logs --log-group NAME|PREFIX* --since 7d``.

The aggregation runs where the logs already are: CloudWatch Logs Insights computes the per-function statistics
from the REPORT records (two queries per 50 log groups, the most one query may name), so nothing but a few rows per
function crosses the network. Insights reads every event in the range and bills the bytes it scans ($0.005 per GB
scanned, facts.md §3), which the report says in a note.

Insights sees records, not invocations: it cannot tell which error records belong to a successful invocation.
``--via events`` downloads the events instead (FilterLogEvents, paginated, written to a file as the JSON that
`aws logs filter-log-events` prints) and runs the local engine over them, which does. When Insights is refused
(AccessDenied, a Region or endpoint without it) or answers without the aggregate asked for, the events are
downloaded and a note says so.

boto3 is imported here only: ``scan`` never loads it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from lambdoctor.logs.sources import LogFile
from lambdoctor.stats import FunctionStats

LAMBDA_PREFIX = "/aws/lambda/"
MAX_GROUPS_PER_QUERY = 50  # StartQuery's logGroupNames: at most 50 (CloudWatch Logs API reference)
_SINCE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# Lambda's text REPORT records are parsed by Insights into @duration, @billedDuration, @initDuration, @memorySize and
# @maxMemoryUsed (bytes, 1 MB = 1,000,000: the Lambda operator guide divides by 1000/1000). Those fields exist for
# the text format only: a JSON-format record (LoggingConfig.LogFormat JSON, and every Lambda Managed Instances
# function) is a JSON event, whose keys Insights discovers as `type`, `record.metrics.durationMs`, … (CloudWatch
# Logs User Guide, "Supported logs and discovered fields": JSON keys become fields, nested with dots). So the query
# takes either, by coalesce(). Restore Duration has no discovered field: it is parsed, and counts as the init of a
# SnapStart cold start, as the local path counts it (store.py). strcontains() gives 0 or 1, so its sum counts the
# records that contain a text; an error is Status error or failure on the REPORT, as locally, and the events
# query counts the runtimes' unhandled-error records for logs whose REPORTs carry no Status (older runtimes).
REPORT_QUERY = """filter @type = "REPORT" or type = "platform.report"
| parse @message /Restore Duration: (?<restoreText>[\\d.]+) ms/
| fields coalesce(@duration, record.metrics.durationMs) as d,
  coalesce(@billedDuration, record.metrics.billedDurationMs) as b,
  coalesce(@memorySize, record.metrics.memorySizeMB * 1000 * 1000) as ms,
  coalesce(@maxMemoryUsed, record.metrics.maxMemoryUsedMB * 1000 * 1000) as mu,
  coalesce(@initDuration, record.metrics.initDurationMs, restoreText, record.metrics.restoreDurationMs) as i,
  coalesce(record.status, "") as st
| stats count(*) as invocations,
  sum(strcontains(@message, "Init Duration") + strcontains(@message, "initDurationMs")) as initStarts,
  sum(strcontains(@message, "Restore Duration") + strcontains(@message, "restoreDurationMs")) as restoreStarts,
  pct(d, 50) as d50, pct(d, 90) as d90, pct(d, 99) as d99, max(d) as dmax,
  sum(b) as billed, avg(b) as billedMean, max(ms) as memory,
  pct(mu, 50) as m50, pct(mu, 99) as m99, max(mu) as mmax,
  pct(i, 50) as i50, pct(i, 95) as i95,
  sum(strcontains(@message, "Status: timeout") + strcontains(st, "timeout")) as timeoutReports,
  sum(strcontains(@message, "Runtime.OutOfMemory")) as outOfMemory,
  sum(strcontains(@message, "Status: error") + strcontains(@message, "Status: failure") + strcontains(st, "error")
      + strcontains(st, "failure")) as errorReports,
  min(@timestamp) as first, max(@timestamp) as last
  by @log"""
EVENTS_QUERY = """stats sum(strlen(@message)) as bytes,
  sum(strcontains(@message, "Task timed out after")) as timedOut,
  sum(strcontains(@message, "[ERROR]")) as errorRecords,
  sum(strcontains(@message, "Invoke Error ") + strcontains(@message, "Runtime exited with error")
      + strcontains(@message, "Process exited before completing request")) as unhandledRecords
  by @log"""
HOURLY_QUERY = """filter @type = "REPORT"
| stats count(*) as n by @log, bin(1h) as hour"""


class LiveError(Exception):
    """A live source that cannot be read at all (no such log group, no credentials)."""


@dataclass
class LiveResult:
    stats: list[FunctionStats]
    files: list[LogFile]  # downloaded events, for the local engine
    notes: list[str]
    hourly: dict[str, list[int]]
    groups: list[str]


def parse_since(text: str, now: datetime) -> datetime:
    """`7d`, `12h`, `30m`, `2w`, or an ISO date/time (UTC when it carries no zone)."""
    m = _SINCE.match(text.strip())
    if m:
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LiveError(f"--since {text!r}: give a duration (7d, 12h, 30m, 2w) or an ISO date") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def function_of(group: str) -> str:
    return group[len(LAMBDA_PREFIX):] if group.startswith(LAMBDA_PREFIX) else group.rsplit("/", 1)[-1]


def resolve_groups(logs: Any, given: Sequence[str]) -> list[str]:
    """Exact names, or prefixes ending in `*` (a bare function name means `/aws/lambda/<name>`)."""
    out: list[str] = []
    for name in given:
        prefix = name[:-1] if name.endswith("*") else name
        if not prefix.startswith("/"):
            prefix = LAMBDA_PREFIX + prefix
        found = [g["logGroupName"] for page in logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=prefix) for g in page.get("logGroups", [])]
        matched = found if name.endswith("*") else [g for g in found if g == prefix]
        if not matched:
            raise LiveError(f"no log group {'starts with' if name.endswith('*') else 'is named'} {prefix!r}")
        out.extend(g for g in matched if g not in out)
    return out


def run_query(logs: Any, groups: Sequence[str], start: datetime, end: datetime, query: str,
              sleep: Callable[[float], None] = time.sleep, timeout_s: float = 900) -> list[dict[str, str]]:
    """One Insights query, polled until it completes; rows as {field: value}."""
    query_id = logs.start_query(logGroupNames=list(groups), startTime=int(start.timestamp()),
                                endTime=int(end.timestamp()), queryString=query, limit=10000)["queryId"]
    waited, delay = 0.0, 0.5
    while True:
        answer = logs.get_query_results(queryId=query_id)
        status = answer.get("status")
        if status == "Complete":
            return [{c["field"]: c.get("value", "") for c in row} for row in answer.get("results", [])]
        if status in ("Failed", "Cancelled", "Timeout", "Unknown"):
            raise LiveError(f"the Logs Insights query ended {status}")
        if waited >= timeout_s:
            logs.stop_query(queryId=query_id)
            raise LiveError(f"the Logs Insights query ran longer than {timeout_s:.0f} s")
        sleep(delay)
        waited += delay
        delay = min(delay * 2, 5.0)


def _num(row: dict[str, str], key: str) -> float | None:
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return None


def _int(row: dict[str, str], key: str) -> int:
    value = _num(row, key)
    return int(value) if value is not None else 0


def _rounded(row: dict[str, str], key: str) -> float | None:
    value = _num(row, key)
    return round(value, 2) if value is not None else None


def _mb(value: float | None) -> float | None:
    return round(value / 1_000_000, 2) if value is not None else None


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=None)
    except ValueError:
        return None


def _group_of(log: str) -> str:
    """`@log` is `<account>:<log group>`."""
    return log.split(":", 1)[1] if ":" in log else log


def stats_from_insights(report_rows: Sequence[dict[str, str]],
                        event_rows: Sequence[dict[str, str]]) -> list[FunctionStats]:
    events = {_group_of(r.get("@log", "")): r for r in event_rows}
    out = []
    for row in report_rows:
        group = _group_of(row.get("@log", ""))
        more = events.get(group, {})
        n = _int(row, "invocations")
        memory = _mb(_num(row, "memory"))
        timeouts = max(_int(row, "timeoutReports"), _int(more, "timedOut"))
        first, last = _when(row.get("first")), _when(row.get("last"))
        r2 = partial(_rounded, row)
        out.append(FunctionStats(
            function=function_of(group), invocations=n,
            cold_starts=_int(row, "initStarts") + _int(row, "restoreStarts"),
            duration_ms={"p50": r2("d50"), "p90": r2("d90"), "p99": r2("d99"), "max": r2("dmax")},
            billed_ms_total=_int(row, "billed"), billed_ms_mean=r2("billedMean"),
            memory_mb=round(memory) if memory is not None else None,
            memory_sizes=(round(memory),) if memory is not None else (),
            max_memory_used_mb={"p50": _mb(_num(row, "m50")), "p99": _mb(_num(row, "m99")),
                                "max": _mb(_num(row, "mmax"))},
            init_ms={"p50": r2("i50"), "p95": r2("i95")},
            timeouts=timeouts, out_of_memory=_int(row, "outOfMemory"),
            # Status: error covers out-of-memory; a timeout says Status: timeout (facts.md §2.1). Older runtimes
            # write no Status: their unhandled-error records count instead, one per failed invocation.
            errors=max(_int(row, "errorReports"), _int(more, "unhandledRecords")),
            error_lines_in_success=0, invocations_with_error_lines=0,
            log_bytes=_int(more, "bytes"),
            first=first.isoformat(timespec="milliseconds") + "Z" if first else None,
            last=last.isoformat(timespec="milliseconds") + "Z" if last else None,
            timeout_seconds_seen=None, partial=0, versions=(),
            span_seconds=(last - first).total_seconds() if first and last else None,
            # Insights aggregates all REPORTs together: the successful ones are all but the failed, and their peak,
            # billed mean and median are taken as the whole's (an approximation the local path does not need)
            successes=max(0, n - timeouts - max(_int(row, "errorReports"), _int(more, "unhandledRecords"))),
            success_peak_mb=_mb(_num(row, "mmax")), success_billed_ms_mean=r2("billedMean"),
            success_p50_ms=r2("d50"),
        ))
    return sorted(out, key=lambda s: s.function)


def hourly_from_insights(rows: Sequence[dict[str, str]]) -> dict[str, list[int]]:
    per: dict[str, dict[datetime, int]] = {}
    for row in rows:
        hour = _when(row.get("hour"))
        if hour is not None:
            per.setdefault(function_of(_group_of(row.get("@log", ""))), {})[hour] = _int(row, "n")
    out = {}
    for fn, counts in per.items():
        lo, hi = min(counts), max(counts)
        hours = int((hi - lo).total_seconds() // 3600) + 1
        out[fn] = [counts.get(lo + timedelta(hours=h), 0) for h in range(hours)]
    return out


def _batches(groups: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(groups), MAX_GROUPS_PER_QUERY):
        yield list(groups[i:i + MAX_GROUPS_PER_QUERY])


def via_insights(logs: Any, groups: Sequence[str], start: datetime, end: datetime, hourly: bool,
                 sleep: Callable[[float], None] = time.sleep) -> tuple[list[FunctionStats], dict[str, list[int]]]:
    report_rows: list[dict[str, str]] = []
    event_rows: list[dict[str, str]] = []
    hour_rows: list[dict[str, str]] = []
    for batch in _batches(groups):
        rows = run_query(logs, batch, start, end, REPORT_QUERY, sleep)
        if rows and any("invocations" not in r for r in rows):
            raise LiveError("Logs Insights answered without the statistics asked for")
        report_rows += rows
        event_rows += run_query(logs, batch, start, end, EVENTS_QUERY, sleep)
        if hourly:
            hour_rows += run_query(logs, batch, start, end, HOURLY_QUERY, sleep)
    return stats_from_insights(report_rows, event_rows), hourly_from_insights(hour_rows)


def download(logs: Any, group: str, start: datetime, end: datetime, folder: Path) -> LogFile:
    """All events of one group in the range, streamed page by page to `filter-log-events` JSON."""
    path = folder / (function_of(group).replace("/", "_") + ".json")
    with path.open("w", encoding="utf-8") as out:
        out.write('{"events": [')
        first = True
        pages = logs.get_paginator("filter_log_events").paginate(
            logGroupName=group, startTime=int(start.timestamp() * 1000), endTime=int(end.timestamp() * 1000))
        for page in pages:
            for event in page.get("events", []):
                out.write(("" if first else ",\n") + json.dumps(
                    {k: event[k] for k in ("logStreamName", "timestamp", "message", "eventId") if k in event}))
                first = False
        out.write("]}\n")
    return LogFile(path, function_of(group), "events", shown=group)


def fetch(logs: Any, given: Sequence[str], start: datetime, end: datetime, via: str, folder: Path,
          hourly: bool = False, sleep: Callable[[float], None] = time.sleep) -> LiveResult:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        groups = resolve_groups(logs, given)
    except (ClientError, BotoCoreError) as exc:
        raise LiveError(f"could not list log groups: {_reason(exc)}") from None
    notes: list[str] = []
    if via == "insights":
        try:
            stats, hours = via_insights(logs, groups, start, end, hourly, sleep)
            notes.append(f"statistics computed by CloudWatch Logs Insights over {len(groups)} log group(s); it "
                         "bills the bytes it scans. Error records inside successful invocations need the events: "
                         "--via events")
            return LiveResult(stats, [], notes, hours, groups)
        except (ClientError, BotoCoreError, LiveError) as exc:
            notes.append(f"Logs Insights unavailable ({_reason(exc)}): downloaded the events instead")
    files = []
    for group in groups:
        try:
            files.append(download(logs, group, start, end, folder))
        except (ClientError, BotoCoreError) as exc:
            notes.append(f"{group}: could not read the events ({_reason(exc)})")
    return LiveResult([], files, notes, {}, groups)


def _reason(exc: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".strip().rstrip(":")
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
