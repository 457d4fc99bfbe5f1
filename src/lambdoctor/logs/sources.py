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


@dataclass(frozen=True)
class SourceProblem:
    file: str
    reason: str


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


def discover(paths: list[Path], function: str | None = None) -> tuple[list[LogFile], list[SourceProblem]]:
    files: list[LogFile] = []
    problems: list[SourceProblem] = []
    for given in paths:
        if given.is_dir():
            candidates = sorted(p for p in given.rglob("*") if p.is_file() and p.name not in _SKIP_NAMES
                                and not p.name.startswith("."))
            root = given
        elif given.is_file():
            candidates, root = [given], given.parent
        else:
            problems.append(SourceProblem(str(given), "no such file or folder"))
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
            except OSError as exc:
                problems.append(SourceProblem(str(path), exc.strerror or str(exc)))
                continue
            files.append(LogFile(path, name, layout, compressed, version, str(path)))
    return files, problems
