"""Where a function's code lives on disk, and how big it is (PERF001/PERF002 evidence).

Only sizes and names are read here: scanning never imports or runs user code.
"""

from __future__ import annotations

import functools
import os
import zipfile
from typing import Any

from lambdoctor.loaders.decode import read_regular
from lambdoctor.model import CodeInfo

MAX_FILES = 20_000  # a walk stops here; the size is then a lower bound (CodeInfo.complete is False)

# Top-level entries that do not belong in a Python deployment package: the runtime already provides the AWS
# SDK (boto3/botocore/s3transfer), and tests or docs only add cold-start time and size.
_BUNDLED = {"boto3": "boto3", "botocore": "botocore", "s3transfer": "s3transfer", "tests": "tests",
            "test": "tests", "docs": "docs"}


def code_location(template: str, resource: dict[str, Any], code: Any, sam: bool) -> str | None:
    """The local path of a function's code, relative to the current directory, when there is one."""
    base = os.path.dirname(template)
    meta = resource.get("Metadata")
    if isinstance(meta, dict) and isinstance(meta.get("aws:asset:path"), str):
        # CDK synthesizes assets into cdk.out next to the template and records the folder here.
        return os.path.normpath(os.path.join(base, meta["aws:asset:path"]))
    if isinstance(code, str) and not code.startswith(("s3://", "http://", "https://")):
        return os.path.normpath(os.path.join(base, code))
    return None


@functools.lru_cache(maxsize=4096)
def measure_code(path: str) -> CodeInfo | None:
    try:
        if os.path.isfile(path):
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as zf:
                    infos = zf.infolist()
                    tops = {i.filename.split("/", 1)[0] for i in infos}
                    return CodeInfo(path, sum(i.file_size for i in infos), len(infos), _bundled(tops))
            return CodeInfo(path, os.path.getsize(path), 1)
        if not os.path.isdir(path):
            return None
        total = files = 0
        complete = True
        for root, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if d not in (".git", "__pycache__", ".aws-sam")]
            for name in names:
                files += 1
                if files > MAX_FILES:
                    complete = False
                    break
                try:
                    total += os.lstat(os.path.join(root, name)).st_size
                except OSError:
                    continue
            if not complete:
                break
        tops = set(os.listdir(path))
        return CodeInfo(path, total, files, _bundled(tops), complete)
    except (OSError, zipfile.BadZipFile):
        return None


def _bundled(top_level: set[str]) -> tuple[str, ...]:
    found = {_BUNDLED[t] for t in top_level if t in _BUNDLED}
    return tuple(sorted(found))


_SKIP = frozenset({"cdk.out", "node_modules", ".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".tox"})
_MAX_DIRS = 5_000


@functools.lru_cache(maxsize=1024)
def original_source(asset: str) -> str | None:
    """The project folder a CDK asset was copied from, so findings point at the user's own files.

    An asset (``cdk.out/asset.<hash>``) is a copy of a source folder, with bundled dependencies added; the folder
    of the project (beside ``cdk.out``) holding every top-level ``.py`` file of the asset, byte for byte, is its
    source. None when no folder matches, or more than one does.
    """
    try:
        names = sorted(n for n in os.listdir(asset) if n.endswith(".py") and os.path.isfile(os.path.join(asset, n)))
    except OSError:
        return None
    if not names:
        return None
    wanted = {}
    for n in names:
        try:
            wanted[n] = read_regular(os.path.join(asset, n), 10 * 1024 * 1024)
        except OSError:
            return None
    project = os.path.dirname(os.path.dirname(asset))
    matches: list[str] = []
    for i, (root, dirs, files) in enumerate(os.walk(project)):
        if i >= _MAX_DIRS:
            break
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
        if not set(wanted) <= set(files):
            continue
        if all(_same(os.path.join(root, n), content) for n, content in wanted.items()):
            matches.append(os.path.normpath(root))
    return matches[0] if len(matches) == 1 else None


def _same(path: str, content: bytes) -> bool:
    try:
        if os.path.getsize(path) != len(content):
            return False
        return read_regular(path, len(content)) == content
    except OSError:
        return False
