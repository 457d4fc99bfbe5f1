"""Per-rule fixtures: tests/rules/<ID>/fail.yaml gives exactly expected.txt; pass.yaml gives nothing.

expected.txt holds one `RULE RESOURCE LINE` per line; every finding of the fixture's rule must be listed and
every listed one must be found.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, run_scan

FIXTURES = sorted(p for p in (ROOT / "tests" / "rules").iterdir() if p.is_dir())


def _expected(folder: Path) -> set[tuple[str, str, int]]:
    out = set()
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rule, resource, lineno = line.split()
            out.add((rule, resource, int(lineno)))
    return out


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.name)
def test_fail_fixture_gives_exactly_the_expected_findings(folder: Path) -> None:
    result = run_scan([folder / "fail.yaml"], select=[folder.name])
    got = {(f.rule, f.resource, f.line) for f in result.findings}
    assert got == _expected(folder)
    assert all(f.file == str(folder / "fail.yaml") for f in result.findings)


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.name)
def test_pass_fixture_is_silent(folder: Path) -> None:
    result = run_scan([folder / "pass.yaml"], select=[folder.name])
    assert [(f.rule, f.resource, f.line, f.message) for f in result.findings] == []
    assert result.applications
