"""Log records in DuckDB: lines are read, classified and assembled into invocations by SQL, never by a Python loop.

Per text file, two kinds of statement, each streamed from end to end (nothing is grouped or sorted, so memory does
not grow with the file beyond the lines kept):

1. Reading: each line is read by DuckDB's CSV reader (one line = one value, no quoting) and gets a kind and its
   byte position (a running sum, which DuckDB streams in file order). Only the lines that matter are stored:
   REPORT (kind 1), START (2) and the few others that may say an invocation failed (3: errors, timeouts, crashes);
   application lines are dropped after their bytes are counted.
2. Assembling, in pieces of whole invocations: within one log stream an execution environment handles one
   invocation at a time, and REPORT is its last line, so the kept lines after one REPORT, up to and including the
   next, are one invocation (a segment). Each kept line is reduced to its facts, running counts and "the last
   version / error seen" are carried down the lines; only the REPORT rows (and each stream's last row) stay, and
   the difference to the previous one gives the invocation's own bytes and errors.

Files and pieces run in parallel on Python threads with a cursor each (each statement is sequential within its
file). `aws logs filter-log-events` output is one statement per file, partitioned by log stream. When a function's
last piece is in, the thread that assembled it removes the function's duplicates and takes its statistics, while
the other thread goes on. The database is in memory; DuckDB's ``memory_limit`` bounds it and it spills to a
temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lambdoctor.logs.sources import LogFile
from lambdoctor.problems import Problem
from lambdoctor.stats import FunctionStats, IngestReport

if TYPE_CHECKING:
    import duckdb

_ISO_PREFIX = re.compile(rb"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z ")
_EPOCH_PREFIX = re.compile(rb"^\d{13} ")
MAX_LINE_BYTES = 2 * 1024 * 1024  # a CloudWatch event is at most 1 MB (256 KB before 2025); longer is not a log line
# (the CSV reader sizes its buffers from this: 8 MB made it fault in 45 % more pages than 2 MB)

# The kind of a line, from substring tests only (cheap on every line); regular expressions run on kept lines.
# Application lines (most of a log) fail four tests and are dropped. INIT_*/RESTORE_* lines and platform records
# other than start/report say nothing an invocation row holds, so they are dropped too. One test per WHEN: an OR
# of two tests costs more than two WHENs. A needle longer than 8 bytes is found by memchr on its first byte, so it
# starts with a byte that is rare in log text: `k timed out`, not `Task timed out`, since every exported line has a
# `T` in its timestamp (on the generated log that test alone runs 35 % faster, the whole read 3.7 %). A line it
# catches that is no timeout (`network timed out`) is only kept: its failure facts below are all false.
_KIND = r"""
CASE
  WHEN contains(line, 'RequestId: ') THEN
    CASE WHEN contains(line, 'REPORT RequestId: ') THEN 1
         WHEN contains(line, 'START RequestId: ') THEN 2
         WHEN contains(line, 'END RequestId: ') THEN 0
         ELSE 3 END
  WHEN contains(line, 'ERROR') THEN 3
  WHEN contains(line, 'k timed out') THEN 3
  WHEN contains(line, '"type":"platform.') THEN
    CASE WHEN contains(line, '"type":"platform.report"') THEN 1
         WHEN contains(line, '"type":"platform.start"') THEN 2
         ELSE 0 END
  ELSE 0
