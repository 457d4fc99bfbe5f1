"""Which files hold Lambda logs, of which function, and in which layout.

Layouts:
- text: one CloudWatch message per line, bare (`START RequestId: …`) or prefixed by the timestamp the export to S3
  writes (`2026-11-01T00:00:00.347Z START …`, or epoch milliseconds; facts.md §2.3); `.gz` is read compressed.
- events: the JSON that `aws logs filter-log-events` / `get-log-events` print (`{"events": [...]}`).

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
    layout: str  # "text" or "events"
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


def _layout(path: Path) -> str:
    if path.suffix == ".json":
        with path.open("rb") as fh:
            head = fh.read(4096).lstrip()
        if head.startswith(b"{") and b'"events"' in head[:4096]:
            return "events"
    return "text"


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
            candidates, root = [given], given.parent
        else:
            problems.append(Problem(str(given), 1, 1, "no such file or folder"))
            continue
        for path in candidates:
            rel = path.relative_to(root)
            inside_export = any(TASK_ID.match(p) for p in rel.parts) or bool(STREAM_LEAF.search(path.parent.name))
            if given.is_dir() and not inside_export and not path.name.endswith(_LOG_SUFFIXES):
                continue
            name, version = _function_from_path(Path(given.name) / rel if given.is_dir() else rel)
            if function:
                name = function
            elif name is None:
                stem = path.name
                for suffix in (".gz", ".log", ".txt", ".json", ".jsonl", ".ndjson", ".out"):
                    stem = stem.removesuffix(suffix)
                name = stem if not re.fullmatch(r"\d+", stem) else "unknown"
            compressed = path.name.endswith(".gz")
            try:
                layout = "text" if compressed else _layout(path)
                bomb = _inflates_too_far(path) if compressed else None
            except OSError as exc:
                problems.append(Problem(str(path), 1, 1, exc.strerror or str(exc)))
                continue
            if bomb:
                problems.append(Problem(str(path), 1, 1, bomb))
                continue
            files.append(LogFile(path, name, layout, compressed, version, str(path)))
    return files, problems
