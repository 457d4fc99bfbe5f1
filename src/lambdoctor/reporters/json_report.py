"""The JSON report: a documented, versioned schema (docs/json-schema.md). Same input → same bytes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from lambdoctor import __version__
from lambdoctor.findings import Finding
from lambdoctor.rules.system import SYSTEM_RULES

SCHEMA_VERSION = "1.1"  # 1.1: "notes"


def slug_of(rule_id: str) -> str:
    from lambdoctor.rules import CATALOG_BY_ID  # every rule module: see finding_dict's `slugs`

    if rule_id in CATALOG_BY_ID:
        return CATALOG_BY_ID[rule_id].slug
    return SYSTEM_RULES.get(rule_id, ("", ""))[0]


def docs_of(rule_id: str, docs_url: str | None = None) -> str:
    """The rule's page: at the configured docs-url when there is one, else its path in the repository."""
    return docs_url.format(id=rule_id) if docs_url else f"docs/rules/{rule_id}.md"


def finding_dict(f: Finding, slugs: dict[str, str] | None = None, docs_url: str | None = None) -> dict[str, Any]:
    """``slugs``: the slugs of the only rules that can have fired, when a caller knows them (the log report), so
    that the whole catalog is not loaded for them."""
    return {
        "rule": f.rule,
        "slug": slugs[f.rule] if slugs and f.rule in slugs else slug_of(f.rule),
        "severity": f.severity.label,
        "message": f.message,  # masked when the finding was made
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "resource": f.resource,
        "resource_type": f.resource_type,
        "fix": f.fix,
        "docs": docs_of(f.rule, docs_url),
        "confidence": f.confidence,
    }


def summary(findings: Sequence[Finding], files: int, suppressed: int) -> dict[str, Any]:
    by_sev = Counter(f.severity.label for f in findings)
    return {
        "files": files,
        "findings": len(findings),
        "error": by_sev.get("error", 0),
        "warning": by_sev.get("warning", 0),
        "info": by_sev.get("info", 0),
        "suppressed": suppressed,
        "rules": dict(sorted(Counter(f.rule for f in findings).items())),
    }


def render(findings: Sequence[Finding], files: int, suppressed: int, notes: Sequence[str] = (),
           docs_url: str | None = None) -> str:
    # One finding per line: readable and diffable, and json's C encoder (used only without indent) keeps large
    # reports fast.
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    rows = ",\n    ".join(dump(finding_dict(f, docs_url=docs_url)) for f in findings)
    return (
        "{\n"
        f'  "schema_version": {dump(SCHEMA_VERSION)},\n'
        f'  "tool": {dump({"name": "lambdoctor", "version": __version__})},\n'
        f'  "findings": [{chr(10) + "    " + rows + chr(10) + "  " if rows else ""}],\n'
        f'  "notes": {dump(list(notes))},\n'
        f'  "summary": {dump(summary(findings, files, suppressed))}\n'
        "}\n"
    )
