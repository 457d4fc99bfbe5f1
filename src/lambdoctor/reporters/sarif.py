"""SARIF 2.1.0 for code-scanning UIs: valid against the OASIS schema, and carrying what GitHub code scanning reads
(docs.github.com, "SARIF support for code scanning"): each rule's fullDescription, help text and markdown, tags,
precision and, for security rules, security-severity; each result's partialFingerprints.primaryLocationLineHash
(the key GitHub matches alerts on across runs) and a path relative to the repository root (uriBaseId %SRCROOT%).
A rule's helpUri is given only when the documentation's address is known (``docs_url``): a relative link fails
GitHub's format check."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lambdoctor import __version__
from lambdoctor.docgen import render_rule, render_system
from lambdoctor.findings import Finding, Severity
from lambdoctor.paths import relative
from lambdoctor.rules import CATALOG, SYSTEM_RULES

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
_CATEGORY = {"SEC": "security", "REL": "reliability", "OBS": "observability", "PERF": "performance",
             "COST": "cost", "DEP": "deployment", "ACC": "account", "LOG": "logs", "SYS": "input"}
# GitHub shows security-severity as critical (9.0+), high (7.0-8.9), medium (4.0-6.9) or low (0.1-3.9)
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.5", Severity.INFO: "2.0"}
_PRECISION = {"high": "high", "medium": "medium", "low": "low"}


def _category(rule_id: str) -> str:
    return _CATEGORY.get(rule_id.rstrip("0123456789"), "lambda")


def _rule(rule_id: str, slug: str, summary: str, full: str, markdown: str, severity: Severity, evidence: str,
          confidence: str, docs_url: str | None) -> dict[str, Any]:
    category = _category(rule_id)
    props: dict[str, Any] = {"tags": sorted({category, evidence, "lambda"}),
                             "precision": _PRECISION.get(confidence, "high"), "evidence": evidence}
    if category == "security":
        props["security-severity"] = _SECURITY_SEVERITY[severity]
    out: dict[str, Any] = {
        "id": rule_id, "name": slug, "shortDescription": {"text": summary}, "fullDescription": {"text": full},
        "help": {"text": full, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[severity]}, "properties": props}
    if docs_url:
        out["helpUri"] = docs_url.format(id=rule_id, slug=slug)
    return out


def _rules(docs_url: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rule in CATALOG:  # template, code, account and log rules: every report of every command names its rules
        sections = rule.doc_sections()
        full = "\n\n".join(s for s in (sections.get("What it does", ""), sections.get("Why is this bad?", "")) if s)
        out.append(_rule(rule.id, rule.slug, rule.summary(), full or rule.summary(), render_rule(rule),
                         rule.severity, rule.evidence, getattr(rule, "confidence", "high"), docs_url))
    for rid, (slug, text) in SYSTEM_RULES.items():
        out.append(_rule(rid, slug, text, text, render_system(rid), Severity.ERROR, "input", "high", docs_url))
    return out


def _line_hash(f: Finding) -> str:
    """A stable key of the finding within its file, independent of its line number (GitHub: "a stable
    intra-file location"): the rule, the resource and the message, and nothing that moves with an edit above."""
    digest = hashlib.sha256(f"{f.rule}|{f.resource}|{f.message}".encode()).hexdigest()[:16]
    return f"{digest}:1"


def render(findings: Sequence[Finding], root: Path | None = None, docs_url: str | None = None) -> str:
    """``root``: the repository root the paths are made relative to (default: the current folder)."""
    base = (root or Path.cwd()).resolve()
    rules = _rules(docs_url)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        rel = relative(f.file, base)
        if rel is not None:
            artifact: dict[str, Any] = {"uri": rel, "uriBaseId": SRCROOT}
        elif f.file.startswith("arn:"):  # audit: the deployed resource (an ARN is an absolute URI of its own)
            artifact = {"uri": f.file}
        else:  # outside the repository
            artifact = {"uri": Path(f.file).resolve().as_uri() if f.file else "."}
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message + (f" Fix: {f.fix}" if f.fix else "")},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
                },
                **({"logicalLocations": [{"name": f.resource, "kind": "resource"}]} if f.resource else {}),
            }],
            "partialFingerprints": {"primaryLocationLineHash": _line_hash(f), "lambdoctor/v1": f.fingerprint()},
        })
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lambdoctor", "version": __version__, "informationUri":
                                "https://pypi.org/project/lambdoctor/", "rules": rules}},
            "originalUriBaseIds": {SRCROOT: {"uri": base.as_uri() + "/"}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
