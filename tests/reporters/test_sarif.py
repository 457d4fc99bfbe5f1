from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from conftest import ROOT, run_scan

from lambdoctor.reporters import sarif
from lambdoctor.rules import ALL_RULES

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources: [\n")
    findings = run_scan([ROOT / "examples" / "shop", bad]).findings
    doc = json.loads(sarif.render(findings))
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {r.id for r in ALL_RULES} | {"SYS000", "SYS001"}
    assert all(r["helpUri"] == f"docs/rules/{r['id']}.md" for r in rules)
    assert len(run["results"]) == len(findings)
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    levels = {r["level"] for r in run["results"]}
    assert levels == {"error", "warning", "note"}
    sys000 = next(r for r in run["results"] if r["ruleId"] == "SYS000")
    assert sys000["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_sarif_with_no_findings_is_valid() -> None:
    jsonschema.validate(json.loads(sarif.render([])), SCHEMA)
