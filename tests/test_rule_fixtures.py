"""Per-rule fixtures: tests/rules/<ID>/fail.yaml (or the project folder fail/) gives exactly expected.txt;
pass.yaml (or pass/) gives nothing.

expected.txt holds one `RULE RESOURCE LINE SEVERITY MESSAGE` per line (LINE of the template), or
`RULE RESOURCE FILE:LINE SEVERITY MESSAGE` (a file of the project folder, for findings in handler code); every
finding of the fixture's rule must be listed and every listed one must be found, at its severity (a two-tier rule
must not swap tiers) and with its message, as the user reads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, run_scan

FIXTURES = sorted(p for p in (ROOT / "tests" / "rules").iterdir() if p.is_dir())


def _input(folder: Path, name: str) -> Path:
    return folder / name if (folder / name).is_dir() else folder / f"{name}.yaml"


def _expected(folder: Path) -> set[tuple[str, str, str, int, str, str]]:
    fail = _input(folder, "fail")
    template = fail / "template.yaml" if fail.is_dir() else fail
    out = set()
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rule, resource, where, severity, message = line.split(maxsplit=4)
            file, _, lineno = where.rpartition(":")
            out.add((rule, resource, str(fail / file) if file else str(template), int(lineno), severity, message))
    return out


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.name)
def test_fail_fixture_gives_exactly_the_expected_findings(folder: Path) -> None:
    result = run_scan([_input(folder, "fail")], select=[folder.name])
    got = {(f.rule, f.resource, f.file, f.line, f.severity.label, f.message) for f in result.findings}
    assert got == _expected(folder)


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.name)
def test_pass_fixture_is_silent(folder: Path) -> None:
    result = run_scan([_input(folder, "pass")], select=[folder.name])
    assert [(f.rule, f.resource, f.line, f.message) for f in result.findings] == []
    assert result.applications
