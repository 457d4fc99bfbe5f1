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
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdoctor.logs.files import batch_small_files, file_size, long_lines, prefix_length, work_key
from lambdoctor.logs.sources import STREAMS_LINE, LogFile
from lambdoctor.logs.sql import (
    COLUMNS,
    CONCURRENT,
    COUNTS,
    COUNTS_MANY,
    DEDUPE,
    DEDUPE_MANY,
    IS_CONCURRENT,
    KEPT_FROM_EVENTS,
    KEPT_FROM_PARTS,
    KEPT_FROM_STREAMS,
    KEPT_FROM_TEXT,
    READ_TEXT,
    SEEN_TWICE,
    SEEN_TWICE_MANY,
    SIZES,
    SIZES_MANY,
    STATS,
    STATS_MANY,
    events_source,
    ingest_sql,
    subscription_source,
)
from lambdoctor.problems import Problem
from lambdoctor.stats import FunctionStats, IngestReport

if TYPE_CHECKING:
    import duckdb

MAX_LINE_BYTES = 2 * 1024 * 1024  # a CloudWatch event is at most 1 MB (256 KB before 2025); longer is not a log line
# (the CSV reader sizes its buffers from this: 8 MB made it fault in 45 % more pages than 2 MB)

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
    last: int  # the rowid of the piece's last row: it ends the piece's last invocation, REPORT or not
    functions: str = ""  # the table of each file's function, for files of several functions read together


