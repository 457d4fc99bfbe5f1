from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    assert all("helpUri" not in r for r in rules)  # no published address configured: no (relative) link
    assert len(run["results"]) == len(findings)
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    levels = {r["level"] for r in run["results"]}
    assert levels == {"error", "warning", "note"}
    sys000 = next(r for r in run["results"] if r["ruleId"] == "SYS000")
    assert sys000["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_sarif_with_no_findings_is_valid() -> None:
    jsonschema.validate(json.loads(sarif.render([])), SCHEMA)


# What GitHub code scanning reads (docs.github.com, "SARIF support for code scanning": reportingDescriptor, result
# and physicalLocation objects, "Data for preventing duplicated alerts")
def check_github_fields(doc: dict[str, Any], root: Path) -> None:
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["id"] and rule["name"] and rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["help"]["markdown"].startswith(f"# {rule['id']}: ")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = rule["properties"]
        assert props["tags"] and props["precision"] in ("very-high", "high", "medium", "low")
        if rule["id"].startswith("SEC"):
            assert "security" in props["tags"] and 0.0 < float(props["security-severity"]) <= 10.0
        else:
            assert "security-severity" not in props
    for result in run["results"]:
        assert result["partialFingerprints"]["primaryLocationLineHash"]
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        if artifact["uri"].startswith("arn:aws:"):  # audit: the deployed resource itself
            assert "uriBaseId" not in artifact
            continue
        assert artifact["uriBaseId"] == "%SRCROOT%" and not artifact["uri"].startswith(("/", "file:", ".."))
        assert (root / artifact["uri"]).exists()


def _cli(*args: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", *args], capture_output=True, text=True, timeout=120,
                         cwd=cwd)
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, json.loads(out.stdout)


def test_scan_sarif_has_what_github_needs_and_names_files_from_the_repository_root(tmp_path: Path) -> None:
    """Started from a subfolder, on an absolute path, or on a relative one: the same paths, relative to the
    repository root (the folder holding .git), so GitHub matches the alerts of every run."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "shop", repo / "services" / "shop")
    (repo / ".git").mkdir()
    _, from_root = _cli("scan", "services/shop", "--format", "sarif", cwd=repo)
    _, from_sub = _cli("scan", ".", "--format", "sarif", cwd=repo / "services" / "shop")
    _, absolute = _cli("scan", str(repo / "services" / "shop"), "--format", "sarif", cwd=tmp_path)
    for doc in (from_root, from_sub, absolute):
        check_github_fields(doc, repo)
    uris = [[r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in d["runs"][0]["results"]]
            for d in (from_root, from_sub, absolute)]
    assert uris[0] == uris[1] == uris[2] and "services/shop/template.yaml" in uris[0]
    hashes = [[r["partialFingerprints"]["primaryLocationLineHash"] for r in d["runs"][0]["results"]]
              for d in (from_root, from_sub, absolute)]
    assert hashes[0] == hashes[1] == hashes[2]


def test_the_docs_address_is_configurable_and_absolute(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(ROOT / "examples" / "shop", tmp_path / "shop")
    (tmp_path / ".lambdoctor.toml").write_text('docs-url = "https://docs.example.org/lambdoctor/rules/{id}/"\n',
                                              encoding="utf-8")
    _, doc = _cli("scan", "shop", "--format", "sarif", cwd=tmp_path)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["REL003"]["helpUri"] == "https://docs.example.org/lambdoctor/rules/REL003/"
    jsonschema.validate(doc, SCHEMA)
    _, report = _cli("scan", "shop", "--format", "json", cwd=tmp_path)
    assert {f["docs"] for f in report["findings"] if f["rule"] == "REL003"} == {
        "https://docs.example.org/lambdoctor/rules/REL003/"}
    (tmp_path / ".lambdoctor.toml").write_text('docs-url = "docs/rules/{id}.md"\n', encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "scan", "shop", "--format", "sarif"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 2 and "docs-url must be an http(s) address" in out.stderr


def test_audit_and_logs_sarif_have_what_github_needs(tmp_path: Path) -> None:
    from lambdoctor.rules import ACC_RULES

    (tmp_path / ".git").mkdir()
    acc004 = next(r for r in ACC_RULES if r.id == "ACC004")
    (tmp_path / "account.json").write_text(acc004.example("Example"), encoding="utf-8")
    _, doc = _cli("audit", "--snapshot", "account.json", "--format", "sarif", "--fail-on", "never", cwd=tmp_path)
    check_github_fields(doc, tmp_path)
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} >= {"ACC004"}
    rid = "2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47"
    (tmp_path / "fn.log").write_text(
        f"START RequestId: {rid} Version: $LATEST\n2026-11-01T10:00:03.003Z {rid} Task timed out after 3.00 "
        f"seconds\nEND RequestId: {rid}\nREPORT RequestId: {rid}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms"
        "\tMemory Size: 128 MB\tMax Memory Used: 52 MB\n", encoding="utf-8")
    _, doc = _cli("logs", "fn.log", "--format", "sarif", cwd=tmp_path)
    check_github_fields(doc, tmp_path)
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["LOG003", "LOG004"]
