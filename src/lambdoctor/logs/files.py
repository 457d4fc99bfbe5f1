"""Which log files are read how: the timestamp prefix an export puts before each line, small files joined into one
statement (``batch_small_files``), and lines too long for DuckDB's reader found by probing (``long_lines``)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from lambdoctor.logs.sources import LogFile

_ISO_PREFIX = re.compile(rb"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z ")
_EPOCH_PREFIX = re.compile(rb"^\d{13} ")
# `aws logs tail --format short`: the time to the second, no zone (UTC), no stream (awscli logs/tail.py)
_SHORT_PREFIX = re.compile(rb"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2} ")


def prefix_length(path: Path, compressed: bool) -> int:
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
                m = _ISO_PREFIX.match(line) or _EPOCH_PREFIX.match(line) or _SHORT_PREFIX.match(line)
                return len(m.group(0)) if m else 0
    except (OSError, EOFError, ValueError):
        return 0
    return 0


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
    if f.layout != "text" or f.parts or file_size(f.path) > (BATCH_GZIP_BYTES if f.compressed else BATCH_FILE_BYTES):
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
            groups.setdefault((f.function, f.version, prefix_length(f.path, f.compressed), f.compressed),
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


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
