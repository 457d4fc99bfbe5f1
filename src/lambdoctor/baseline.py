"""Baselines: accept today's findings, fail only on new ones. Matching ignores line moves, and a finding's file is
named relative to the project root (paths.project_root), so that the baseline holds however the scan is started
(`scan .`, `scan infra/`, an absolute path, from a subfolder). A baseline written before (paths as typed on the
command line) still matches."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from lambdoctor.findings import Finding, redact
from lambdoctor.paths import relative

BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


def fingerprint(f: Finding, root: Path | None) -> str:
    """The finding's fingerprint with its file relative to ``root`` (as typed when outside it, or no root)."""
    rel = relative(f.file, root) if root is not None else None
    return f"{f.rule}|{rel}|{f.resource}|{f.message}" if rel is not None else f.fingerprint()


def write(path: Path, findings: Sequence[Finding], root: Path | None = None) -> None:
    doc = {"version": BASELINE_VERSION, "fingerprints": sorted({fingerprint(f, root) for f in findings})}
    path.write_text(redact(json.dumps(doc, indent=2) + "\n"), encoding="utf-8")


def read(path: Path) -> frozenset[str]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    prints = doc.get("fingerprints") if isinstance(doc, dict) else None
    if not isinstance(prints, list) or not all(isinstance(p, str) for p in prints):
        raise BaselineError(f"{path} is not a lambdoctor baseline (no fingerprints list)")
    return frozenset(prints)


def apply(findings: Sequence[Finding], known: frozenset[str], root: Path | None = None
          ) -> tuple[list[Finding], int]:
    kept = [f for f in findings if fingerprint(f, root) not in known and f.fingerprint() not in known]
    return kept, len(findings) - len(kept)
