"""The project root and paths relative to it: what reports and baselines name a file by, so that a finding is the
same whether the scan was started as `lambdoctor scan .`, `scan infra/template.yaml` or with an absolute path, from
the repository root or a subfolder (GitHub code scanning and baselines both match on the path)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root(start: str | Path) -> Path:
    """The nearest folder at or above ``start`` holding ``.git`` (a repository, or a worktree's .git file); else
    the current folder when ``start`` is inside it; else ``start``'s own folder."""
    here = Path(start).resolve()
    folder = here if here.is_dir() else here.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    cwd = Path.cwd().resolve()
    return cwd if folder == cwd or cwd in folder.parents else folder


def relative(path: str, root: Path) -> str | None:
    """``path`` (as a finding names it: relative to the current folder, or absolute) relative to ``root``, with
    forward slashes; None when it is outside the root."""
    if not path or path.startswith("arn:"):  # an audit finding names the deployed resource, not a file
        return None
    try:
        rel = Path(os.path.abspath(path)).relative_to(root)
    except ValueError:
        return None
    return rel.as_posix()
