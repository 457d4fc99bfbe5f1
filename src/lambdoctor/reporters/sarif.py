"""SARIF 2.1.0 for code-scanning UIs; validated against the OASIS schema in the tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from lambdoctor import __version__
from lambdoctor.findings import Finding, Severity
from lambdoctor.reporters.json_report import docs_of
from lambdoctor.rules import CATALOG, SYSTEM_RULES

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rules() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rule in CATALOG:  # template, code, account and log rules: every report of every command names its rules
        out.append({
            "id": rule.id,
            "name": rule.slug,
            "shortDescription": {"text": rule.summary()},
            "helpUri": docs_of(rule.id),
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
            "properties": {"evidence": rule.evidence},
        })
    for rid, (slug, text) in SYSTEM_RULES.items():
        out.append({"id": rid, "name": slug, "shortDescription": {"text": text}, "helpUri": docs_of(rid),
                    "defaultConfiguration": {"level": "error"}})
    return out


def render(findings: Sequence[Finding]) -> str:
    rules = _rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message + (f" Fix: {f.fix}" if f.fix else "")},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": f.file.replace("\\", "/")},
                    "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
                },
                **({"logicalLocations": [{"name": f.resource, "kind": "resource"}]} if f.resource else {}),
            }],
            "partialFingerprints": {"lambdoctor/v1": f.fingerprint()},
        }
        results.append(result)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lambdoctor", "version": __version__, "informationUri":
                                "https://pypi.org/project/lambdoctor/", "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
