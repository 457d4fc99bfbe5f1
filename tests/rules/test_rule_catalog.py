"""Meta-tests over the catalog: IDs, docs, examples and fixtures for every rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, run_scan

from lambdoctor.docgen import pages
from lambdoctor.rules import ALL_RULES, CATALOG, Rule
from lambdoctor.rules.base import Documented

ISSUE_2_RULES = {
    "REL001", "REL002", "REL003", "REL004", "REL005", "REL006", "REL007", "REL008", "REL009", "REL015",
    "SEC001", "SEC002", "SEC003", "SEC007", "OBS001", "OBS002", "OBS003", "OBS004", "OBS005", "OBS006", "OBS007",
    "OBS008", "OBS009", "PERF001", "PERF002", "PERF004", "COST001", "COST002", "DEP001", "DEP002", "DEP003",
}
ISSUE_3_RULES = {  # code and code-versus-configuration rules
    "REL010", "REL011", "REL012", "REL013", "REL014", "REL016", "SEC004", "SEC005", "SEC006", "PERF003", "DEP004",
}


def test_every_static_rule_of_the_catalog_is_registered() -> None:
    assert {r.id for r in ALL_RULES} == ISSUE_2_RULES | ISSUE_3_RULES


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_identity_and_doc_sections(rule: type[Rule]) -> None:
    assert re.fullmatch(r"(REL|SEC|OBS|PERF|COST|DEP)\d{3}", rule.id)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.slug)
    sections = rule.doc_sections()
    for name in ("What it does", "Why is this bad?", "Example", "Use instead", "References"):
        assert sections.get(name), f"{rule.id} lacks '{name}'"
    assert rule.example("Example") and rule.example("Use instead")
    assert rule.check is not Rule.check


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))


def test_generated_docs_are_current() -> None:
    docs = ROOT / "docs" / "rules"
    expected = pages()
    stale = [name for name, text in expected.items()
             if not (docs / name).is_file() or (docs / name).read_text(encoding="utf-8") != text]
    assert not stale, f"docs/rules is stale for {stale}: run `make docs`"
    extra = sorted(p.name for p in docs.glob("*.md") if p.name not in expected)
    assert not extra, f"docs/rules has pages for no rule: {extra}"


def _materialize(tmp_path: Path, yaml_text: str) -> Path:
    first = yaml_text.splitlines()[0] if yaml_text else ""
    if first.startswith("# files:"):
        for name in first[len("# files:"):].split(","):
            path = tmp_path / name.strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")
    tmp_path.mkdir(parents=True, exist_ok=True)
    template = tmp_path / "template.yaml"
    template.write_text(yaml_text, encoding="utf-8")
    return template


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_example_fires_and_use_instead_is_silent(rule: type[Rule], tmp_path: Path) -> None:
    bad = _materialize(tmp_path / "bad", rule.example("Example"))
    good = _materialize(tmp_path / "good", rule.example("Use instead"))
    fired = run_scan([bad], select=[rule.id])
    assert [f.rule for f in fired.findings if f.rule == rule.id], f"{rule.id} Example does not fire"
    assert not [f.rule for f in fired.findings if f.rule.startswith("SYS")]
    silent = run_scan([good], select=[rule.id])
    assert [f.message for f in silent.findings] == [], f"{rule.id} Use-instead fires"
    assert silent.applications and fired.applications


@pytest.mark.parametrize("rule", [r for r in CATALOG if not r.id.startswith("SYS")], ids=lambda r: r.id)
def test_every_rule_has_fixtures(rule: type[Documented]) -> None:
    # template and code rules: fail.yaml or a fail/ project; account rules: fail.json snapshots; log rules: fail/
    folder = ROOT / "tests" / "rules" / rule.id
    assert any((folder / f"fail{ext}").exists() for ext in (".yaml", ".json", "")), rule.id
    assert any((folder / f"pass{ext}").exists() for ext in (".yaml", ".json", "")), rule.id
    assert (folder / "expected.txt").is_file()
    assert [line for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")], f"{rule.id}: expected.txt lists no finding"


# Issue 23: "every finding says confidence: high". The rules that rest on an inference say medium, with why.
MEDIUM_CONFIDENCE = {"REL009", "REL010", "REL011", "REL012", "REL013", "REL016", "SEC004", "SEC006", "DEP004",
                     "COST003"}


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_each_rule_declares_its_confidence_and_why(rule: type[Documented]) -> None:
    assert rule.confidence == ("medium" if rule.id in MEDIUM_CONFIDENCE else "high")
    assert len(rule.confidence_note) > 20
    page = pages()[f"{rule.id}.md"]
    assert f"Confidence: **{rule.confidence}** ({rule.confidence_note})" in page


def test_a_finding_lowers_its_confidence_where_a_value_is_inferred() -> None:
    result = run_scan([ROOT / "tests" / "rules" / "OBS005" / "fail.yaml"], select=["OBS005"])
    by_resource = {f.resource: f.confidence for f in result.findings}
    assert by_resource["Imported"] == "medium"  # the DLQ is imported from another stack
    assert by_resource["Fn"] == "high"
    code = run_scan([ROOT / "tests" / "rules" / "REL011" / "fail"], select=["REL011"])
    assert code.findings and {f.confidence for f in code.findings} == {"medium"}
