from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from lambdoctor.config import Config
from lambdoctor.engine import ScanResult, scan

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 22)
CORPUS = ROOT.parent / "shared" / "corpus"


def run_scan(paths: Sequence[str | Path], select: Sequence[str] = (), today: date = TODAY) -> ScanResult:
    return scan([str(p) for p in paths], Config(select=tuple(select)), today)


def triples(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.rule, f.resource, f.line) for f in result.findings}


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a file under tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