END"""

# One line = one value: a delimiter no log holds, no quoting. The second column is never filled; declaring it with
# null_padding makes the reader skip blank lines (an export puts one after every event whose message ends in a
# newline: half the lines of a typical export), which count 0 bytes anyway.
_READ_TEXT = r"""read_csv($path, columns={'line': 'VARCHAR', 'padding': 'VARCHAR'}, delim=E'\x01\x1f\x02\x1e', quote='',
  escape='', header=false, auto_detect=false, new_line='\n', strict_mode=false, null_padding=true, ignore_errors=true,
  max_line_size=$max_line, store_rejects=true, rejects_table=$rejects, rejects_scan=$rejects_scan,
  compression=$compression)"""

# -- reading: the lines that matter, in order, with their byte position ---------------------------------------------
# Only REPORT (1), START (2) and the lines that may say an invocation failed (3) pass the filter, stored as they are.
# The byte position is a running sum over all lines, which DuckDB streams in file order. Columns: pos, kind, line (the
# stream, the order within it and the time are added when read back). Every expression after the filter runs on
# chunks the filter left a quarter full: cutting a plain START down to its request ID here cost more than storing the
# whole line and cutting it when read back (0.962 s against 1.001 s on the 239 MB file, alternating runs).
_KEPT_FROM_TEXT = f"""
SELECT CAST(sum(nbytes) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS pos, kind, line
FROM (
  SELECT line, {_KIND} AS kind,
    -- a line the export prefixed with its timestamp counts without it; a message's continuation lines have
    -- none (an ISO date starts with 2, epoch milliseconds with 1: one byte compared, not a pattern)
    strlen(line) + 1 - CASE WHEN starts_with(line, $lead) THEN least($prefix, strlen(line)) ELSE 0 END AS nbytes
  FROM {_READ_TEXT})
QUALIFY kind > 0
"""

# The same, for small files of several functions read together: each kept line keeps the file it came from.
_KEPT_FROM_PARTS = (_KEPT_FROM_TEXT.replace("kind, line\nFROM (", "kind, line, filename\nFROM (")
                    .replace("SELECT line, ", "SELECT line, filename, ")
                    .replace("compression=$compression)", "compression=$compression, filename=true)"))
assert _KEPT_FROM_PARTS.count("filename") == 3

# `aws logs filter-log-events` output interleaves streams; order inside each stream by time, then event ID.
_KEPT_FROM_EVENTS = f"""
SELECT * FROM (
  SELECT stream, row_number() OVER w AS ord, line, ts, kind, sum(strlen(coalesce(line, ''))) OVER w AS pos
  FROM (SELECT *, {_KIND} AS kind FROM (
    SELECT coalesce(e.logStreamName, '') AS stream, make_timestamp(e."timestamp" * 1000) AS ts,
           e.message AS line, coalesce(e.eventId, lpad(CAST(n AS VARCHAR), 20, '0')) AS seq
    FROM (SELECT unnest(events) AS e, generate_subscripts(events, 1) AS n FROM __SOURCE__)))
  WINDOW w AS (PARTITION BY stream ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) WHERE kind > 0
"""

# -- assembling, first: each kept line's facts -------------------------------------------------------------------
# `START RequestId: <id> Version: <v>` (text and `filter-log-events` messages, stored whole) or a platform.start
# record (JSON). The version is '' when a START names none, so that it still replaces the previous START's version
# down the window. `… Version: $LATEST` is the START of nearly every text log: its request ID is cut by position.
_PLAIN_START = "ends_with(line, ' Version: $LATEST') AND contains(line, 'START RequestId: ')"
_PLAIN_START_RID = ("substr(line, strpos(line, 'START RequestId: ') + 17, "
                    "strlen(line) - strpos(line, 'START RequestId: ') - 33)")
_START = rf"""CASE
  WHEN {_PLAIN_START} THEN struct_pack(rid := {_PLAIN_START_RID}, version := '$LATEST')
  WHEN contains(line, '"type":"platform.start"') THEN struct_pack(
    rid := json_extract_string(substr(line, strpos(line, '{{')), '$.record.requestId'),
    version := coalesce(json_extract_string(substr(line, strpos(line, '{{')), '$.record.version'), ''))
  ELSE struct_pack(
    rid := split_part(split_part(substr(line, strpos(line, 'START RequestId: ') + 17, 100), ' ', 1), chr(9), 1),
    version := CASE WHEN contains(line, 'Version: ')
      THEN rtrim(substr(line, strpos(line, 'Version: ') + 9, 200), chr(9) || chr(10) || chr(13) || ' ')
      ELSE '' END)
  END"""

# A line that may say an invocation failed (kind 3): is it an error line, an unhandled error (a Python one,
# `[ERROR] KeyError: 'x'\rTraceback…`, a Node one, `\tERROR\tInvoke Error `, the Python runtime's JSON form,
# `"log_level":"ERROR"` with an errorType, or a crashed runtime), which type did it raise, was the runtime killed,
# did the invocation time out and after how long. DuckDB string literals have no backslash escapes: a tab is chr(9).
_FAILURE = r"""struct_pack(
  error_line := contains(line, '[ERROR]' || chr(9))
    OR (contains(line, chr(9) || 'ERROR' || chr(9)) AND NOT contains(line, chr(9) || 'ERROR' || chr(9) || 'Invoke Error '))
    OR contains(line, '"level":"ERROR"'),
  unhandled := regexp_matches(line, '\[ERROR\] [A-Za-z_][\w.]*(: |$|\r)')
    OR contains(line, chr(9) || 'ERROR' || chr(9) || 'Invoke Error ')
    OR (contains(line, '"log_level":"ERROR"') AND contains(line, '"errorType"'))
    OR contains(line, 'Runtime exited with error'),
  raised := CASE WHEN contains(line, '[ERROR] ')
                 THEN nullif(regexp_extract(line, '\[ERROR\] ([A-Za-z_][\w.]*)', 1), '') END,
  killed := contains(line, 'Runtime exited with error: signal: killed'),
  timeout_s := CASE WHEN contains(line, 'Task timed out after')
                    THEN try_cast(regexp_extract(line, 'Task timed out after ([\d.]+) seconds', 1) AS DOUBLE) END)"""

# The facts of a REPORT line. A text REPORT reads
# `REPORT RequestId: <id>\tDuration: <d> ms\tBilled Duration: <b> ms\tMemory Size: <m> MB\tMax Memory Used: <u> MB\t`
# then `Init Duration: <i> ms\t` or `Restore Duration: <r> ms\t…` when cold, then Status/Error Type when it failed
# (facts.md §2.1). Split on tabs, the fields sit at fixed places with fixed labels, so a substring cuts the number
# out: several times cheaper than a regular expression with groups. A REPORT whose tabs became spaces (copied from
# a web page) takes the slower label search; a JSON platform.report record is parsed once, into a list.
# One CASE picks the branch and builds the whole struct: a CASE per field costs more than the field itself.
_SLOW = "try_cast(split_part(split_part(line, '{label}: ', 2), ' ', 1) AS DOUBLE)"
_JSON_PATHS = ("requestId", "metrics.durationMs", "metrics.billedDurationMs", "metrics.memorySizeMB",
               "metrics.maxMemoryUsedMB", "metrics.initDurationMs", "metrics.restoreDurationMs", "status", "errorType")
_JSON_REPORT = ("json_extract_string(substr(line, strpos(line, '{')), ["
                + ", ".join(f"'$.record.{p}'" for p in _JSON_PATHS) + "])")
_STATUS = r"CASE WHEN contains(line, 'Status: ') THEN regexp_extract(line, 'Status: (\w+)', 1) END"
_ERROR_TYPE = r"CASE WHEN contains(line, 'Error Type: ') THEN regexp_extract(line, 'Error Type: ([^\s]+)', 1) END"


def _cut(field: int, label: str, unit: str) -> str:
    """The number in `tabs[field]` = `<label>: <number> <unit>`."""
    head, tail = len(label) + 2, len(unit) + 1
    return f"try_cast(substr(tabs[{field}], {head + 1}, strlen(tabs[{field}]) - {head + tail}) AS DOUBLE)"


def _report(rid: str, numbers: Sequence[str], status: str, error_type: str) -> str:
    names = ("duration", "billed", "memory", "used", "init", "restore")
    fields = [f"rid := {rid}", *(f"{n} := {v}" for n, v in zip(names, numbers, strict=True)),
              f"status := {status}", f"error_type := {error_type}"]
    return "struct_pack(" + ", ".join(fields) + ")"


def _optional_cut(label: str) -> str:
    return f"CASE WHEN starts_with(tabs[6], '{label}: ') THEN {_cut(6, label, 'ms')} END"


def _optional_slow(label: str) -> str:
    return f"CASE WHEN contains(line, '{label}: ') THEN {_SLOW.format(label=label)} END"


_REPORT = f"""CASE
  WHEN fast THEN {_report(
      "substr(line, strpos(line, 'RequestId: ') + 11, tab - strpos(line, 'RequestId: ') - 11)",
      [_cut(2, 'Duration', 'ms'), _cut(3, 'Billed Duration', 'ms'), _cut(4, 'Memory Size', 'MB'),
       _cut(5, 'Max Memory Used', 'MB'), _optional_cut('Init Duration'), _optional_cut('Restore Duration')],
      _STATUS, _ERROR_TYPE)}
  WHEN j IS NOT NULL THEN {_report("j[1]", [f"try_cast(j[{i}] AS DOUBLE)" for i in range(2, 8)], "j[8]", "j[9]")}
  ELSE {_report(
      "nullif(split_part(split_part(split_part(line, 'REPORT RequestId: ', 2), chr(9), 1), ' ', 1), '')",
      [*(_SLOW.format(label=label) for label in ('Duration', 'Billed Duration', 'Memory Size', 'Max Memory Used')),
       _optional_slow('Init Duration'), _optional_slow('Restore Duration')],
      _STATUS, _ERROR_TYPE)}
  END"""
_REPORT_TIME = r"""coalesce(ts,
    CASE WHEN $prefix = 25 THEN try_cast(substr(line, 1, 23) AS TIMESTAMP)
         WHEN $prefix = 14 THEN make_timestamp(try_cast(substr(line, 1, 13) AS BIGINT) * 1000) END,
    CASE WHEN contains(line, '"time":"') THEN try_cast(regexp_extract(line, '"time":"([^"]+?)Z?"', 1) AS TIMESTAMP) END)"""

# -- assembling, then: the lines after one REPORT up to the next → one invocation ----------------------------------
# Within one log stream an execution environment handles one invocation at a time and REPORT is its last line, so
# the kept lines between two REPORTs belong to the second. No grouping and no sort: running counts and "the last
# value seen" are carried down the stream (streaming windows), only the REPORT rows and each stream's last row are
# kept, and the difference to the previous kept row's running counts gives the invocation's own.
# Each kept line is reduced to its facts first and the line itself is dropped: the windows copy every row they pass
# on (lead delays a whole chunk), so they carry numbers and short strings, not log lines.
# Every expression sits in a CASE on the kind: outside one, it would run on every row (NULL in, NULL out, same cost).
_ASSEMBLE = rf"""
facts AS (
  SELECT stream, ord, pos, kind__CARRY__,
    CASE WHEN kind = 1 THEN {_REPORT} END AS report,
    CASE WHEN kind = 1 THEN {_REPORT_TIME} END AS time,
    CASE WHEN kind = 2 THEN {_START} END AS start,
    CASE WHEN kind = 3 THEN {_FAILURE} END AS failure
  FROM (
    SELECT *, CASE WHEN kind = 1 THEN starts_with(tabs[2], 'Duration: ') AND starts_with(tabs[5], 'Max Memory Used: ')
                   AND substr(line, tab - 1, 1) <> ' ' END AS fast
    FROM (
      SELECT *, CASE WHEN kind = 1 THEN string_split(line, chr(9)) END AS tabs,
        CASE WHEN kind = 1 THEN strpos(line, chr(9)) END AS tab,
        CASE WHEN kind = 1 AND contains(line, '"type":"platform.report"') THEN {_JSON_REPORT} END AS j
      FROM kept))
), followed AS (
  SELECT *, lead(kind) OVER o AS next_kind FROM facts WINDOW o AS (__PARTITION__)
), running AS (
  -- count(*) FILTER is the one running aggregate DuckDB's streaming window keeps as a plain counter
  -- (a running sum() updates a HUGEINT state per row and is about ten times slower)
  SELECT stream, ord, pos, kind, report, time, next_kind__CARRY__,
    count(*) FILTER (WHERE kind = 1) OVER w AS reports,
    count(*) FILTER (WHERE kind = 2) OVER w AS starts,
    count(*) FILTER (WHERE failure.error_line) OVER w AS error_lines,
    count(*) FILTER (WHERE failure.unhandled) OVER w AS unhandled,
    count(*) FILTER (WHERE failure.killed) OVER w AS killed,
    count(*) FILTER (WHERE failure.raised IS NOT NULL) OVER w AS raises,
    count(*) FILTER (WHERE failure.timeout_s IS NOT NULL) OVER w AS timeouts,
    last_value(start.version IGNORE NULLS) OVER w AS version,
    last_value(failure.raised IGNORE NULLS) OVER w AS raised,
    last_value(failure.timeout_s IGNORE NULLS) OVER w AS timeout_s,
    -- a START's request ID travels only when no REPORT comes right after it: only then can it be needed
    last_value(CASE WHEN next_kind IS DISTINCT FROM 1 THEN start.rid END IGNORE NULLS) OVER w AS start_rid
  FROM followed
  WINDOW w AS (__PARTITION__ ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), ends AS (
  SELECT *,
    lag(pos, 1, __START_POS__) OVER o AS prev_pos,
    lag(starts, 1, 0) OVER o AS prev_starts,
    lag(error_lines, 1, 0) OVER o AS prev_error_lines,
    lag(unhandled, 1, 0) OVER o AS prev_unhandled,
    lag(killed, 1, 0) OVER o AS prev_killed,
    lag(raises, 1, 0) OVER o AS prev_raises,
    lag(timeouts, 1, 0) OVER o AS prev_timeouts
  FROM running WHERE kind = 1 OR next_kind IS NULL
  WINDOW o AS (__PARTITION__)
), invocation AS (
  SELECT stream__CARRY__, reports - (kind = 1)::BIGINT + __SEG_OFFSET__ AS seg, (kind = 1)::BIGINT AS reports,
    greatest(starts - prev_starts - 1, 0) AS lost_starts,
    error_lines - prev_error_lines AS error_lines,
    unhandled > prev_unhandled AS unhandled,
    CASE WHEN raises > prev_raises THEN raised END AS unhandled_type,
    killed > prev_killed AS killed,
    CASE WHEN timeouts > prev_timeouts THEN timeout_s END AS timed_out_after_s,
    -- the START's request ID matters only when no REPORT names the invocation
    coalesce(report.rid, CASE WHEN kind <> 1 AND starts > prev_starts THEN start_rid END) AS request_id,
    coalesce(nullif(CASE WHEN starts > prev_starts THEN version END, ''), CAST($file_version AS VARCHAR)) AS version,
    time,
    -- A REPORT number beyond any Lambda limit (15 minutes, 10,240 MB), 1e400 or NaN included, is not a value:
    -- NULL, as if the field were missing (one row per invocation: no cost to the reading).
    CASE WHEN report.duration < 1e9 THEN report.duration END AS duration_ms,
    CASE WHEN report.billed < 1e9 THEN report.billed END AS billed_ms,
    CASE WHEN report.memory < 1e9 THEN report.memory END AS memory_mb,
    CASE WHEN report.used < 1e9 THEN report.used END AS max_memory_used_mb,
    CASE WHEN report.init < 1e9 THEN report.init END AS init_ms,
    CASE WHEN report.restore < 1e9 THEN report.restore END AS restore_ms,
    nullif(report.status, '') AS reported_status, nullif(report.error_type, '') AS reported_error_type,
    greatest(0, pos - prev_pos) AS log_bytes, report.rid IS NULL AS report_unparsed
  FROM ends
)"""


_FINAL = r"""
SELECT __FUNCTION__ AS function, version, request_id, time,
  duration_ms, billed_ms, memory_mb, max_memory_used_mb, init_ms, restore_ms,
  CASE WHEN reported_status IS NOT NULL THEN reported_status
       WHEN timed_out_after_s IS NOT NULL THEN 'timeout'
       WHEN unhandled THEN 'error'
       ELSE 'success' END AS status,
  CASE WHEN reported_error_type IS NOT NULL THEN reported_error_type
       WHEN timed_out_after_s IS NOT NULL THEN 'Sandbox.Timedout'
       WHEN killed AND max_memory_used_mb >= memory_mb THEN 'Runtime.OutOfMemory'
       WHEN killed THEN 'Runtime.ExitError'
       WHEN unhandled THEN unhandled_type END AS error_type,
  (init_ms IS NOT NULL OR restore_ms IS NOT NULL) AS cold_start,
  log_bytes, error_lines, timed_out_after_s, reports,
  reports = 0 AS partial,
  reports > 0 AND (report_unparsed OR duration_ms IS NULL OR memory_mb IS NULL) AS unparsed,
  lost_starts, $src AS src, stream, seg
FROM __INVOCATION__
"""

_COLUMNS = ("function VARCHAR, version VARCHAR, request_id VARCHAR, time TIMESTAMP, duration_ms DOUBLE, "
            "billed_ms DOUBLE, memory_mb DOUBLE, max_memory_used_mb DOUBLE, init_ms DOUBLE, restore_ms DOUBLE, "
            "status VARCHAR, error_type VARCHAR, cold_start BOOLEAN, log_bytes BIGINT, error_lines BIGINT, "
            "timed_out_after_s DOUBLE, reports BIGINT, partial BOOLEAN, unparsed BOOLEAN, lost_starts BIGINT, "
            "src INTEGER, "
            "stream VARCHAR, seg BIGINT")


def _ingest_sql(kept: str, partition: str, start_pos: int = 0, seg_offset: int = 0, functions: str = "") -> str:
    """The statement that assembles ``kept`` into invocations; with ``functions`` (a table of filename, function),
    each invocation's function is its file's."""
    assembled = (_ASSEMBLE.replace("__PARTITION__", partition).replace("__START_POS__", str(int(start_pos)))
                 .replace("__SEG_OFFSET__", str(int(seg_offset))).replace("__CARRY__", ", filename" if functions else ""))
    final = (_FINAL.replace("__FUNCTION__", "m.function" if functions else "$function")
             .replace("__INVOCATION__", f"invocation LEFT JOIN {functions} m USING (filename)" if functions
                      else "invocation"))
    return f"INSERT INTO invocations WITH kept AS ({kept}), {assembled} {final}"


def _prefix_length(path: Path, compressed: bool) -> int:
    """The length of the timestamp an export puts before each message (0 for bare messages)."""
    import gzip

    opener: Any = gzip.open if compressed else open
    try:
        with opener(path, "rb") as fh:
            for _ in range(50):
                line = fh.readline(4096)
                if not line:
                    break
                if not line.strip():
                    continue
                m = _ISO_PREFIX.match(line) or _EPOCH_PREFIX.match(line)
                return len(m.group(0)) if m else 0
    except (OSError, EOFError, ValueError):
        return 0
    return 0


PIECE_ROWS = 600_000  # kept lines per piece of assembly work: ~0.45 s of one core (300,000 made 9 pieces of the
# 1 GB set instead of 5: 86 ms more CPU and 27 ms more wall, median of 10 alternating runs)


@dataclass(frozen=True)
class _Piece:
    """Some of a file's invocations: the kept lines with rowid in (after, until], whole segments."""

    src: int
    file: LogFile
    table: str
    after: int
    until: int | None
    start_pos: int  # the byte position where the piece starts (the end of the REPORT before it)
    seg_offset: int  # REPORTs before the piece
    prefix: int
    functions: str = ""  # the table of each file's function, for files of several functions read together


# -- per function, once its invocations are all in (``$fn``) --------------------------------------------------------
# The same REPORT record twice (overlapping exports, a file given twice) is one invocation. A retried asynchronous
# event keeps its request ID but has a REPORT of its own, so it stays. Most inputs have none: the (time, duration)
# pairs seen twice are looked for first, one hash aggregate on two numbers (half the time of one on the request
# IDs), and only the invocations that have them are ranked.
_SEEN_TWICE = ("SELECT time, duration_ms FROM invocations WHERE function = $fn AND NOT partial GROUP BY ALL "
               "HAVING count(*) > 1")
_DEDUPE = f"""
WITH seen_twice AS ({_SEEN_TWICE}), ranked AS (
  SELECT rowid AS r, row_number() OVER (PARTITION BY request_id, time, duration_ms, billed_ms, memory_mb,
         max_memory_used_mb, status ORDER BY src, stream, seg) AS k
  FROM invocations i SEMI JOIN seen_twice s
    ON i.time IS NOT DISTINCT FROM s.time AND i.duration_ms IS NOT DISTINCT FROM s.duration_ms
  WHERE function = $fn AND NOT partial)
DELETE FROM invocations WHERE rowid IN (SELECT r FROM ranked WHERE k > 1) RETURNING 1"""
# The statistics of the counted invocations and, for every invocation (cut-off and unparsed ones too), its log
# bytes and cut-off starts, in one pass; without statistics, the counts alone.
_STATS = r"""
SELECT NOT partial AND NOT unparsed AS counted, sum(log_bytes) AS bytes,
  count(*) FILTER (WHERE partial AND request_id IS NOT NULL) + sum(lost_starts) AS cut_off,
  count(*) AS invocations,
  count(*) FILTER (WHERE cold_start) AS cold_starts,
  quantile_cont(duration_ms, [0.5, 0.9, 0.99]) AS d, max(duration_ms) AS dmax,
  sum(billed_ms) AS billed_total, avg(billed_ms) AS billed_mean,
  quantile_cont(max_memory_used_mb, [0.5, 0.99]) AS m, max(max_memory_used_mb) AS mmax,
  quantile_cont(coalesce(init_ms, restore_ms), [0.5, 0.95]) FILTER (WHERE cold_start) AS i,
  count(*) FILTER (WHERE status = 'timeout') AS timeouts,
  count(*) FILTER (WHERE error_type = 'Runtime.OutOfMemory') AS oom,
  count(*) FILTER (WHERE status NOT IN ('success', 'timeout')) AS errors,
  sum(error_lines) FILTER (WHERE status = 'success') AS err_lines,
  count(*) FILTER (WHERE status = 'success' AND error_lines > 0) AS err_invocations,
  min(time) AS first, max(time) AS last,
  max(timed_out_after_s) AS timeout_s,
  count(*) FILTER (WHERE unparsed) AS unparsed
FROM invocations WHERE function = $fn
GROUP BY counted"""
_COUNTS = ("SELECT count(*) FILTER (WHERE unparsed), count(*) FILTER (WHERE partial AND request_id IS NOT NULL) + "
           "sum(lost_starts) FROM invocations WHERE function = $fn")
# The configured sizes and the versions seen, with their counts: a second, small aggregate costs less than mode()
# and two histogram() in the one above (6 against 16 ms per 280 k invocations).
_SIZES = ("SELECT memory_mb, version, count(*) FROM invocations WHERE function = $fn AND NOT partial "
          "AND NOT unparsed GROUP BY ALL")


# The same statements for the functions of small files read together (``src``), grouped by function.
_SEEN_TWICE_MANY = ("SELECT function, time, duration_ms FROM invocations WHERE src = $src AND NOT partial "
                    "GROUP BY ALL HAVING count(*) > 1")
_DEDUPE_MANY = (_DEDUPE.replace(_SEEN_TWICE, _SEEN_TWICE_MANY)
                .replace("PARTITION BY request_id", "PARTITION BY function, request_id")
                .replace("ON i.time", "ON i.function = s.function AND i.time")
                .replace("WHERE function = $fn AND NOT partial)", "WHERE src = $src AND NOT partial)")
                .replace("RETURNING 1", "RETURNING function"))
_STATS_MANY = (_STATS.replace("SELECT NOT partial", "SELECT function, NOT partial")
               .replace("WHERE function = $fn", "WHERE src = $src").replace("GROUP BY counted", "GROUP BY ALL"))
_COUNTS_MANY = (_COUNTS.replace("SELECT count(*)", "SELECT function, count(*)", 1)
                .replace("WHERE function = $fn", "WHERE src = $src GROUP BY function"))
_SIZES_MANY = (_SIZES.replace("SELECT memory_mb", "SELECT function, memory_mb")
               .replace("WHERE function = $fn", "WHERE src = $src"))
assert "$fn" not in _DEDUPE_MANY + _STATS_MANY + _COUNTS_MANY + _SIZES_MANY


@dataclass(frozen=True)
class _Finished:
    function: str
    duplicates: int
    unparsed: int
    partial: int
    stats: FunctionStats | None  # None: not asked for, or no invocation at all


class _Work:
    """One ingest, shared by the worker threads: the files still to read, the pieces ready to assemble, which
    functions are complete, and what was found (problems, rejected lines, each finished function)."""

    def __init__(self, files: list[tuple[int, LogFile]], eager: int = 0, statistics: bool = True) -> None:
        self.statistics = statistics  # take each function's statistics when it is complete
        self._files = deque(files)
        self._eager = eager  # when this few files are left to read, a free thread reads before it assembles
        self._pieces: deque[_Piece] = deque()
        self._reading = 0
        self._left: dict[str, int] = {}
        # per function: its files not yet read plus its pieces not yet assembled; 0 = its invocations are all in
        self._unfinished: dict[str, int] = {}
        for _, f in files:
            self._unfinished[work_key(f)] = self._unfinished.get(work_key(f), 0) + 1
        self._ready = threading.Condition()
        self.rejected = 0
        self.pieces = 0
        self.problems: list[Problem] = []
        self.finished: list[_Finished] = []

    def take(self) -> _Piece | tuple[int, LogFile] | None:
        with self._ready:
            while True:
                if self._files and (not self._pieces or len(self._files) <= self._eager):
                    self._reading += 1
                    return self._files.popleft()
                if self._pieces:
                    return self._pieces.popleft()
                if not self._reading:
                    return None
                self._ready.wait()

    def read_done(self, key: str, pieces: list[_Piece]) -> bool:
        """True when this was the last of the function's work (``work_key``): its invocations are all in."""
        with self._ready:
            self._reading -= 1
            self._unfinished[key] += len(pieces) - 1
            if pieces:
                self.pieces += len(pieces)
                self._left[pieces[0].table] = len(pieces)
                self._pieces.extend(pieces)
            self._ready.notify_all()
            return self._unfinished[key] == 0

    def piece_done(self, piece: _Piece) -> tuple[bool, bool]:
        """(the last piece of its file: its table can go, the last of its function's work)."""
        with self._ready:
            self._left[piece.table] -= 1
            self._unfinished[work_key(piece.file)] -= 1
            return self._left[piece.table] == 0, self._unfinished[work_key(piece.file)] == 0

    def failed(self, shown: str, reason: str) -> None:
        with self._ready:
            problem = Problem(shown, 1, 1, reason)
            if problem not in self.problems:
                self.problems.append(problem)

    def add_rejected(self, n: int) -> None:
        with self._ready:
            self.rejected += n

    def add_finished(self, finished: _Finished) -> None:
        with self._ready:
            self.finished.append(finished)


class LogStore:
    """A DuckDB database of one analysis, in a temporary folder removed on close."""

    # DuckDB's own memory; the process peaks about 130 MB above it (Python, the reader's buffers). 700 MB keeps the
    # peak at 4 GB of logs to 834 MB, under the 1 GB the benchmark allows; 600 MB spilled more (15.8 s against 13.0 s).
    def __init__(self, memory_limit: str = "700MB", threads: int | None = None, piece_rows: int = PIECE_ROWS) -> None:
        import os

        import duckdb

        self._dir = tempfile.mkdtemp(prefix="lambdoctor-logs-")
        self.con: duckdb.DuckDBPyConnection = duckdb.connect(":memory:")
        self.threads = threads or max(1, os.cpu_count() or 1)
        spill = str(Path(self._dir) / "spill").replace("'", "''")
        self.con.execute(f"SET memory_limit = '{memory_limit}'; SET threads = {self.threads}; "
                         f"SET temp_directory = '{spill}'; SET preserve_insertion_order = true; "
                         # an in-memory database checkpoints too: creating and dropping each file's kept lines
                         # would set one off in the middle of an insert (a second of compressing, measured)
                         "SET checkpoint_threshold = '1TB';")
        self.con.execute("CREATE TABLE files (src INTEGER, path VARCHAR, function VARCHAR, file_version VARCHAR, "
                         "layout VARCHAR)")
        self.con.execute(f"CREATE TABLE invocations ({_COLUMNS})")
        self.piece_rows = max(4, piece_rows)
        self.pieces = 0  # pieces of assembly work run so far
        self._rejected = 0
        self._problems: list[Problem] = []
        self._files = 0
        self._finished: dict[str, _Finished] = {}

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading and assembling ---------------------------------------------------------------------------------
    def ingest(self, files: Sequence[LogFile], statistics: bool = True) -> None:
        """Read every file into the invocations table, on ``threads`` Python threads with a cursor each.

        A text file is two kinds of work: reading it (its kept lines stored in a table; sequential, because of the
        running byte count) and assembling its invocations from that table, in pieces that end at a REPORT (a
        piece holds whole invocations, so pieces are independent). Pieces run before the next file is read: the
        stored lines are freed sooner, and an idle thread always finds a piece to take, so a large file read last
        does not leave the other core idle for its whole assembly. Except for the last files (one fewer than the
        threads): a free thread reads them first, since their pieces cannot start before their reading ends. With
        pieces first, the other core waited 0.26 s for the last file of the generated 1 GB set (ingest 2.35-2.42 s,
        now 2.20-2.24 s).

        The thread that completes a function's last piece then removes its duplicates, counts what was cut off or
        could not be parsed and, with ``statistics``, takes its statistics (``function_stats``).
        """
        if not files:
            return
        start = self._files
        self._files += len(files)
        files = batch_small_files(files)
        self.con.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?)",
                             [[start + i, str(f.path), f.function, f.version, f.layout] for i, f in enumerate(files)])
        # `threads` is database-wide: one DuckDB thread per statement (each is sequential within its file, a
        # streaming window), and the parallelism comes from the Python threads; restored at the end.
        self.con.execute("SET threads = 1")
        # Largest file first: the last files read are the small ones, so both cores stay busy until the end.
        workers = min(self.threads, len(files)) or 1
        work = _Work(sorted(enumerate(files, start), key=lambda job: -_size(job[1].path)), eager=workers - 1,
                     statistics=statistics)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(lambda _: self._work(work), range(workers)):
                pass
        self.con.execute(f"SET threads = {self.threads}")
        self._rejected += work.rejected
        self._problems.extend(work.problems)
        self.pieces += work.pieces
        for done in work.finished:  # a function given again in a later ingest: its earlier duplicates still count
            before = self._finished.get(done.function)
            self._finished[done.function] = replace(done, duplicates=done.duplicates + before.duplicates) \
                if before else done

    def _work(self, work: _Work) -> None:
        import duckdb

        cursor = self.con.cursor()
        try:
            while (task := work.take()) is not None:
                if isinstance(task, _Piece):
                    try:
                        self._assemble_piece(cursor, task)
                    except duckdb.Error as exc:
                        work.failed(task.file.shown, f"could not read this log: {_duckdb_reason(exc)}")
                    finally:
                        table_done, function_done = work.piece_done(task)
                        if table_done:
                            cursor.execute(f"DROP TABLE IF EXISTS {task.table}")
                            cursor.execute(f"DROP TABLE IF EXISTS functions_{task.src}")
                    if function_done:
                        self._finish(cursor, task.src, task.file, work)
                    continue
                src, f = task
                pieces: list[_Piece] = []
                try:
                    if f.layout == "events":
                        self._ingest_events(cursor, src, f)
                    else:
                        pieces = self._read_text(cursor, src, f, work)
                except duckdb.Error as exc:
                    work.failed(f.shown, f"could not read this log: {_duckdb_reason(exc)}")
                    cursor.execute(f"DROP TABLE IF EXISTS kept_{src}")
                    cursor.execute(f"DROP TABLE IF EXISTS functions_{src}")
                finally:  # whatever happened, a thread waiting for this file's pieces must wake up
                    function_done = work.read_done(work_key(f), pieces)
                if function_done:
                    self._finish(cursor, src, f, work)
        finally:
            cursor.close()

    def _read_text(self, cursor: duckdb.DuckDBPyConnection, src: int, f: LogFile, work: _Work) -> list[_Piece]:
        rejects, scans, kept = f"rejects_{src}", f"reject_scans_{src}", f"kept_{src}"
        prefix = _prefix_length(f.path, f.compressed)
        # Stored, then read back: after the filter a chunk of 2,048 lines keeps only the ~15 % that matter, and
        # DuckDB would run every later expression once per such small chunk. Read back from a table, the kept
        # lines come in full chunks (measured on a 239 MB log: 1.85 s in one statement, 1.08 s in two).
        functions = ""
        if f.part_functions:  # which function each file is of, by the name the reader gives it
            functions = f"functions_{src}"
            cursor.execute(f"CREATE TABLE {functions} AS SELECT unnest($files) AS filename, unnest($fns) AS function",
                           {"files": list(f.parts), "fns": list(f.part_functions)})
        cursor.execute(f"CREATE TABLE {kept} AS {_KEPT_FROM_PARTS if functions else _KEPT_FROM_TEXT}", {
            "path": list(f.parts) if f.parts else str(f.path), "prefix": prefix, "lead": {25: "2", 14: "1"}.get(prefix, "\n"),
            "max_line": MAX_LINE_BYTES, "rejects": rejects, "rejects_scan": scans,
            "compression": "gzip" if f.compressed else "none",
        })
        # A line too long for the reader's buffer leaves no reject row: it is found here, and a rejected line it
        # also is counts once.
        long = [] if f.parts or f.compressed else long_lines(f.path)
        starts = ", ".join(str(start) for start, _ in long) or "NULL"
        row = cursor.execute(f"SELECT count(*) FROM {rejects} WHERE NOT list_contains([{starts}], "
                             "line_byte_position - 1)").fetchone()
        work.add_rejected((int(row[0]) if row else 0) + len(long))
        # Pieces of about `piece_rows` kept lines (half of them REPORTs), of equal size, each ending at a REPORT.
        # No smaller: each more piece costs 30-50 ms (the statement, its operators' fresh memory, the commit). The
        # table's rowid is its insertion order, which is the file's order (one thread wrote it, and one thread scans
        # it back in that order). A running count is a streaming window; row_number() OVER (ORDER BY rowid) sorted
        # the REPORTs (23 ms against 2 ms on 280 k of them).
        row = cursor.execute(f"SELECT count(*) FROM {kept} WHERE kind = 1").fetchone()
        reports = int(row[0]) if row else 0
        per = -(-reports // max(1, round(reports / max(1, self.piece_rows // 2))))  # REPORTs per piece, rounded up
        cuts = cursor.execute(f"""
            SELECT rowid, pos, n FROM (
              SELECT rowid, pos, count(*) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
              FROM {kept} WHERE kind = 1)
            WHERE n % {max(1, per)} = 0 AND n < {reports}""").fetchall()
        bounds = [(-1, 0, 0), *((int(r), int(p), int(n)) for r, p, n in cuts)]
        pieces = []
        for i, (after, start_pos, seg_offset) in enumerate(bounds):
            until = bounds[i + 1][0] if i + 1 < len(bounds) else None
            pieces.append(_Piece(src, f, kept, after, until, start_pos, seg_offset, prefix, functions))
        return pieces

    def _assemble_piece(self, cursor: duckdb.DuckDBPyConnection, piece: _Piece) -> None:
        where = f"rowid > {piece.after}" + (f" AND rowid <= {piece.until}" if piece.until is not None else "")
        sql = _ingest_sql(f"SELECT '' AS stream, 0 AS ord, NULL::TIMESTAMP AS ts, * FROM {piece.table} WHERE {where}",
                          "", piece.start_pos, piece.seg_offset, piece.functions)
        params: dict[str, object] = {"src": piece.src, "file_version": piece.file.version, "prefix": piece.prefix}
        if not piece.functions:
            params["function"] = piece.file.function
        cursor.execute(sql, params)

    def request_lines(self, files: Sequence[LogFile], request_id: str) -> list[tuple[str, str]]:
        """(file, line) of one invocation, in order: the lines of its segment (START … REPORT within one stream),
        plus any line elsewhere that names its request ID."""
        import duckdb

        out: list[tuple[str, str]] = []
        for src, f in enumerate(files):
            if f.layout == "events":
                source = _events_source(f.path)
                sql = f"""
                    WITH l AS (
                      SELECT stream, seq, line, sum(is_report) OVER w - is_report AS seg FROM (
                        SELECT coalesce(e.logStreamName, '') AS stream, e.message AS line,
                               CASE WHEN contains(e.message, 'REPORT RequestId: ')
                                         OR contains(e.message, '"type":"platform.report"') THEN 1 ELSE 0 END
                                 AS is_report,
                               e."timestamp" AS ts, coalesce(e.eventId, lpad(CAST(n AS VARCHAR), 20, '0')) AS seq
                        FROM (SELECT unnest(events) AS e, generate_subscripts(events, 1) AS n FROM {source}))
                      WINDOW w AS (PARTITION BY stream ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND
                                   CURRENT ROW))
                    SELECT line FROM l WHERE (stream, seg) IN (SELECT (stream, seg) FROM l
                                                                WHERE contains(line, $rid))
                       OR contains(line, $rid)
                    ORDER BY stream, seq"""
                try:
                    rows = self.con.execute(sql, {"rid": request_id}).fetchall()
                except duckdb.Error:
                    continue  # a file the ingest could not read (reported there as SYS000): nothing to show
            else:
                sql = f"""
                    WITH l AS (
                      SELECT line, row_number() OVER w AS n, sum(is_report) OVER w - is_report AS seg FROM (
                        SELECT line, CASE WHEN contains(line, 'REPORT RequestId: ')
                                           OR contains(line, '"type":"platform.report"') THEN 1 ELSE 0 END
                                     AS is_report
                        FROM {_READ_TEXT})
                      WINDOW w AS (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
                    SELECT line FROM l WHERE seg IN (SELECT seg FROM l WHERE contains(line, $rid))
                       OR contains(line, $rid)
                    ORDER BY n"""
                try:
                    rows = self.con.execute(sql, {
                        "rid": request_id, "path": str(f.path), "max_line": MAX_LINE_BYTES,
                        "rejects": f"request_rejects_{src}", "rejects_scan": f"request_scans_{src}",
                        "compression": "gzip" if f.compressed else "none"}).fetchall()
                except duckdb.Error:
                    continue
            out.extend((f.shown, row[0]) for row in rows if row[0] is not None)
        return out

    def _ingest_events(self, cursor: duckdb.DuckDBPyConnection, src: int, f: LogFile) -> None:
        source = _events_source(f.path)
        cursor.execute(_ingest_sql(_KEPT_FROM_EVENTS.replace("__SOURCE__", source), "PARTITION BY stream ORDER BY ord"),
                       {"src": src, "function": f.function, "file_version": f.version, "prefix": 0})

    # -- once a function's invocations are all in: duplicates, counts, statistics ----------------------------------
    def _finish(self, cursor: duckdb.DuckDBPyConnection, src: int, f: LogFile, work: _Work) -> None:
        """Run on the worker thread that completed the function, while the other thread still reads and assembles.

        Duplicates are only ever found within one function. Run after the ingest on both cores, this took 0.2 s of
        the generated 1 GB set's 2.6 s; per function, on one core each, it costs 0.35 CPU-s inside the ingest, and
        the run takes 0.07 s less.
        """
        import duckdb

        if f.part_functions:
            self._finish_many(cursor, src, f, work)
            return
        function, shown = f.function, f.shown
        params = {"fn": function}
        try:
            duplicates = 0
            if cursor.execute(_SEEN_TWICE + " LIMIT 1", params).fetchone():
                duplicates = len(cursor.execute(_DEDUPE, params).fetchall())
            stats = None
            if work.statistics:
                rows = cursor.execute(_STATS, params).fetchall()
                unparsed, partial = sum(int(r[-1]) for r in rows), sum(int(r[2] or 0) for r in rows)
                stats = _function_stats(function, rows, cursor.execute(_SIZES, params).fetchall())
            else:
                row = cursor.execute(_COUNTS, params).fetchone()
                unparsed, partial = (int(row[0]), int(row[1] or 0)) if row else (0, 0)
        except duckdb.Error as exc:  # e.g. out of memory: reported with the file that completed the function
            work.failed(shown, f"could not take the statistics of {function}: {_duckdb_reason(exc)}")
            return
        work.add_finished(_Finished(function, duplicates, unparsed, partial, stats))

    def _finish_many(self, cursor: duckdb.DuckDBPyConnection, src: int, f: LogFile, work: _Work) -> None:
        """``_finish`` for the functions of small files read together: the same statements, grouped by function,
        once for all of them (their invocations, and only theirs, are those of ``src``)."""
        import duckdb

        params = {"src": src}
        try:
            removed: dict[str, int] = {}
            if cursor.execute(_SEEN_TWICE_MANY + " LIMIT 1", params).fetchone():
                for (fn,) in cursor.execute(_DEDUPE_MANY, params).fetchall():
                    removed[fn] = removed.get(fn, 0) + 1
            rows: dict[str, list[tuple[Any, ...]]] = {}
            sizes: dict[str, list[tuple[Any, ...]]] = {}
            if work.statistics:
                for row in cursor.execute(_STATS_MANY, params).fetchall():
                    rows.setdefault(row[0], []).append(row[1:])
                for row in cursor.execute(_SIZES_MANY, params).fetchall():
                    sizes.setdefault(row[0], []).append(row[1:])
            else:
                for fn, unparsed, partial in cursor.execute(_COUNTS_MANY, params).fetchall():
                    rows[fn] = [(int(unparsed), int(partial or 0))]
        except duckdb.Error as exc:
            work.failed(f.shown, f"could not take the statistics of its functions: {_duckdb_reason(exc)}")
            return
        for fn in dict.fromkeys(f.part_functions):
            mine = rows.get(fn, [])
            if work.statistics:
                unparsed, partial = sum(int(r[-1]) for r in mine), sum(int(r[2] or 0) for r in mine)
                stats = _function_stats(fn, mine, sizes.get(fn, [])) if mine else None
            else:
                unparsed, partial = mine[0] if mine else (0, 0)
                stats = None
            work.add_finished(_Finished(fn, removed.get(fn, 0), unparsed, partial, stats))

    def report(self) -> IngestReport:
        """What the ingest skipped, found twice (and counted once) or found cut off."""
        return IngestReport(self._files, self._rejected, sum(f.unparsed for f in self._finished.values()),
                            sum(f.duplicates for f in self._finished.values()),
                            sum(f.partial for f in self._finished.values()), tuple(self._problems))

    # -- questions ----------------------------------------------------------------------------------------------
    def function_stats(self) -> list[FunctionStats]:
        """Per function, taken as its files were done (an ingest with ``statistics=False`` has none)."""
        return sorted((f.stats for f in self._finished.values() if f.stats is not None), key=lambda s: s.function)

    def durations(self, function: str | None = None, sample: int = 100_000) -> dict[str, list[float]]:
        """Per function, up to ``sample`` observed durations (a uniform reservoir sample), for capacity planning."""
        where = "AND function = $fn" if function else ""
        rows = self.con.execute(f"""
            SELECT function, list(duration_ms) FROM (
                SELECT function, duration_ms FROM invocations
                WHERE NOT partial AND NOT unparsed AND duration_ms IS NOT NULL {where}
                USING SAMPLE reservoir({int(sample)} ROWS) REPEATABLE (7))
            GROUP BY function""", {"fn": function} if function else {}).fetchall()
        return {fn: [float(x) for x in values] for fn, values in rows}

    def hourly_counts(self) -> dict[str, list[int]]:
        """Invocations per hour and function, every hour between the first and the last (empty hours are 0)."""
        rows = self.con.execute("""
            WITH h AS (SELECT function, date_trunc('hour', time) AS hour, count(*) AS n FROM invocations
                       WHERE time IS NOT NULL AND NOT partial GROUP BY ALL),
                 span AS (SELECT function, min(hour) AS lo, max(hour) AS hi FROM h GROUP BY ALL),
                 grid AS (SELECT function, unnest(generate_series(lo, hi, INTERVAL 1 HOUR)) AS hour FROM span)
            SELECT g.function, list(coalesce(h.n, 0) ORDER BY g.hour)
            FROM grid g LEFT JOIN h USING (function, hour) GROUP BY g.function""").fetchall()
        return {fn: [int(n) for n in counts] for fn, counts in rows}



def _function_stats(fn: str, rows: Sequence[tuple[Any, ...]], sizes: Sequence[tuple[Any, ...]]
                    ) -> FunctionStats | None:
    log_bytes = sum(int(r[1] or 0) for r in rows)
    partial = sum(int(r[2] or 0) for r in rows)
    counted = [r for r in rows if r[0]]
    if not counted:  # only cut-off invocations
        return _empty(fn, log_bytes, partial) if partial else None
    (_, _, _, n, cold, d, dmax, billed_total, billed_mean, m, mmax, i, timeouts, oom, errors, err_lines, err_inv,
     first, last, timeout_s, _) = counted[0]
    per_size: dict[int, int] = {}
    for size, _, k in sizes:
        if size is not None:
            per_size[int(size)] = per_size.get(int(size), 0) + int(k)
    return FunctionStats(
        function=fn, invocations=int(n), cold_starts=int(cold),
        duration_ms=_q(("p50", "p90", "p99"), d) | {"max": _f(dmax)},
        billed_ms_total=int(billed_total or 0), billed_ms_mean=_f(billed_mean),
        # the most frequent size; on a tie, the larger
        memory_mb=max(per_size, key=lambda size: (per_size[size], size)) if per_size else None,
        memory_sizes=tuple(sorted(per_size)),
        max_memory_used_mb=_q(("p50", "p99"), m) | {"max": _f(mmax)},
        init_ms=_q(("p50", "p95"), i),
        timeouts=int(timeouts), out_of_memory=int(oom), errors=int(errors),
        error_lines_in_success=int(err_lines or 0), invocations_with_error_lines=int(err_inv),
        log_bytes=log_bytes,
        first=first.isoformat(timespec="milliseconds") + "Z" if first else None,
        last=last.isoformat(timespec="milliseconds") + "Z" if last else None,
        timeout_seconds_seen=_f(timeout_s), partial=partial,
        versions=tuple(sorted({v for _, v, _ in sizes if v is not None})),
        span_seconds=(last - first).total_seconds() if first and last else None,
    )


def _f(value: object) -> float | None:
    return round(float(value), 2) if isinstance(value, (int, float)) else None


def _q(names: tuple[str, ...], values: Sequence[float] | None) -> dict[str, float | None]:
    if not values:
        return dict.fromkeys(names)
    return {name: _f(v) for name, v in zip(names, values, strict=False)}


def _empty(fn: str, log_bytes: int, partial: int) -> FunctionStats:
    return FunctionStats(fn, 0, 0, dict.fromkeys(("p50", "p90", "p99", "max")), 0, None, None, (),
                         dict.fromkeys(("p50", "p99", "max")), dict.fromkeys(("p50", "p95")), 0, 0, 0, 0, 0,
                         log_bytes, None, None, None, partial, ())


# Small files of one function are read in one statement: a statement costs 10-50 ms whatever it reads (planning,
# its operators' memory, the commit), so 100,000 one-invocation files took one statement, or several, each. Only
# files that end with their last invocation's REPORT are joined: their lines then follow each other exactly as if
# each file were read alone (nothing is cut off at a file's end, and a file's head is assembled after a REPORT as it
# is at a file's start). The byte count runs on over the joined files; it is the same per invocation.
BATCH_FILE_BYTES = 1024 * 1024
BATCH_FILES = 2000
BATCH_GZIP_BYTES = 256 * 1024  # a gzip file is inflated whole to find its last line: at most 25 MB (× 100)
_TAIL = 4096

# DuckDB's CSV reader (2.0.1) reads buffers of 16 × max_line_size (32 MiB here). A line that does not fit in one is
# dropped with no reject row (measured: 33 MiB lines dropped; lines just under 32 MiB dropped or rejected depending
# on where they start, 31 MiB ones rejected). Every line of LONG_LINE_BYTES or more is found before, by probing.
LONG_LINE_BYTES = 16 * 1024 * 1024
_PROBE_STEP = LONG_LINE_BYTES // 2  # a line of 2 × step or more holds a whole step-aligned block: it is probed
_PROBE = 64 * 1024
_SCAN = 1024 * 1024


def long_lines(path: Path) -> list[tuple[int, int]]:
    """(start, length without its newline) of each line of at least LONG_LINE_BYTES in a plain file, in order.

    One probe every _PROBE_STEP bytes: a line that long holds a whole aligned block, so the probe at that block's
    start sees no newline in its first _PROBE bytes, and only then is the line measured (read forward and back to
    its newlines). A log of short lines costs 64 KiB read per 8 MiB (8 MiB for 1 GB)."""
    found: list[tuple[int, int]] = []
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            covered = -1  # the end of the last line measured
            for at in range(0, size, _PROBE_STEP):
                if at <= covered:
                    continue
                fh.seek(at)
                if b"\n" in fh.read(_PROBE):
                    continue
                end = _next_newline(fh, at + _PROBE)
                start = _line_start(fh, at)
                covered = end
                if end - start >= LONG_LINE_BYTES:
                    found.append((start, end - start))
    except OSError:
        return found
    return found


def _next_newline(fh: BinaryIO, at: int) -> int:
    """The offset of the first newline at or after ``at``, or the end of the file."""
    fh.seek(at)
    while block := fh.read(_SCAN):
        i = block.find(b"\n")
        if i >= 0:
            return at + i
        at += len(block)
    return at


def _line_start(fh: BinaryIO, at: int) -> int:
    """The offset just after the last newline before ``at`` (0 if none)."""
    while at > 0:
        begin = max(0, at - _SCAN)
        fh.seek(begin)
        i = fh.read(at - begin).rfind(b"\n")
        if i >= 0:
            return begin + i + 1
        at = begin
    return 0


def _tail(path: Path, compressed: bool) -> bytes:
    """The last _TAIL bytes of the file, or of what it inflates to (b"" for a gzip of several members)."""
    import zlib

    try:
        with path.open("rb") as fh:
            if not compressed:
                size = fh.seek(0, 2)
                fh.seek(max(0, size - _TAIL))
                return bytes(fh.read(_TAIL))
            # at most BATCH_GZIP_BYTES read, and each piece inflated at most MAX_INFLATION times (sources.py)
            inflater, tail = zlib.decompressobj(16 + zlib.MAX_WBITS), b""
            while chunk := fh.read(64 * 1024):
                tail = (tail + inflater.decompress(chunk, 100 * len(chunk)))[-_TAIL:]
                if inflater.unused_data or inflater.unconsumed_tail:
                    return b""
            return tail if inflater.eof else b""
    except (OSError, zlib.error):
        return b""


def _ends_with_report(path: Path, compressed: bool = False) -> bool:
    last = _tail(path, compressed).rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return b"REPORT RequestId: " in last or b'"type":"platform.report"' in last


def work_key(f: LogFile) -> str:
    """What a file's work is counted under until its invocations are all in: its function, or for small files of
    several functions read together, the batch (each of their functions has all its files in it)."""
    return f"\x00{f.shown}" if f.part_functions else f.function


def _batchable(f: LogFile) -> bool:
    if f.layout != "text" or f.parts or _size(f.path) > (BATCH_GZIP_BYTES if f.compressed else BATCH_FILE_BYTES):
        return False
    return _ends_with_report(f.path, f.compressed)


def batch_small_files(files: Sequence[LogFile]) -> list[LogFile]:
    """``files`` with the small ones joined, in order, into LogFiles whose ``parts`` are read together.

    Small files of one (function, version, timestamp prefix, compression) are joined. The files of a function
    that has few (fewer than BATCH_FILES, all small, all of one kind) are joined with those of other such functions:
    a plain folder of 100,000 logs named by their functions is 100,000 functions of one file each."""
    out: list[LogFile] = []
    groups: dict[tuple[str, str | None, int, bool], list[LogFile]] = {}
    alone: set[str] = set()  # functions with a file read alone
    for f in files:
        if _batchable(f):
            groups.setdefault((f.function, f.version, _prefix_length(f.path, f.compressed), f.compressed),
                              []).append(f)
        else:
            out.append(f)
            alone.add(f.function)
    kinds: dict[str, int] = {}
    for key in groups:
        kinds[key[0]] = kinds.get(key[0], 0) + 1
    shared: dict[tuple[str | None, int, bool], list[list[LogFile]]] = {}
    for key, members in groups.items():
        if len(members) < BATCH_FILES and key[0] not in alone and kinds[key[0]] == 1:
            shared.setdefault(key[1:], []).append(members)
            continue
        for i in range(0, len(members), BATCH_FILES):
            out.append(_joined(members[i:i + BATCH_FILES]))
    for lists in shared.values():
        batch: list[list[LogFile]] = []
        held = 0  # files in the batch
        for members in [*lists, []]:
            if members and held + len(members) <= BATCH_FILES:
                batch.append(members)
                held += len(members)
                continue
            if len(batch) == 1:
                out.append(_joined(batch[0]))
            elif batch:
                chunk = [f for group in batch for f in group]
                first = chunk[0]
                shown = f"{first.shown} (and {len(chunk) - 1} more files of {len(batch)} functions read with it)"
                out.append(replace(first, function="", shown=shown, parts=tuple(str(m.path) for m in chunk),
                                   part_functions=tuple(m.function for m in chunk)))
            batch, held = [members], len(members)
    return out


def _joined(chunk: list[LogFile]) -> LogFile:
    """Files of one function read together (one file: itself)."""
    if len(chunk) == 1:
        return chunk[0]
    first = chunk[0]
    shown = f"{first.shown} (and {len(chunk) - 1} more files of {first.function} read with it)"
    return replace(first, shown=shown, parts=tuple(str(m.path) for m in chunk))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _events_source(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    return (f"read_json('{quoted}', columns={{'events': 'STRUCT(logStreamName VARCHAR, \"timestamp\" BIGINT, "
            "message VARCHAR, eventId VARCHAR)[]'}, format='auto', maximum_object_size=268435456)")


def _duckdb_reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]

