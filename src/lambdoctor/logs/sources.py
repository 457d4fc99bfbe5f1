"""Which files hold Lambda logs, of which function, and in which layout.

Layouts:
- text: one CloudWatch message per line, bare (`START RequestId: …`) or prefixed by the timestamp the export to S3
  writes (`2026-11-01T00:00:00.347Z START …`, or epoch milliseconds; facts.md §2.3); `.gz` is read compressed.
- events: the JSON that `aws logs filter-log-events` / `get-log-events` print (`{"events": [...]}`).
- subscription: what a CloudWatch Logs subscription filter delivers to Kinesis, Firehose or a function
  (`{"messageType": "DATA_MESSAGE", "logStream": …, "logEvents": [...]}`), plain or gzip'd, one or more per file.
- streams: merged streams (`aws logs tail`, `sam logs`), each line naming its log stream.
The layout and the compression come from what a file holds (gzip's magic bytes, the JSON keys, the first line),
so standard input is read like any file (docs/logs.md).

The function a file belongs to comes from `--function`, else from the path: a log group `/aws/lambda/<name>` in it,
the destination prefix of an export (`<prefix>/<task id>/<stream>/000000.gz`), or the file's own name
(`orders-api.log` → orders-api). Log streams (`YYYY/MM/DD/[<version>]<32 hex>`) give the version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lambdoctor.problems import Problem

STREAM_LEAF = re.compile(r"\[([^\]]+)\][0-9a-f]{32}$")
TASK_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# What the export writes beside the logs, and names no log file has.
_SKIP_NAMES = {"aws-logs-write-test"}
_LOG_SUFFIXES = (".log", ".txt", ".gz", ".json", ".jsonl", ".ndjson", ".out")


@dataclass(frozen=True)
class LogFile:
    path: Path
    function: str
    layout: str  # "text", "events", "subscription", "streams" (module docstring) or "empty"
    compressed: bool = False
    version: str | None = None  # from the log stream in the path
    shown: str = ""  # the path as the user gave it, for messages
    # Small files read in one statement with this one, in this order (store.batch_small_files): their lines
    # follow each other as one stream would.
    parts: tuple[str, ...] = ()
    # With parts of several functions: the function of each part (``function`` is then ""). Every file of each of
    # these functions is among the parts.
    part_functions: tuple[str, ...] = ()


def _function_from_path(rel: Path) -> tuple[str | None, str | None]:
    """(function, version) from a path relative to the input root."""
    parts = list(rel.parts)
    version = None
    for part in parts:
        m = STREAM_LEAF.search(part)
        if m:
            version = m.group(1)
    for i in range(len(parts) - 2):
        if parts[i] == "aws" and parts[i + 1] == "lambda":
            return parts[i + 2], version
    for i, part in enumerate(parts):
        if TASK_ID.match(part):
            prefix = parts[i - 1] if i > 0 else None
            return (prefix if prefix and prefix not in ("exportedlogs", ".") else None), version
    return None, version


# `aws logs tail` (format detailed, its default: `<ISO time with offset> <stream> <message>`, awscli
# customizations/logs/tail.py) and `sam logs` (`<stream> <ISO time> <message>`, samcli cw_log_formatters.py) merge
# the streams of a log group into one file, each line naming its stream.
STREAM_NAME = r"\d{4}/\d{2}/\d{2}/\[[^\]]*\][0-9a-f]{32}"
ISO_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?"
STREAMS_LINE = rf"^(?:({ISO_TIME}) ({STREAM_NAME})|({STREAM_NAME}) ({ISO_TIME})) (.*)$"
_STREAMS_LINE = re.compile(STREAMS_LINE.encode())
_LOG_GROUP = re.compile(rb'"logGroup": ?"/aws/lambda/([^"/]+)"')


def _head(path: Path, compressed: bool) -> bytes:
    """The first 4 KiB of what the file holds (inflated when compressed; a broken gzip gives what inflated)."""
    import zlib

    with path.open("rb") as fh:
        raw = fh.read(64 * 1024 if compressed else 4096)
    if not compressed:
        return raw
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, 4096)
    except zlib.error:
        return b""


def sniff(path: Path, compressed: bool) -> str:
    """The layout of a file, from what it holds: `events` (filter-log-events / get-log-events JSON),
    `subscription` (what a CloudWatch Logs subscription delivers: `{"messageType": "DATA_MESSAGE", …,
    "logEvents": […]}`, one or more), `streams` (merged streams, a stream name on each line) or `text`."""
    head = _head(path, compressed).lstrip()
    if head.startswith(b"{"):
        if b'"logEvents"' in head or b'"messageType"' in head:
            return "subscription"
        if b'"events"' in head:
            return "events"
    for line in head.splitlines()[:20]:
        if line.strip():
            return "streams" if _STREAMS_LINE.match(line) else "text"
    return "text"


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


# A compressed log may inflate to at most this many times its size. CloudWatch's exports and firehose files of
# Lambda logs inflate 5-20 times; a file of repeated short lines (a "gzip bomb") 1,000 times, to gigabytes.
MAX_INFLATION = 100
_SAMPLE = 1024 * 1024


def _inflates_too_far(path: Path) -> str | None:
    """Why a gzip file is not read, or None: what its first MiB inflates to, and the size its trailer declares
    (ISIZE, exact below 4 GiB for one member), against MAX_INFLATION times the file's size. Checked before any
    reading, so that a bomb costs a MiB of inflating, not the run."""
    import zlib

    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE)
        if size >= 18:
            fh.seek(size - 4)
            declared = int.from_bytes(fh.read(4), "little")
        else:
            declared = 0
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        # at most MAX_INFLATION × the sample + 1 byte of output: enough to tell, bounded whatever the input
        out = len(inflater.decompress(head, MAX_INFLATION * len(head) + 1))
    except zlib.error as exc:
        return f"not a gzip file it says it is ({exc})"
    # A file read whole here is judged by what it inflated to: the trailer of a cut-off file is not a trailer.
    if size <= _SAMPLE:
        declared = 0
    if out > MAX_INFLATION * max(1, len(head)) or declared > MAX_INFLATION * max(1, size):
        return (f"inflates more than {MAX_INFLATION} times its size ({size:,} bytes): not read, a log does not "
                "compress that well (a budget of decompression, docs/security.md)")
    return None


def discover(paths: list[Path], function: str | None = None) -> tuple[list[LogFile], list[Problem]]:
    files: list[LogFile] = []
    problems: list[Problem] = []
    for given in paths:
        if given.is_dir():
            candidates = sorted(p for p in given.rglob("*") if p.is_file() and p.name not in _SKIP_NAMES
                                and not p.name.startswith("."))
            root = given
        elif given.is_file():
            # a file given directly is named from its whole path (`…/aws/lambda/<name>/…`), as in a folder
            candidates, root = [given], Path(given.anchor or ".")
        else:
            problems.append(Problem(str(given), 1, 1, "no such file or folder"))
            continue
        for path in candidates:
            rel = path.relative_to(root)
            inside_export = any(TASK_ID.match(p) for p in rel.parts) or bool(STREAM_LEAF.search(path.parent.name))
            if given.is_dir() and not inside_export and not path.name.endswith(_LOG_SUFFIXES):
                continue
            name, version = _function_from_path(Path(given.name) / rel if given.is_dir() else given)
            from_name = name is None
            if function:
                name = function
            elif name is None:
                stem = path.name
                for suffix in (".gz", ".log", ".txt", ".json", ".jsonl", ".ndjson", ".out"):
                    stem = stem.removesuffix(suffix)
                name = stem if not re.fullmatch(r"\d+", stem) else "unknown"
            try:
                compressed = path.name.endswith(".gz") or is_gzip(path)
                bomb = _inflates_too_far(path) if compressed else None
                layout = sniff(path, compressed)
                empty = path.stat().st_size == 0
            except OSError as exc:
                problems.append(Problem(str(path), 1, 1, exc.strerror or str(exc)))
                continue
            if bomb:
                problems.append(Problem(str(path), 1, 1, bomb))
                continue
            if layout == "subscription" and not function and from_name:
                # a subscription payload names its log group
                m = _LOG_GROUP.search(_head(path, compressed))
                name = m.group(1).decode() if m else name
            # an empty file is kept as such, for a note (engine.analyze_logs): nothing to read, nothing wrong
            files.append(LogFile(path, name, "empty" if empty else layout, compressed, version, str(path)))
    return files, problems
