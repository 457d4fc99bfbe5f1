"""Per-rule fixtures: tests/rules/<ID>/fail.yaml (or the project folder fail/) gives exactly expected.txt;
pass.yaml (or pass/) gives nothing.

A LOG (or COST003) fixture's fail/ and pass/ hold log files, each file one function named by the file (`lambdoctor
logs fail/`); a template.yaml beside them gives the functions' configuration (`--template`), an options.json
`always_on_usd` (`--always-on-usd`). Its findings point at a log file, or at the template when it configures the
function (`../template.yaml:LINE`).

expected.txt holds one `RULE RESOURCE LINE SEVERITY MESSAGE` per line (LINE of the template), or
`RULE RESOURCE FILE:LINE SEVERITY MESSAGE` (a file of the project folder, for findings in handler code; for an ACC
rule the function's ARN or the Region's aws:// address, where fail.json and pass.json are account snapshots); every
finding of the fixture's rule must be listed and every listed one must be found, at its severity (a two-tier rule
must not swap tiers) and with its message, as the user reads them ({here} in a message stands for the fixture's
folder). A template fixture's options.json may set `today` (ISO date) for a date-bound branch.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, TODAY, run_scan

from lambdoctor.config import Config
from lambdoctor.engine import analyze_logs, configured_from_templates

FIXTURES = sorted(p for p in (ROOT / "tests" / "rules").iterdir() if p.is_dir())


def _input(folder: Path, name: str) -> Path:
    return folder / name if (folder / name).is_dir() else folder / f"{name}.yaml"


def _is_account(folder: Path) -> bool:
    return folder.name.startswith("ACC")


def _is_logs(folder: Path) -> bool:
    return folder.name.startswith("LOG") or folder.name == "COST003"


def _findings(folder: Path, name: str) -> tuple[list[Any], bool]:
    """The findings of the fixture's rule on one side, and whether there was anything to judge."""
    if _is_account(folder):
        from lambdoctor.engine import audit
        from lambdoctor.loaders.aws import load_snapshot

        path = str(folder / f"{name}.json")
        # the snapshot's metrics end 2026-11-22; "today" is the day after, whatever the clock says
        result = audit(load_snapshot(path), path, Config(select=(folder.name,)), today=date(2026, 11, 23))
        return result.findings, bool(result.applications)
    options = json.loads((folder / "options.json").read_text()) if (folder / "options.json").is_file() else {}
    if not _is_logs(folder):
        # options.json may name the day the scan runs on (a date-bound branch, such as a runtime deprecated soon)
        today = date.fromisoformat(options["today"]) if "today" in options else TODAY
        result = run_scan([_input(folder, name)], select=[folder.name], today=today)
        return result.findings, bool(result.applications)
    from lambdoctor.cost.prices import table

    config = Config(select=(folder.name,))
    configured = (configured_from_templates([str(folder / "template.yaml")])[0]
                  if (folder / "template.yaml").is_file() else {})
    always_on = Decimal(options["always_on_usd"]) if "always_on_usd" in options else None
    # the prices of November 2026, whatever today is
    analysis = analyze_logs(sorted((folder / name).glob("*.log")), table("us-east-1", date(2026, 11, 1)), config,
                            configured=configured, always_on_usd=always_on)
    return analysis.findings, bool(analysis.stats)


def _is_address(file: str) -> bool:
    """An account finding names the function's ARN or the Region's aws:// address, not a file."""
    return file.startswith(("arn:", "aws://"))


def _place(file: str) -> str:
    return file if _is_address(file) else os.path.normpath(file)


# a resource holding a space ("region us-east-1") is written in double quotes
_LINE = re.compile(r'(\S+) ("[^"]*"|\S+) (\S+) (\S+) (.*)')


def _expected(folder: Path) -> set[tuple[str, str, str, int, str, str]]:
    fail = _input(folder, "fail")
    template = fail / "template.yaml" if fail.is_dir() else fail
    out = set()
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            match = _LINE.match(line)
            assert match, f"{folder.name}/expected.txt: not RULE RESOURCE WHERE SEVERITY MESSAGE: {line}"
            rule, resource, where, severity, message = match.groups()
            file, _, lineno = where.rpartition(":")
            where_file = _place(str(fail / file)) if file and not _is_address(file) else file or str(template)
            # a message naming a path of the fixture writes it from {here}, the fixture's folder wherever it is cloned
            message = message.replace("{here}", str(folder))
            out.add((rule, resource.strip('"'), where_file, int(lineno), severity, message))
    return out


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.name)
def test_fail_fixture_gives_exactly_the_expected_findings(folder: Path) -> None:
    findings, _ = _findings(folder, "fail")
    got = {(f.rule, f.resource, _place(f.file), f.line, f.severity.label, f.message) for f in findings}
    assert got == _expected(folder)


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.name)
def test_pass_fixture_is_silent(folder: Path) -> None:
    findings, judged = _findings(folder, "pass")
    assert [(f.rule, f.resource, f.line, f.message) for f in findings] == []
    assert judged