@dataclass(frozen=True)
class _Finished:
    function: str
    duplicates: int
    unparsed: int
    partial: int
    stats: FunctionStats | None  # None: not asked for, or no invocation at all
    reports: dict[str, Any] | None = None


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
        self.con.execute(f"CREATE TABLE invocations ({COLUMNS})")
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
        work = _Work(sorted(enumerate(files, start), key=lambda job: -file_size(job[1].path)), eager=workers - 1,
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
                    if f.layout in ("events", "subscription", "streams"):
                        self._ingest_events(cursor, src, f)
                    else:
                        pieces = self._read_text(cursor, src, f, work)
                except duckdb.Error as exc:
                    cursor.execute(f"DROP TABLE IF EXISTS kept_{src}")
                    cursor.execute(f"DROP TABLE IF EXISTS functions_{src}")
                    salvaged = self._salvage(f) if f.compressed and not f.parts else None
                    if salvaged is None:
                        work.failed(f.shown, f"could not read this log: {_duckdb_reason(exc)}")
                    else:
                        try:
                            pieces = self._read_text(cursor, src, salvaged, work) if f.layout == "text" else []
                            if f.layout != "text":
                                self._ingest_events(cursor, src, salvaged)
                            work.failed(f.shown, "the gzip stream is cut off: the invocations before the cut "
                                                 f"were read ({_duckdb_reason(exc)})")
                        except duckdb.Error as again:
                            work.failed(f.shown, f"could not read this log: {_duckdb_reason(again)}")
                finally:  # whatever happened, a thread waiting for this file's pieces must wake up
                    function_done = work.read_done(work_key(f), pieces)
                if function_done:
                    self._finish(cursor, src, f, work)
        finally:
            cursor.close()

    def _read_text(self, cursor: duckdb.DuckDBPyConnection, src: int, f: LogFile, work: _Work) -> list[_Piece]:
        rejects, scans, kept = f"rejects_{src}", f"reject_scans_{src}", f"kept_{src}"
        prefix = prefix_length(f.path, f.compressed)
        # Stored, then read back: after the filter a chunk of 2,048 lines keeps only the ~15 % that matter, and
        # DuckDB would run every later expression once per such small chunk. Read back from a table, the kept
        # lines come in full chunks (measured on a 239 MB log: 1.85 s in one statement, 1.08 s in two).
        functions = ""
        if f.part_functions:  # which function each file is of, by the name the reader gives it
            functions = f"functions_{src}"
            cursor.execute(f"CREATE TABLE {functions} AS SELECT unnest($files) AS filename, unnest($fns) AS function",
                           {"files": list(f.parts), "fns": list(f.part_functions)})
        cursor.execute(f"CREATE TABLE {kept} AS {KEPT_FROM_PARTS if functions else KEPT_FROM_TEXT}", {
            "path": list(f.parts) if f.parts else str(f.path), "prefix": prefix,
            "lead": _lead(prefix), "max_line": MAX_LINE_BYTES, "rejects": rejects,
            "rejects_scan": scans, "compression": "gzip" if f.compressed else "none",
        })
        # A line too long for the reader's buffer leaves no reject row: it is found here, and a rejected line it
        # also is counts once.
        long = [] if f.parts or f.compressed else long_lines(f.path)
        starts = ", ".join(str(start) for start, _ in long) or "NULL"
        row = cursor.execute(f"SELECT count(*) FROM {rejects} WHERE NOT list_contains([{starts}], "
                             "line_byte_position - 1)").fetchone()
        work.add_rejected((int(row[0]) if row else 0) + len(long))
        if not functions and self._concurrent(cursor, kept):
            source = f"SELECT '' AS stream, rowid AS ord, NULL::TIMESTAMP AS ts, * FROM {kept}"
            cursor.execute(CONCURRENT.replace("__KEPT__", source), {
                "src": src, "function": f.function, "file_version": f.version, "prefix": prefix})
            cursor.execute(f"DROP TABLE IF EXISTS {kept}")
            return []
        # Pieces of about `piece_rows` kept lines (half of them REPORTs), of equal size, each ending at a REPORT.
        # No smaller: each more piece costs 30-50 ms (the statement, its operators' fresh memory, the commit). The
        # table's rowid is its insertion order, which is the file's order (one thread wrote it, and one thread scans
        # it back in that order). A running count is a streaming window; row_number() OVER (ORDER BY rowid) sorted
        # the REPORTs (23 ms against 2 ms on 280 k of them).
        row = cursor.execute(f"SELECT count(*) FILTER (WHERE kind = 1), max(rowid) FROM {kept}").fetchone()
        reports, last = (int(row[0]), int(row[1] if row[1] is not None else -1)) if row else (0, -1)
        per = -(-reports // max(1, round(reports / max(1, self.piece_rows // 2))))  # REPORTs per piece, rounded up
        # A cut never falls just before a line that trails its REPORT (kinds 3 and 5: sql.py), which belongs to
        # the invocation before the cut: the cut moves to the next REPORT that is not followed by one.
        cuts = cursor.execute(f"""
            SELECT rowid, pos, n FROM (
              SELECT rowid, pos, n, lag(n, 1, 0) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS prev_n
              FROM (
                SELECT rowid, pos, kind, lead(kind) OVER () AS next_kind,
                  count(*) FILTER (WHERE kind = 1) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
                FROM {kept})
              WHERE kind = 1 AND next_kind IS DISTINCT FROM 3 AND next_kind IS DISTINCT FROM 5)
            WHERE n // {max(1, per)} > prev_n // {max(1, per)} AND n < {reports}""").fetchall()
        bounds = [(-1, 0, 0), *((int(r), int(p), int(n)) for r, p, n in cuts)]
        pieces = []
        for i, (after, start_pos, seg_offset) in enumerate(bounds):
            until = bounds[i + 1][0] if i + 1 < len(bounds) else None
            pieces.append(_Piece(src, f, kept, after, until, start_pos, seg_offset, prefix,
                                 until if until is not None else last, functions))
        return pieces

    def _assemble_piece(self, cursor: duckdb.DuckDBPyConnection, piece: _Piece) -> None:
        where = f"rowid > {piece.after}" + (f" AND rowid <= {piece.until}" if piece.until is not None else "")
        sql = ingest_sql(f"SELECT '' AS stream, 0 AS ord, NULL::TIMESTAMP AS ts, *, rowid = {piece.last} AS last_row "
                         f"FROM {piece.table} WHERE {where}",
                          "", piece.start_pos, piece.seg_offset, piece.functions)
        params: dict[str, object] = {"src": piece.src, "file_version": piece.file.version, "prefix": piece.prefix,
                                     "lead": _lead(piece.prefix)}
        if not piece.functions:
            params["function"] = piece.file.function
        cursor.execute(sql, params)

    def request_lines(self, files: Sequence[LogFile], request_id: str) -> list[tuple[str, str]]:
        """(file, line) of one invocation, in order: the lines of its segment (START … REPORT within one stream:
        the segment whose START or REPORT names it, so that a timeout line printed after the REPORT does not bring
        the next invocation along), plus any line elsewhere that names its request ID."""
        import duckdb

        out: list[tuple[str, str]] = []
        for src, f in enumerate(files):
            if f.layout in ("events", "subscription"):
                source = (subscription_source if f.layout == "subscription" else events_source)(f.path, f.compressed)
                sql = f"""
                    WITH l AS (
                      SELECT stream, seq, line, is_report, sum(is_report) OVER w - is_report AS seg FROM (
                        SELECT coalesce(e.logStreamName, '') AS stream, e.message AS line,
                               CASE WHEN contains(e.message, 'REPORT RequestId: ')
                                         OR contains(e.message, '"type":"platform.report"') THEN 1 ELSE 0 END
                                 AS is_report,
                               e."timestamp" AS ts, coalesce(e.eventId, lpad(CAST(n AS VARCHAR), 20, '0')) AS seq
                        FROM (SELECT unnest(events) AS e, generate_subscripts(events, 1) AS n FROM {source}))
                      WINDOW w AS (PARTITION BY stream ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND
                                   CURRENT ROW))
                    SELECT line FROM l WHERE (stream, seg) IN (SELECT (stream, seg) FROM l
                                                                WHERE contains(line, $rid) AND {_NAMES_REQUEST})
                       OR contains(line, $rid)
                    ORDER BY stream, seq"""
                try:
                    rows = self.con.execute(sql, {"rid": request_id}).fetchall()
                except duckdb.Error:
                    continue  # a file the ingest could not read (reported there as SYS000): nothing to show
            else:
                sql = f"""
                    WITH l AS (
                      SELECT line, is_report, row_number() OVER w AS n, sum(is_report) OVER w - is_report AS seg
                      FROM (
                        SELECT line, CASE WHEN contains(line, 'REPORT RequestId: ')
                                           OR contains(line, '"type":"platform.report"') THEN 1 ELSE 0 END
                                     AS is_report
                        FROM {READ_TEXT})
                      WINDOW w AS (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
                    SELECT line FROM l WHERE seg IN (SELECT seg FROM l WHERE contains(line, $rid) AND {_NAMES_REQUEST})
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
        params: dict[str, object] = {"src": src, "function": f.function, "file_version": f.version, "prefix": 0,
                                     "lead": _lead(0)}
        if f.layout == "streams":
            kept = KEPT_FROM_STREAMS.replace("__PATTERN__", STREAMS_LINE.replace("'", "''"))
            params.update({"path": str(f.path), "max_line": MAX_LINE_BYTES, "rejects": f"rejects_{src}",
                           "rejects_scan": f"reject_scans_{src}", "compression": "gzip" if f.compressed else "none"})
        else:
            source = (subscription_source if f.layout == "subscription" else events_source)(f.path, f.compressed)
            kept = KEPT_FROM_EVENTS.replace("__SOURCE__", source)
        if self._concurrent(cursor, f"({kept})", params):
            cursor.execute(CONCURRENT.replace("__KEPT__", kept), params)
        else:
            cursor.execute(ingest_sql(kept, "PARTITION BY stream ORDER BY ord"), params)

    @staticmethod
    def _concurrent(cursor: duckdb.DuckDBPyConnection, kept: str, params: dict[str, object] | None = None) -> bool:
        """Whether a file is of a Lambda Managed Instances function (sql.IS_CONCURRENT): assembled by request."""
        sql = IS_CONCURRENT.replace("__KEPT__", kept)
        used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
        row = cursor.execute(sql, used).fetchone()
        return bool(row and row[0])

    def _salvage(self, f: LogFile) -> LogFile | None:
        """A gzip file cut off (an interrupted download or copy) inflated up to the cut into a plain file, within
        the budget of decompression (sources.MAX_INFLATION): its complete invocations can be read; the one the cut
        went through is cut off. None when nothing inflates."""
        import zlib

        from lambdoctor.logs.sources import MAX_INFLATION

        out_path = Path(self._dir) / f"salvaged-{abs(hash(str(f.path)))}.log"
        budget = MAX_INFLATION * max(1, file_size(f.path))
        written = 0
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            with f.path.open("rb") as src, out_path.open("wb") as out:
                while chunk := src.read(1 << 20):
                    try:
                        data = inflater.decompress(chunk, max(1, budget - written))
                    except zlib.error:
                        break
                    out.write(data)
                    written += len(data)
                    if written >= budget or inflater.eof:
                        break
                out.write(inflater.flush() if not inflater.eof else b"")
        except (OSError, zlib.error):
            pass
        # a line the cut went through is not a line: the file ends at its last newline
        with out_path.open("rb+") as out:
            end = out.seek(0, 2)
            out.seek(max(0, end - (1 << 20)))
            tail = out.read()
            written = end - len(tail) + tail.rfind(b"\n") + 1 if b"\n" in tail else 0
            out.truncate(written)
        if written == 0:
            return None
        return replace(f, path=out_path, compressed=False)

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
            if cursor.execute(SEEN_TWICE + " LIMIT 1", params).fetchone():
                duplicates = len(cursor.execute(DEDUPE, params).fetchall())
            stats, reports = None, None
            if work.statistics:
                result = cursor.execute(STATS, params)
                names = [d[0] for d in result.description]
                rows = result.fetchall()
                unparsed, partial = sum(int(r[-1]) for r in rows), sum(int(r[2] or 0) for r in rows)
                sizes = cursor.execute(SIZES, params).fetchall()
                stats = _function_stats(function, rows, sizes)
                counted = [dict(zip(names, r, strict=True)) for r in rows if r[0]]
                summaries = {function: counted[0]} if counted else {}
                groups = {function: {(memory, version or "") for memory, version, _ in sizes}}
                reports = function_reports(cursor, "function = $fn", params, summaries, groups).get(function)
            else:
                row = cursor.execute(COUNTS, params).fetchone()
                unparsed, partial = (int(row[0]), int(row[1] or 0)) if row else (0, 0)
        except duckdb.Error as exc:  # e.g. out of memory: reported with the file that completed the function
            work.failed(shown, f"could not take the statistics of {function}: {_duckdb_reason(exc)}")
            return
        work.add_finished(_Finished(function, duplicates, unparsed, partial, stats, reports))

    def _finish_many(self, cursor: duckdb.DuckDBPyConnection, src: int, f: LogFile, work: _Work) -> None:
        """``_finish`` for the functions of small files read together: the same statements, grouped by function,
        once for all of them (their invocations, and only theirs, are those of ``src``)."""
        import duckdb

        params = {"src": src}
        try:
            removed: dict[str, int] = {}
            if cursor.execute(SEEN_TWICE_MANY + " LIMIT 1", params).fetchone():
                for (fn,) in cursor.execute(DEDUPE_MANY, params).fetchall():
                    removed[fn] = removed.get(fn, 0) + 1
            rows: dict[str, list[tuple[Any, ...]]] = {}
            sizes: dict[str, list[tuple[Any, ...]]] = {}
            reports: dict[str, dict[str, Any]] = {}
            if work.statistics:
                result = cursor.execute(STATS_MANY, params)
                names = [d[0] for d in result.description][1:]
                summaries: dict[str, dict[str, Any]] = {}
                for row in result.fetchall():
                    rows.setdefault(row[0], []).append(row[1:])
                    if row[1]:
                        summaries[row[0]] = dict(zip(names, row[1:], strict=True))
                for row in cursor.execute(SIZES_MANY, params).fetchall():
                    sizes.setdefault(row[0], []).append(row[1:])
                groups = {fn: {(memory, version or "") for memory, version, _ in mine} for fn, mine in sizes.items()}
                reports = function_reports(cursor, "src = $src", params, summaries, groups)
            else:
                for fn, unparsed, partial in cursor.execute(COUNTS_MANY, params).fetchall():
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
            work.add_finished(_Finished(fn, removed.get(fn, 0), unparsed, partial, stats, reports.get(fn)))

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

    def reports(self) -> dict[str, dict[str, Any]]:
        """Per function, the reports taken as its invocations were all in (``function_reports``)."""
        return {f.function: f.reports for f in self._finished.values() if f.reports}

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
    if not counted:  # only cut-off invocations, or inits that failed before any
        failed = sum(int(r[-3] or 0) for r in rows)
        if not partial and not failed:
            return None
        return replace(_empty(fn, log_bytes, partial), init_failures=failed,
                       init_timeouts=sum(int(r[-2] or 0) for r in rows))
    (_, _, _, n, cold, d, dmax, billed_total, billed_mean, m, mmax, i, _, _, timeouts, oom, errors, err_lines, err_inv,
     first, last, timeout_s, ok_peak, ok_n, ok_billed, ok_p50, _, json_format, _, _, _) = counted[0]
    platform_bytes = sum(int(r[-5] or 0) for r in rows)
    init_failures = sum(int(r[-3] or 0) for r in rows)  # failed inits precede invocations, or no invocation at all
    init_timeouts = sum(int(r[-2] or 0) for r in rows)
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
        init_ms=_q(("p50", "p95"), [i[0], i[2]] if i else None),
        timeouts=int(timeouts), out_of_memory=int(oom), errors=int(errors),
        error_lines_in_success=int(err_lines or 0), invocations_with_error_lines=int(err_inv),
        log_bytes=log_bytes,
        first=first.isoformat(timespec="milliseconds") + "Z" if first else None,
        last=last.isoformat(timespec="milliseconds") + "Z" if last else None,
        timeout_seconds_seen=_f(timeout_s), partial=partial,
        versions=tuple(sorted({v for _, v, _ in sizes if v is not None})),
        span_seconds=(last - first).total_seconds() if first and last else None,
        init_failures=init_failures, init_timeouts=init_timeouts,
        successes=int(ok_n), success_peak_mb=_f(ok_peak), success_billed_ms_mean=_f(ok_billed),
        success_p50_ms=_f(ok_p50), platform_bytes=platform_bytes, json_format=bool(json_format),
    )


_NAMES_REQUEST = ("(is_report = 1 OR contains(line, 'START RequestId: ') "
                  "OR contains(line, '\"type\":\"platform.start\"'))")


def _lead(prefix: int) -> str:
    """The first byte of an export's timestamp prefix (ISO dates start with 2, epoch milliseconds with 1); a
    newline, which no line starts with, when there is none."""
    return {25: "2", 20: "2", 14: "1"}.get(prefix, "\n")


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


def _duckdb_reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]


def bin_seconds(first: datetime | None, last: datetime | None) -> int | None:
    """The width of a report's time bins, from the function's span: 5 minutes up to 6 hours, an hour up to 7
    days, a day up to 90, else a week (at most about 2,000 bins); None for logs without times."""
    if first is None or last is None:
        return None
    span = (last - first).total_seconds()
    for limit, width in ((6 * 3600, 300), (7 * 86400, 3600), (90 * 86400, 86400)):
        if span <= limit:
            return width
    return 604800


def function_reports(cursor: duckdb.DuckDBPyConnection, scope: str, params: Mapping[str, object],
                     summaries: Mapping[str, Mapping[str, Any]],
                     groups: Mapping[str, set[tuple[Any, Any]]] | None = None, top: int = 5
                     ) -> dict[str, dict[str, Any]]:
    """Per function, the reports of Logs Insights' documented Lambda queries and the Lumigo CLI, from the
    invocations table, run by the thread that completes the functions in ``scope`` (a WHERE clause on ``params``)
    while the other reads on. ``summaries`` holds, per function, what the statistics' own pass (``STATS``) took:
    first, last, i (init quantiles 0.5/0.75/0.95), imax, at_limit. So three more passes, not six:

    - over_time: invocations, cold-start share, errors and duration p50/p99 per bin (``bin_seconds``);
    - by_version and by_memory (one pass, two grouping sets): invocations, cold starts, errors, duration p50/p99,
      peak memory, mean billed;
    - init: p50, p75 and max of the init (or restore) duration over cold starts;
    - top_billed: the invocations billed longest; last_errors: the last failed invocations;
    - at_memory_limit: invocations whose peak memory reached their memory size."""
    counted = f"{scope} AND NOT partial AND NOT unparsed"
    groups = groups or {}
    out: dict[str, dict[str, Any]] = {}
    for fn, summary in summaries.items():
        q, imax = summary.get("i"), summary.get("imax")
        out[fn] = {"over_time": {"bin_seconds": bin_seconds(summary.get("first"), summary.get("last")), "bins": []},
                   "by_version": [], "by_memory": [],
                   "init": {"p50": _f(q[0]) if q else None, "p75": _f(q[1]) if q else None, "max": _f(imax)},
                   "top_billed": [], "last_errors": [], "at_memory_limit": int(summary.get("at_limit") or 0)}
    if not out:
        return out
    timed = [fn for fn in out if out[fn]["over_time"]["bin_seconds"]]
    widths = {**params, "report_fns": timed, "report_widths": [out[fn]["over_time"]["bin_seconds"] for fn in timed]}
    rows = cursor.execute(f"""
        SELECT function, to_timestamp(floor(epoch(time) / width) * width) AS bin, count(*),
          count(*) FILTER (WHERE cold_start), quantile_cont(duration_ms, [0.5, 0.99]),
          count(*) FILTER (WHERE status <> 'success')
        FROM invocations JOIN (SELECT unnest($report_fns) AS function, unnest($report_widths) AS width) USING (function)
        WHERE {counted} AND time IS NOT NULL
        GROUP BY ALL ORDER BY function, bin""", widths).fetchall()
    for fn, start, n, cold, d, errors in rows:
        out[fn]["over_time"]["bins"].append({
            "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "invocations": int(n),
            "cold_start_share": round(cold / n, 4) if n else None, "p50_ms": _f(d[0]), "p99_ms": _f(d[1]),
            "errors": int(errors)})
    # One memory size and one version (most functions; ``groups`` from SIZES): each grouping is the whole
    # function, whose figures the statistics hold already; else one pass with two grouping sets.
    def group(summary: Mapping[str, Any]) -> dict[str, Any]:
        d = summary["d"] or [None, None, None]
        return {"invocations": int(summary["invocations"]), "cold_starts": int(summary["cold_starts"]),
                "errors": int(summary["errors"]) + int(summary["timeouts"]), "p50_ms": _f(d[0]), "p99_ms": _f(d[2]),
                "peak_memory_mb": _f(summary["mmax"]), "billed_ms_mean": _f(summary["billed_mean"])}
    single = {fn: next(iter(groups[fn])) for fn in out if len(groups.get(fn, ())) == 1}
    for fn, (memory, version) in single.items():
        out[fn]["by_version"].append({"version": version or None, **group(summaries[fn])})
        out[fn]["by_memory"].append({"memory_mb": int(memory) if memory is not None else None,
                                     **group(summaries[fn])})
    rows = [] if len(single) == len(out) else cursor.execute(f"""
        SELECT function, coalesce(version, '') AS v, memory_mb AS m, grouping(m) = 0 AS by_memory, count(*),
          count(*) FILTER (WHERE cold_start), count(*) FILTER (WHERE status <> 'success'),
          quantile_cont(duration_ms, [0.5, 0.99]), max(max_memory_used_mb), avg(billed_ms)
        FROM invocations WHERE {counted} GROUP BY GROUPING SETS ((function, v), (function, m))
        ORDER BY function, by_memory, v, m""", params).fetchall()
    for fn, version, memory, by_memory, n, cold, errors, d, peak, billed in rows:
        if fn in single:
            continue
        named = ({"memory_mb": int(memory) if memory is not None else None} if by_memory
                 else {"version": version or None})
        out[fn]["by_memory" if by_memory else "by_version"].append({
            **named, "invocations": int(n), "cold_starts": int(cold), "errors": int(errors), "p50_ms": _f(d[0]),
            "p99_ms": _f(d[1]), "peak_memory_mb": _f(peak), "billed_ms_mean": _f(billed)})
    # The top few: for one function a Top-N (a heap: no sort, the row built for the few kept only); for the
    # functions of small files read together, max_by(…, n) per function. Ties are broken by the request ID, so
    # that the same invocations come out however the files were read.
    failed = f"{counted} AND status <> 'success'"
    columns = "request_id, time, billed_ms, duration_ms, status, error_type"
    ranked = (("top_billed", counted, ("coalesce(billed_ms, -1)", "coalesce(duration_ms, -1)", "request_id")),
              ("last_errors", failed, ("coalesce(time, TIMESTAMP '1970-01-01')", "seg", "request_id")))
    for key, where, keys in ranked:
        order = ", ".join(keys)
        if len(out) == 1:
            fn = next(iter(out))
            found = [(fn, row) for row in cursor.execute(
                f"SELECT {columns} FROM invocations WHERE {where} ORDER BY "
                + ", ".join(f"{k} DESC" for k in keys) + f" LIMIT {int(top)}", params).fetchall()]
        else:
            found = [(fn, (it["request_id"], it["time"], it["billed_ms"], it["duration_ms"], it["status"],
                           it["error_type"]))
                     for fn, items in cursor.execute(f"""
                         SELECT function, max_by(struct_pack({columns}), ({order}), {int(top)}) FROM invocations
                         WHERE {where} GROUP BY function""", params).fetchall()
                     for it in items]
        for fn, (request_id, time, billed, duration, status, error_type) in found:
            out[fn][key].append({
                "request_id": request_id, "time": time.isoformat(timespec="milliseconds") + "Z" if time else None,
                "billed_ms": _f(billed), "duration_ms": _f(duration), "status": status, "error_type": error_type})
    return out
