"""Baselines: accept today's findings, fail only on new ones. Matching ignores line moves."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from lambdoctor.findings import Finding, redact

BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


def write(path: Path, findings: Sequence[Finding]) -> None:
    doc = {"version": BASELINE_VERSION, "fingerprints": sorted({f.fingerprint() for f in findings})}
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


def apply(findings: Sequence[Finding], known: frozenset[str]) -> tuple[list[Finding], int]:
    kept = [f for f in findings if f.fingerprint() not in known]
    return kept, len(findings) - len(kept)
