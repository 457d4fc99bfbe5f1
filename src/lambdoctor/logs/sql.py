"""The SQL of the log store (``store.py``), each statement named and explained where it is defined.

Reading (``KEPT_FROM_TEXT``, ``KEPT_FROM_PARTS``, ``KEPT_FROM_EVENTS``) keeps the lines that matter with their byte
position; assembling (``ingest_sql``: ``_ASSEMBLE`` then ``_FINAL``) turns the kept lines of whole invocations
into rows of ``invocations`` (``COLUMNS``); per function, ``SEEN_TWICE``/``DEDUPE`` remove duplicates and
``STATS``, ``COUNTS`` and ``SIZES`` take its statistics (the ``*_MANY`` forms do the same for the functions of small
files read together). Parameters are DuckDB's ``$name``; a ``__NAME__`` is filled in by ``ingest_sql``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# The kind of a line, from substring tests only (cheap on every line); regular expressions run on kept lines.
# Application lines (most of a log) fail six tests and are dropped. INIT_REPORT/RESTORE_REPORT lines and their
# platform records are kept (4), and so is a separate `XRAY TraceId:` line (5), whose bytes belong to the REPORT
# before it; other platform records say nothing an invocation row holds and are dropped (on the generated 1 GB set
# the two more tests cost nothing measurable: docs/benchmarks.md). One test per WHEN: an OR
# of two tests costs more than two WHENs. A needle longer than 8 bytes is found by memchr on its first byte, so it
# starts with a byte that is rare in log text: `k timed out`, not `Task timed out`, since every exported line has a
# `T` in its timestamp (on the generated log that test alone runs 35 % faster, the whole read 3.7 %). A line it
# catches that is no timeout (`network timed out`) is only kept: its failure facts below are all false.
KIND = r"""
CASE
  WHEN contains(line, 'RequestId: ') THEN
    CASE WHEN contains(line, 'REPORT RequestId: ') THEN 1
         WHEN contains(line, 'START RequestId: ') THEN 2
         WHEN contains(line, 'END RequestId: ') THEN 0
         ELSE 3 END
  WHEN contains(line, 'ERROR') THEN 3
  WHEN contains(line, 'k timed out') THEN 3
  WHEN contains(line, '_REPORT ') THEN 4
  WHEN contains(line, 'XRAY TraceId: ') THEN 5
  WHEN contains(line, '"type":"platform.') THEN
    CASE WHEN contains(line, '"type":"platform.report"') THEN 1
         WHEN contains(line, '"type":"platform.start"') THEN 2
         WHEN contains(line, '"type":"platform.initReport"') OR contains(line, '"type":"platform.restoreReport"')
           THEN 4
         ELSE 0 END
  ELSE 0
END"""

# One line = one value: a delimiter no log holds, no quoting. The second column is never filled; declaring it with
# null_padding makes the reader skip blank lines (an export puts one after every event whose message ends in a
# newline: half the lines of a typical export), which count 0 bytes anyway.
READ_TEXT = r"""read_csv($path, columns={'line': 'VARCHAR', 'padding': 'VARCHAR'}, delim=E'\x01\x1f\x02\x1e', quote='',
  escape='', header=false, auto_detect=false, new_line='\n', strict_mode=false, null_padding=true, ignore_errors=true,
  max_line_size=$max_line, store_rejects=true, rejects_table=$rejects, rejects_scan=$rejects_scan,
  compression=$compression)"""

# -- reading: the lines that matter, in order, with their byte position ---------------------------------------------
# Only REPORT (1), START (2), the lines that may say an invocation failed (3), INIT_REPORT/RESTORE_REPORT (4) and
# XRAY lines (5) pass the filter, stored as they are.
# The byte position is a running sum over all lines, which DuckDB streams in file order. Columns: pos, kind, line (the
# stream, the order within it and the time are added when read back). Every expression after the filter runs on
# chunks the filter left a quarter full: cutting a plain START down to its request ID here cost more than storing the
# whole line and cutting it when read back (0.962 s against 1.001 s on the 239 MB file, alternating runs).
KEPT_FROM_TEXT = f"""
SELECT CAST(sum(nbytes) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS pos, kind, line
FROM (
  SELECT line, {KIND} AS kind,
    -- a line the export prefixed with its timestamp counts without it; a message's continuation lines have
    -- none (an ISO date starts with 2, epoch milliseconds with 1: one byte compared, not a pattern)
    strlen(line) + 1 - CASE WHEN starts_with(line, $lead) THEN least($prefix, strlen(line)) ELSE 0 END AS nbytes
  FROM {READ_TEXT})
QUALIFY kind > 0
"""

# The same, for small files of several functions read together: each kept line keeps the file it came from.
KEPT_FROM_PARTS = (KEPT_FROM_TEXT.replace("kind, line\nFROM (", "kind, line, filename\nFROM (")
                    .replace("SELECT line, ", "SELECT line, filename, ")
                    .replace("compression=$compression)", "compression=$compression, filename=true)"))
assert KEPT_FROM_PARTS.count("filename") == 3

# `aws logs filter-log-events` output interleaves streams; order inside each stream by time, then event ID.
KEPT_FROM_EVENTS = f"""
SELECT * FROM (
  SELECT stream, row_number() OVER w AS ord, line, ts, kind, sum(strlen(coalesce(line, ''))) OVER w AS pos
  FROM (SELECT *, {KIND} AS kind FROM (
    SELECT coalesce(e.logStreamName, '') AS stream, make_timestamp(e."timestamp" * 1000) AS ts,
           e.message AS line, coalesce(e.eventId, lpad(CAST(n AS VARCHAR), 20, '0')) AS seq
    FROM (SELECT unnest(events) AS e, generate_subscripts(events, 1) AS n FROM __SOURCE__)))
  WINDOW w AS (PARTITION BY stream ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) WHERE kind > 0
"""
# Each stream's last kept line ends its last invocation, REPORT or not (one cut off at the end); a text piece knows
# its last row's rowid instead (store.py), which spares it a lead over every line.
_LAST_ROW = "SELECT *, lead(ord) OVER (PARTITION BY stream ORDER BY ord) IS NULL AS last_row FROM ({kept})"
KEPT_FROM_EVENTS = _LAST_ROW.format(kept=KEPT_FROM_EVENTS)

# Merged streams (`aws logs tail`, `sam logs`; sources.STREAMS_LINE): each line's stream, time and message are cut
# out, a message's continuation lines go with the stream of the line before, and the lines are then assembled per
# stream in file order, like filter-log-events output. Bytes count the messages only.
KEPT_FROM_STREAMS = f"""
SELECT * FROM (
  SELECT stream, n AS ord, line, ts, {KIND} AS kind,
    sum(strlen(line) + 1) OVER (PARTITION BY stream ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS pos
  FROM (
    SELECT n, line, ts,
      coalesce(last_value(own_stream IGNORE NULLS) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
               '') AS stream
    FROM (
      SELECT n, CASE WHEN p.msg <> '' OR p.s1 <> '' OR p.s2 <> '' THEN p.msg ELSE raw END AS line,
        nullif(p.s1 || p.s2, '') AS own_stream,
        coalesce(CAST(timezone('UTC', try_cast(nullif(p.t1, '') AS TIMESTAMPTZ)) AS TIMESTAMP),
                 try_cast(nullif(p.t2, '') AS TIMESTAMP)) AS ts
      FROM (
        SELECT n, raw, regexp_extract(raw, '__PATTERN__', ['t1', 's1', 's2', 't2', 'msg']) AS p
        FROM (SELECT line AS raw, row_number() OVER () AS n FROM {READ_TEXT})))))
WHERE kind > 0
"""
KEPT_FROM_STREAMS = _LAST_ROW.format(kept=KEPT_FROM_STREAMS)

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
    OR contains(line, '"level":"ERROR"') OR contains(line, '"level": "ERROR"'),
  unhandled := regexp_matches(line, '\[ERROR\] [A-Za-z_][\w.]*(: |$|\r)')
    OR contains(line, chr(9) || 'ERROR' || chr(9) || 'Invoke Error ')
    OR ((contains(line, '"log_level":"ERROR"') OR contains(line, '"log_level": "ERROR"'))
        AND contains(line, '"errorType"'))
    OR contains(line, 'Runtime exited with error')
    OR contains(line, 'Process exited before completing request'),
  raised := CASE WHEN contains(line, '[ERROR] ')
                 THEN nullif(regexp_extract(line, '\[ERROR\] ([A-Za-z_][\w.]*)', 1), '')
                 WHEN contains(line, '"log_level":') AND contains(line, '"errorType"')
                 THEN nullif(regexp_extract(line, '"errorType": ?"([^"]+)"', 1), '') END,
  killed := contains(line, 'Runtime exited with error: signal: killed'),
  exited := contains(line, 'Process exited before completing request') OR contains(line, 'Runtime exited with error'),
  timeout_s := CASE WHEN contains(line, 'Task timed out after')
                    THEN try_cast(regexp_extract(line, 'Task timed out after ([\d.]+) seconds', 1) AS DOUBLE) END,
  -- the request a timeout or crash line names: older runtimes print it after the invocation's REPORT
  rid := CASE WHEN contains(line, 'Task timed out after') OR contains(line, 'exited')
              THEN nullif(regexp_extract(line, '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})', 1), '')
              END)"""

# The facts of a REPORT line. A text REPORT reads
# `REPORT RequestId: <id>\tDuration: <d> ms\tBilled Duration: <b> ms\tMemory Size: <m> MB\tMax Memory Used: <u> MB\t`
# then `Init Duration: <i> ms\t` or `Restore Duration: <r> ms\t…` when cold, then Status/Error Type when it failed
# (facts.md §2.1). Split on tabs, the fields sit at fixed places with fixed labels, so a substring cuts the number
# out: several times cheaper than a regular expression with groups. A REPORT whose tabs became spaces (copied from
# a web page) takes the slower label search; a JSON platform.report record is parsed once, into a list.
# One CASE picks the branch and builds the whole struct: a CASE per field costs more than the field itself.
# The slow path: labels found anywhere, whatever the separators (tabs turned to one space or several, fields in
# another order: the Runtime Interface Emulator writes `Init Duration` before `Duration`). `Duration: ` is also the
# end of `Init Duration: `, `Billed Duration: `, `Restore Duration: ` and `Billed Restore Duration: `, so those
# labels are renamed first and the plain one is then the only `Duration: ` left.
_NORMAL = ("replace(replace(replace(replace(regexp_replace(line, '\\s+', ' ', 'g'), "
           "'Billed Restore Duration: ', 'BilledRestore= '), 'Billed Duration: ', 'Billed= '), "
           "'Init Duration: ', 'Init= '), 'Restore Duration: ', 'Restore= ')")
_SLOW_LABELS = {"Duration": " Duration: ", "Billed Duration": " Billed= ", "Memory Size": " Memory Size: ",
                "Max Memory Used": " Max Memory Used: ", "Init Duration": " Init= ", "Restore Duration": " Restore= "}
_SLOW = "try_cast(split_part(split_part(" + _NORMAL + ", '{needle}', 2), ' ', 1) AS DOUBLE)"
_JSON_PATHS = ("requestId", "metrics.durationMs", "metrics.billedDurationMs", "metrics.memorySizeMB",
               "metrics.maxMemoryUsedMB", "metrics.initDurationMs", "metrics.restoreDurationMs", "status", "errorType")
_JSON_REPORT = ("json_extract_string(substr(line, strpos(line, '{')), ["
                + ", ".join(f"'$.record.{p}'" for p in _JSON_PATHS) + "])")
_STATUS = r"CASE WHEN contains(line, 'Status: ') THEN regexp_extract(line, 'Status: (\w+)', 1) END"
_ERROR_TYPE = r"CASE WHEN contains(line, 'Error Type: ') THEN regexp_extract(line, 'Error Type: ([^\s]+)', 1) END"


def _cut(field: int, label: str, unit: str) -> str:
    """The number in `tabs[field]` = `<label>: <number> <unit>` (one space after the unit is trimmed by the cast;
    a REPORT with two spaces anywhere takes the slow path: the guide's own captures have them)."""
    head, tail = len(label) + 2, len(unit) + 1
    return f"try_cast(substr(tabs[{field}], {head + 1}, strlen(tabs[{field}]) - {head + tail}) AS DOUBLE)"


def _report(rid: str, numbers: Sequence[str], status: str, error_type: str) -> str:
    names = ("duration", "billed", "memory", "used", "init", "restore")
    fields = [f"rid := {rid}", *(f"{n} := {v}" for n, v in zip(names, numbers, strict=True)),
              f"status := {status}", f"error_type := {error_type}"]
    return "struct_pack(" + ", ".join(fields) + ")"


def _optional_cut(label: str) -> str:
    return f"CASE WHEN starts_with(tabs[6], '{label}: ') THEN {_cut(6, label, 'ms')} END"


def _slow(label: str) -> str:
    return _SLOW.format(needle=_SLOW_LABELS[label])


def _optional_slow(label: str) -> str:
    return f"CASE WHEN contains(line, '{label}: ') THEN {_slow(label)} END"


_REPORT = f"""CASE
  WHEN fast THEN {_report(
      "substr(line, strpos(line, 'RequestId: ') + 11, tab - strpos(line, 'RequestId: ') - 11)",
      [_cut(2, 'Duration', 'ms'), _cut(3, 'Billed Duration', 'ms'), _cut(4, 'Memory Size', 'MB'),
       _cut(5, 'Max Memory Used', 'MB'), _optional_cut('Init Duration'), _optional_cut('Restore Duration')],
      _STATUS, _ERROR_TYPE)}
  WHEN j IS NOT NULL THEN {_report("j[1]", [f"try_cast(j[{i}] AS DOUBLE)" for i in range(2, 8)], "j[8]", "j[9]")}
  ELSE {_report(
      "nullif(split_part(split_part(split_part(line, 'REPORT RequestId: ', 2), chr(9), 1), ' ', 1), '')",
      [*(_slow(label) for label in ('Duration', 'Billed Duration', 'Memory Size', 'Max Memory Used')),
       _optional_slow('Init Duration'), _optional_slow('Restore Duration')],
      _STATUS, _ERROR_TYPE)}
  END"""
_REPORT_TIME = r"""coalesce(ts,
    CASE WHEN $prefix = 25 THEN try_cast(substr(line, 1, 23) AS TIMESTAMP)
         WHEN $prefix = 20 THEN try_cast(substr(line, 1, 19) AS TIMESTAMP)
         WHEN $prefix = 14 THEN make_timestamp(try_cast(substr(line, 1, 13) AS BIGINT) * 1000) END,
    CASE WHEN contains(line, '"time":"') THEN try_cast(regexp_extract(line, '"time":"([^"]+?)Z?"', 1) AS TIMESTAMP) END)"""

# An INIT_REPORT or RESTORE_REPORT line (kind 4), text or JSON: `INIT_REPORT Init Duration: 9999.79 ms\tPhase:
# init\tStatus: timeout` (facts.md §2.1), `{"type":"platform.initReport","record":{"phase":"invoke","status":"error",
# "errorType":…,"metrics":{"durationMs":…}}}`. Phase `invoke` is an init re-run inside an invocation (after a failed
# or timed-out init, or a crash): that invocation is a cold start and pays it. Phase `init` is the init before any
# invocation (or, for SnapStart and provisioned concurrency, ahead of any); it counts only when it failed.
_JS = "substr(line, strpos(line, '{'))"
_INIT = rf"""CASE WHEN contains(line, '"type":"platform.') THEN struct_pack(
    ms := try_cast(json_extract_string({_JS}, '$.record.metrics.durationMs') AS DOUBLE),
    phase := CASE WHEN contains(line, 'platform.restoreReport') THEN 'restore'
                  ELSE lower(json_extract_string({_JS}, '$.record.phase')) END,
    status := lower(json_extract_string({_JS}, '$.record.status')),
    error_type := json_extract_string({_JS}, '$.record.errorType'))
  ELSE struct_pack(
    ms := try_cast(regexp_extract(line, 'Duration: ([0-9.]+)', 1) AS DOUBLE),
    phase := CASE WHEN contains(line, 'RESTORE_REPORT') THEN 'restore'
                  ELSE lower(nullif(regexp_extract(line, 'Phase: (\w+)', 1), '')) END,
    status := lower(nullif(regexp_extract(line, 'Status: (\w+)', 1), '')),
    error_type := nullif(regexp_extract(line, 'Error Type: (\S+)', 1), ''))
  END"""
_INIT_FAILED = "init.status IN ('error', 'failure', 'timeout')"

# -- assembling, then: the lines after one REPORT up to the next → one invocation ----------------------------------
# Within one log stream an execution environment handles one invocation at a time and REPORT is its last line, so
# the kept lines between two REPORTs belong to the second. No grouping and no sort: running counts and "the last
# value seen" are carried down the stream (streaming windows), only the REPORT rows and each stream's last row are
# kept, and the difference to the previous kept row's running counts gives the invocation's own.
# Except for a line that trails its REPORT: a separate `XRAY TraceId:` line (kind 5), and the timeout or crash line
# older runtimes print after END/REPORT, naming the request of that REPORT (`<time> <id> Task timed out after 3.00
# seconds`, `RequestId: <id> Process exited before completing request`). Right after a REPORT, such a line belongs
# to it: its facts are counted apart ("late") and given to the invocation before, by a lead over the REPORT rows
# (pieces never end just before such a line, store.py). A failure line naming another request, or none, stays.
# Each kept line is reduced to its facts first and the line itself is dropped: the windows copy every row they pass
# on (lead delays a whole chunk), so they carry numbers and short strings, not log lines.
# Every expression sits in a CASE on the kind: outside one, it would run on every row (NULL in, NULL out, same cost).
_ASSEMBLE = rf"""
facts AS (
  SELECT stream, ord, pos, kind, last_row__CARRY__,
    CASE WHEN kind = 1 THEN {_REPORT} END AS report,
    CASE WHEN kind = 1 THEN {_REPORT_TIME} END AS time,
    CASE WHEN kind = 2 THEN {_START} END AS start,
    CASE WHEN kind = 3 THEN {_FAILURE} END AS failure,
    CASE WHEN kind = 4 THEN {_INIT} END AS init,
    -- Lambda's own records: a START's and a REPORT's bytes (without an export's timestamp), and the log format
    CASE WHEN kind IN (1, 2) THEN strlen(line) + (NOT ends_with(line, chr(10)))::INT
           - CASE WHEN starts_with(line, $lead) THEN $prefix ELSE 0 END
         END AS line_len,
    CASE WHEN kind = 1 THEN j IS NOT NULL END AS json_report
  FROM (
    SELECT *, CASE WHEN kind = 1 THEN starts_with(tabs[2], 'Duration: ') AND starts_with(tabs[5], 'Max Memory Used: ')
                   AND substr(line, tab - 1, 1) <> ' ' AND NOT contains(line, '  ') END AS fast
    FROM (
      SELECT *, CASE WHEN kind = 1 THEN string_split(line, chr(9)) END AS tabs,
        CASE WHEN kind = 1 THEN strpos(line, chr(9)) END AS tab,
        CASE WHEN kind = 1 AND contains(line, '"type":"platform.report"') THEN {_JSON_REPORT} END AS j
      FROM kept))
), followed AS (
  SELECT *, lag(report.rid) OVER o AS prev_report_rid,
    lag(pos, 1, __START_POS__) OVER o AS prev_row_pos
  FROM facts WINDOW o AS (__PARTITION__)
), marked AS (
  SELECT *, coalesce(prev_report_rid IS NOT NULL AND (kind = 5 OR failure.rid = prev_report_rid), false) AS trail
  FROM followed
), running AS (
  -- count(*) FILTER is the one running aggregate DuckDB's streaming window keeps as a plain counter
  -- (a running sum() updates a HUGEINT state per row and is about ten times slower)
  SELECT stream, ord, pos, kind, report, time, last_row, line_len, json_report__CARRY__,
    count(*) FILTER (WHERE kind = 1) OVER w AS reports,
    count(*) FILTER (WHERE kind = 2) OVER w AS starts,
    count(*) FILTER (WHERE failure.error_line) OVER w AS error_lines,
    count(*) FILTER (WHERE failure.unhandled AND NOT trail) OVER w AS unhandled,
    count(*) FILTER (WHERE failure.killed AND NOT trail) OVER w AS killed,
    count(*) FILTER (WHERE failure.exited AND NOT trail) OVER w AS exits,
    count(*) FILTER (WHERE failure.raised IS NOT NULL) OVER w AS raises,
    count(*) FILTER (WHERE failure.timeout_s IS NOT NULL AND NOT trail) OVER w AS timeouts,
    -- a trailing line's facts travel as two numbers (at most one trails a REPORT: the window carries one value):
    -- its bytes and three flags in one BIGINT, its timeout apart; a struct, carried and then led, cost 5 % of
    -- the assembly more (median of 8 alternating runs on the 239 MB file, 0.946 against 0.882 s)
    count(*) FILTER (WHERE trail) OVER w AS trails,
    last_value(CASE WHEN trail THEN (pos - prev_row_pos) * 16 + coalesce(failure.unhandled, false)::BIGINT * 8
      + coalesce(failure.killed, false)::BIGINT * 4 + coalesce(failure.exited, false)::BIGINT * 2 END IGNORE NULLS)
      OVER w AS trail_code,
    last_value(CASE WHEN trail THEN failure.timeout_s END IGNORE NULLS) OVER w AS trail_timeout,
    count(*) FILTER (WHERE init.phase = 'invoke' AND init.ms IS NOT NULL) OVER w AS invoke_inits,
    count(*) FILTER (WHERE {_INIT_FAILED}) OVER w AS failed_inits,
    count(*) FILTER (WHERE init.status = 'timeout') OVER w AS timed_out_inits,
    count(*) FILTER (WHERE init.phase = 'invoke' AND {_INIT_FAILED}) OVER w AS invoke_init_failures,
    last_value(start.version IGNORE NULLS) OVER w AS version,
    last_value(failure.raised IGNORE NULLS) OVER w AS raised,
    last_value(failure.timeout_s IGNORE NULLS) OVER w AS timeout_s,
    last_value(CASE WHEN kind = 2 THEN line_len END IGNORE NULLS) OVER w AS start_len,
    last_value(CASE WHEN init.phase = 'invoke' THEN init.ms END IGNORE NULLS) OVER w AS invoke_init_ms,
    last_value(CASE WHEN {_INIT_FAILED} THEN coalesce(init.error_type, CASE WHEN init.status = 'timeout'
      THEN 'Sandbox.Timedout' ELSE 'Runtime.Unknown' END) END IGNORE NULLS) OVER w AS init_error,
    -- a START's request ID names an invocation only when no REPORT does (one cut off at the end)
    last_value(start.rid IGNORE NULLS) OVER w AS start_rid
  FROM marked
  WINDOW w AS (__PARTITION__ ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), ends AS (
  SELECT *,
    lag(pos, 1, __START_POS__) OVER o AS prev_pos,
    lag(starts, 1, 0) OVER o AS prev_starts,
    lag(error_lines, 1, 0) OVER o AS prev_error_lines,
    lag(unhandled, 1, 0) OVER o AS prev_unhandled,
    lag(killed, 1, 0) OVER o AS prev_killed,
    lag(exits, 1, 0) OVER o AS prev_exits,
    lag(raises, 1, 0) OVER o AS prev_raises,
    lag(timeouts, 1, 0) OVER o AS prev_timeouts,
    lag(trails, 1, 0) OVER o AS prev_trails,
    lag(invoke_inits, 1, 0) OVER o AS prev_invoke_inits,
    lag(failed_inits, 1, 0) OVER o AS prev_failed_inits,
    lag(timed_out_inits, 1, 0) OVER o AS prev_timed_out_inits,
    lag(invoke_init_failures, 1, 0) OVER o AS prev_invoke_init_failures,
    -- what trails the next segment's start belongs to this invocation
    -- (a lead whose default is a column is not streamed: the defaults are applied after)
    lead(trails) OVER o AS next_trails,
    lead(trail_code) OVER o AS next_trail_code,
    lead(trail_timeout) OVER o AS next_trail_timeout
  FROM running WHERE kind = 1 OR last_row
  WINDOW o AS (__PARTITION__)
), invocation AS (
  SELECT stream__CARRY__, reports - (kind = 1)::BIGINT + __SEG_OFFSET__ AS seg, (kind = 1)::BIGINT AS reports,
    greatest(starts - prev_starts - 1, 0) AS lost_starts,
    error_lines - prev_error_lines AS error_lines,
    unhandled > prev_unhandled OR coalesce(late.unhandled, false) AS unhandled,
    CASE WHEN raises > prev_raises THEN raised END AS unhandled_type,
    killed > prev_killed OR coalesce(late.killed, false) AS killed,
    exits > prev_exits OR coalesce(late.exited, false) AS exited,
    CASE WHEN timeouts > prev_timeouts THEN timeout_s ELSE late.timeout_s END AS timed_out_after_s,
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
    CASE WHEN report.init < 1e9 THEN report.init
         WHEN invoke_inits > prev_invoke_inits AND invoke_init_ms < 1e9 THEN invoke_init_ms END AS init_ms,
    CASE WHEN report.restore < 1e9 THEN report.restore END AS restore_ms,
    failed_inits - prev_failed_inits AS init_failures,
    timed_out_inits - prev_timed_out_inits AS init_timeouts,
    CASE WHEN invoke_init_failures > prev_invoke_init_failures THEN init_error END AS init_error,
    nullif(report.status, '') AS reported_status, nullif(report.error_type, '') AS reported_error_type,
    greatest(0, pos - prev_pos - CASE WHEN trails > prev_trails THEN coalesce(trail_code >> 4, 0) ELSE 0 END
             + coalesce(late.bytes, 0)) AS log_bytes,
    report.rid IS NULL AS report_unparsed,
    CASE WHEN kind = 1 THEN coalesce(line_len, 0) ELSE 0 END
      + CASE WHEN starts > prev_starts THEN coalesce(start_len, 0) ELSE 0 END AS platform_bytes,
    coalesce(json_report, false) AS json_format
  FROM (SELECT *, CASE WHEN next_trails > trails THEN struct_pack(bytes := next_trail_code >> 4,
          unhandled := (next_trail_code & 8) > 0, killed := (next_trail_code & 4) > 0,
          exited := (next_trail_code & 2) > 0, timeout_s := next_trail_timeout) END AS late FROM ends)
)"""


_FINAL = r"""
SELECT __FUNCTION__ AS function, version, request_id, time,
  duration_ms, billed_ms, memory_mb, max_memory_used_mb, init_ms, restore_ms,
  CASE WHEN reported_status IS NOT NULL THEN reported_status
       WHEN timed_out_after_s IS NOT NULL THEN 'timeout'
       WHEN unhandled OR init_error IS NOT NULL THEN 'error'
       ELSE 'success' END AS status,
  CASE WHEN reported_error_type IS NOT NULL THEN reported_error_type
       WHEN timed_out_after_s IS NOT NULL THEN 'Sandbox.Timedout'
       WHEN killed AND max_memory_used_mb >= memory_mb THEN 'Runtime.OutOfMemory'
       WHEN killed OR exited THEN 'Runtime.ExitError'
       WHEN init_error IS NOT NULL THEN init_error
       WHEN unhandled THEN unhandled_type END AS error_type,
  (init_ms IS NOT NULL OR restore_ms IS NOT NULL) AS cold_start,
  log_bytes, error_lines, timed_out_after_s, reports,
  reports = 0 AS partial,
  -- a Lambda Managed Instances REPORT has a duration only (no billed duration, no memory): it is still a REPORT
  reports > 0 AND (report_unparsed OR duration_ms IS NULL) AS unparsed,
  lost_starts, $src AS src, stream, seg, init_failures, init_timeouts, platform_bytes, json_format
FROM __INVOCATION__
"""

COLUMNS = ("function VARCHAR, version VARCHAR, request_id VARCHAR, time TIMESTAMP, duration_ms DOUBLE, "
            "billed_ms DOUBLE, memory_mb DOUBLE, max_memory_used_mb DOUBLE, init_ms DOUBLE, restore_ms DOUBLE, "
            "status VARCHAR, error_type VARCHAR, cold_start BOOLEAN, log_bytes BIGINT, error_lines BIGINT, "
            "timed_out_after_s DOUBLE, reports BIGINT, partial BOOLEAN, unparsed BOOLEAN, lost_starts BIGINT, "
            "src INTEGER, "
            "stream VARCHAR, seg BIGINT, init_failures BIGINT, init_timeouts BIGINT, platform_bytes BIGINT, "
            "json_format BOOLEAN")


# -- Lambda Managed Instances: several requests in flight in one stream ------------------------------------------
# An execution environment of a Managed Instances function handles many requests at once (DG, "Lambda Managed
# Instances runtimes"), so the lines between two REPORTs are not one invocation's. Its REPORT holds a duration only
# (the emulator's LMI telemetry: `REPORT RequestId: <id>\tDuration: 125.46 ms`, a platform.report with
# `metrics.durationMs` alone). Such a file is assembled by request ID instead: START, REPORT, timeout and crash lines
# name their request, and so do the runtimes' error lines (Python `[ERROR]\t<time>\t<id>\t…`, Node
# `<time>\t<id>\tERROR\t…`, JSON `"requestId"`); a line that names none goes with no invocation. Bytes: each kept
# line's bytes and the application lines before it go to its request (the total is the file's).
IS_CONCURRENT = ("SELECT count(*) FROM (SELECT line FROM __KEPT__ WHERE kind = 1 LIMIT 1) "
                 "WHERE NOT contains(line, 'Billed Duration') AND NOT contains(line, 'billedDurationMs')")
_UUID = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
CONCURRENT = rf"""
INSERT INTO invocations
WITH kept AS (__KEPT__), facts AS (
  SELECT stream, ord, pos, kind, lag(pos, 1, 0) OVER (PARTITION BY stream ORDER BY ord) AS prev_pos,
    CASE WHEN kind = 1 THEN {_REPORT} END AS report,
    CASE WHEN kind = 1 THEN {_REPORT_TIME} END AS time,
    CASE WHEN kind = 2 THEN {_START} END AS start,
    CASE WHEN kind = 3 THEN {_FAILURE} END AS failure,
    CASE WHEN kind = 3 THEN nullif(regexp_extract(line, '{_UUID}', 1), '') END AS line_rid,
    CASE WHEN kind IN (1, 2) THEN strlen(line) + (NOT ends_with(line, chr(10)))::INT END AS line_len,
    j IS NOT NULL AS json_report
  FROM (
    SELECT *, false AS fast, NULL::VARCHAR[] AS tabs, NULL::BIGINT AS tab,
      CASE WHEN kind = 1 AND contains(line, '"type":"platform.report"') THEN {_JSON_REPORT} END AS j
    FROM kept)
), named AS (
  SELECT *, coalesce(report.rid, start.rid, failure.rid, line_rid) AS rid FROM facts
), invocation AS (
  SELECT stream, rid AS request_id, count(*) FILTER (WHERE kind = 1) AS reports,
    max(time) AS time, max(report.duration) AS duration_ms, max(report.billed) AS billed_ms,
    max(report.memory) AS memory_mb, max(report.used) AS max_memory_used_mb, max(report.init) AS init_ms,
    max(report.restore) AS restore_ms, max(nullif(report.status, '')) AS reported_status,
    max(nullif(report.error_type, '')) AS reported_error_type,
    coalesce(nullif(max(start.version), ''), CAST($file_version AS VARCHAR)) AS version,
    count(*) FILTER (WHERE failure.error_line) AS error_lines,
    bool_or(failure.unhandled) AS unhandled, max(failure.raised) AS unhandled_type,
    bool_or(failure.killed) AS killed, bool_or(failure.exited) AS exited, max(failure.timeout_s) AS timed_out_after_s,
    sum(pos - prev_pos) AS log_bytes, min(ord) AS first_ord, sum(line_len) AS platform_bytes,
    bool_or(json_report) AS json_format
  FROM named GROUP BY stream, rid
)
SELECT $function AS function, version, request_id, time,
  duration_ms, billed_ms, memory_mb, max_memory_used_mb, init_ms, restore_ms,
  CASE WHEN reported_status IS NOT NULL THEN reported_status WHEN timed_out_after_s IS NOT NULL THEN 'timeout'
       WHEN unhandled THEN 'error' ELSE 'success' END AS status,
  CASE WHEN reported_error_type IS NOT NULL THEN reported_error_type
       WHEN timed_out_after_s IS NOT NULL THEN 'Sandbox.Timedout'
       WHEN killed OR exited THEN 'Runtime.ExitError' WHEN unhandled THEN unhandled_type END AS error_type,
  (init_ms IS NOT NULL OR restore_ms IS NOT NULL) AS cold_start,
  CAST(log_bytes AS BIGINT), error_lines, timed_out_after_s, reports, reports = 0 AS partial,
  reports > 0 AND duration_ms IS NULL AS unparsed, 0 AS lost_starts, $src AS src, stream,
  row_number() OVER (ORDER BY first_ord) AS seg, 0 AS init_failures, 0 AS init_timeouts,
  CAST(coalesce(platform_bytes, 0) AS BIGINT), coalesce(json_format, false)
FROM invocation
"""


def ingest_sql(kept: str, partition: str, start_pos: int = 0, seg_offset: int = 0, functions: str = "") -> str:
    """The statement that assembles ``kept`` into invocations; with ``functions`` (a table of filename, function),
    each invocation's function is its file's."""
    assembled = (_ASSEMBLE.replace("__PARTITION__", partition).replace("__START_POS__", str(int(start_pos)))
                 .replace("__SEG_OFFSET__", str(int(seg_offset))).replace("__CARRY__", ", filename" if functions else ""))
    final = (_FINAL.replace("__FUNCTION__", "m.function" if functions else "$function")
             .replace("__INVOCATION__", f"invocation LEFT JOIN {functions} m USING (filename)" if functions
                      else "invocation"))
    return f"INSERT INTO invocations WITH kept AS ({kept}), {assembled} {final}"



# -- per function, once its invocations are all in (``$fn``) --------------------------------------------------------
# The same REPORT record twice (overlapping exports, a file given twice) is one invocation. A retried asynchronous
# event keeps its request ID but has a REPORT of its own, so it stays. Most inputs have none: the (time, duration)
# pairs seen twice are looked for first, one hash aggregate on two numbers (half the time of one on the request
# IDs), and only the invocations that have them are ranked.
SEEN_TWICE = ("SELECT time, duration_ms FROM invocations WHERE function = $fn AND NOT partial GROUP BY ALL "
               "HAVING count(*) > 1")
DEDUPE = f"""
WITH seen_twice AS ({SEEN_TWICE}), ranked AS (
  SELECT rowid AS r, row_number() OVER (PARTITION BY request_id, time, duration_ms, billed_ms, memory_mb,
         max_memory_used_mb, status ORDER BY src, stream, seg) AS k
  FROM invocations i SEMI JOIN seen_twice s
    ON i.time IS NOT DISTINCT FROM s.time AND i.duration_ms IS NOT DISTINCT FROM s.duration_ms
  WHERE function = $fn AND NOT partial)
DELETE FROM invocations WHERE rowid IN (SELECT r FROM ranked WHERE k > 1) RETURNING 1"""
# The statistics of the counted invocations and, for every invocation (cut-off and unparsed ones too), its log
# bytes and cut-off starts, in one pass; without statistics, the counts alone.
STATS = r"""
SELECT NOT partial AND NOT unparsed AS counted, sum(log_bytes) AS bytes,
  count(*) FILTER (WHERE partial AND request_id IS NOT NULL) + sum(lost_starts) AS cut_off,
  count(*) AS invocations,
  count(*) FILTER (WHERE cold_start) AS cold_starts,
  quantile_cont(duration_ms, [0.5, 0.9, 0.99]) AS d, max(duration_ms) AS dmax,
  sum(billed_ms) AS billed_total, avg(billed_ms) AS billed_mean,
  quantile_cont(max_memory_used_mb, [0.5, 0.99]) AS m, max(max_memory_used_mb) AS mmax,
  quantile_cont(coalesce(init_ms, restore_ms), [0.5, 0.75, 0.95]) FILTER (WHERE cold_start) AS i,
  max(coalesce(init_ms, restore_ms)) AS imax,
  count(*) FILTER (WHERE max_memory_used_mb >= memory_mb) AS at_limit,
  count(*) FILTER (WHERE status = 'timeout') AS timeouts,
  count(*) FILTER (WHERE error_type = 'Runtime.OutOfMemory') AS oom,
  count(*) FILTER (WHERE status NOT IN ('success', 'timeout')) AS errors,
  sum(error_lines) FILTER (WHERE status = 'success') AS err_lines,
  count(*) FILTER (WHERE status = 'success' AND error_lines > 0) AS err_invocations,
  min(time) AS first, max(time) AS last,
  max(timed_out_after_s) AS timeout_s,
  max(max_memory_used_mb) FILTER (WHERE status = 'success') AS ok_peak,
  count(*) FILTER (WHERE status = 'success') AS ok_n,
  avg(billed_ms) FILTER (WHERE status = 'success') AS ok_billed,
  quantile_cont(duration_ms, 0.5) FILTER (WHERE status = 'success') AS ok_p50,
  sum(platform_bytes) AS platform_bytes, bool_or(json_format) AS json_format,
  sum(init_failures) AS init_failures, sum(init_timeouts) AS init_timeouts,
  count(*) FILTER (WHERE unparsed) AS unparsed
FROM invocations WHERE function = $fn
GROUP BY counted"""
COUNTS = ("SELECT count(*) FILTER (WHERE unparsed), count(*) FILTER (WHERE partial AND request_id IS NOT NULL) + "
           "sum(lost_starts) FROM invocations WHERE function = $fn")
# The configured sizes and the versions seen, with their counts: a second, small aggregate costs less than mode()
# and two histogram() in the one above (6 against 16 ms per 280 k invocations).
SIZES = ("SELECT memory_mb, version, count(*) FROM invocations WHERE function = $fn AND NOT partial "
          "AND NOT unparsed GROUP BY ALL")


# The same statements for the functions of small files read together (``src``), grouped by function.
SEEN_TWICE_MANY = ("SELECT function, time, duration_ms FROM invocations WHERE src = $src AND NOT partial "
                    "GROUP BY ALL HAVING count(*) > 1")
DEDUPE_MANY = (DEDUPE.replace(SEEN_TWICE, SEEN_TWICE_MANY)
                .replace("PARTITION BY request_id", "PARTITION BY function, request_id")
                .replace("ON i.time", "ON i.function = s.function AND i.time")
                .replace("WHERE function = $fn AND NOT partial)", "WHERE src = $src AND NOT partial)")
                .replace("RETURNING 1", "RETURNING function"))
STATS_MANY = (STATS.replace("SELECT NOT partial", "SELECT function, NOT partial")
               .replace("WHERE function = $fn", "WHERE src = $src").replace("GROUP BY counted", "GROUP BY ALL"))
COUNTS_MANY = (COUNTS.replace("SELECT count(*)", "SELECT function, count(*)", 1)
                .replace("WHERE function = $fn", "WHERE src = $src GROUP BY function"))
SIZES_MANY = (SIZES.replace("SELECT memory_mb", "SELECT function, memory_mb")
               .replace("WHERE function = $fn", "WHERE src = $src"))
assert "$fn" not in DEDUPE_MANY + STATS_MANY + COUNTS_MANY + SIZES_MANY


def events_source(path: Path, compressed: bool = False) -> str:
    quoted = str(path).replace("'", "''")
    return (f"read_json('{quoted}', columns={{'events': 'STRUCT(logStreamName VARCHAR, \"timestamp\" BIGINT, "
            "message VARCHAR, eventId VARCHAR)[]'}, format='auto', maximum_object_size=268435456, "
            f"compression='{'gzip' if compressed else 'none'}')")


def subscription_source(path: Path, compressed: bool = False) -> str:
    """A CloudWatch Logs subscription payload (CloudWatch Logs User Guide, "Using subscription filters"):
    `{"messageType": "DATA_MESSAGE", "owner", "logGroup", "logStream", "subscriptionFilters", "logEvents":
    [{"id", "timestamp", "message"}]}`, one or more in a file (Firehose writes them back to back), as the events
    of filter-log-events. A CONTROL_MESSAGE (sent when the subscription is created) holds no Lambda record."""
    quoted = str(path).replace("'", "''")
    source = (f"read_json('{quoted}', columns={{'messageType': 'VARCHAR', 'logStream': 'VARCHAR', "
              "'logEvents': 'STRUCT(id VARCHAR, \"timestamp\" BIGINT, message VARCHAR)[]'}, format='auto', "
              f"maximum_object_size=268435456, compression='{'gzip' if compressed else 'none'}')")
    return (f"(SELECT list_transform(logEvents, lambda e: struct_pack(logStreamName := logStream, "
            "\"timestamp\" := e.\"timestamp\", message := e.message, eventId := e.id)) AS events "
            f"FROM {source} WHERE messageType IS DISTINCT FROM 'CONTROL_MESSAGE')")
