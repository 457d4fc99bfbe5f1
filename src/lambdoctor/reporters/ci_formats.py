"""Findings in the formats CI systems show natively:

- JUnit XML (``--format junit``): one test case per rule and resource, a failure for each that has findings, one
  passing case per rule that ran and found nothing; valid against the Ant JUnit schema that Jenkins, GitLab and
  CircleCI read (tests/data/JUnit.xsd).
- GitHub Actions workflow commands (``--format github``): ``::error file=…,line=…,col=…,title=…::message``, which
  the runner turns into annotations on the pull request (docs.github.com, "Workflow commands for GitHub Actions").
- GitLab Code Quality (``--format gitlab``): the JSON array GitLab's merge-request widget reads (docs.gitlab.com,
  "Code Quality", "Implement a custom tool": description, check_name, fingerprint, severity, location).

Paths are relative to the project root, as the CI system names the repository's files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from lambdoctor.findings import Finding, Severity
from lambdoctor.paths import relative


def _path(f: Finding, root: Path) -> str:
    return relative(f.file, root) or f.file.replace("\\", "/")


# -- JUnit ------------------------------------------------------------------------------------------------------
def render_junit(findings: Sequence[Finding], rules_run: Iterable[tuple[str, str]], root: Path, timestamp: str,
                 hostname: str = "lambdoctor") -> str:
    """``rules_run``: (ID, slug) of every rule that ran, for the passing cases; ``timestamp``: when the run was,
    ISO 8601 without a zone (the schema's pattern)."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.rule, _path(f, root), f.resource or "(file)"), []).append(f)
    slugs = dict(rules_run)
    for f in findings:
        slugs.setdefault(f.rule, "")
    cases: list[str] = []
    fired = {rule for rule, _, _ in groups}
    for (rule, path, resource), found in sorted(groups.items()):
        worst = max(found, key=lambda f: f.severity)
        text = "\n".join(f"{path}:{f.line}:{f.column}: {f.severity.label} {f.rule}: {f.message}"
                         + (f"\nfix: {f.fix}" if f.fix else "") for f in found)
        cases.append(f"    <testcase classname={quoteattr(f'{rule}.{slugs[rule] or rule}')} "
                     f"name={quoteattr(f'{resource} ({path})')} time=\"0\">\n"
                     f"      <failure message={quoteattr(worst.message)} type={quoteattr(worst.severity.label)}>"
                     f"{escape(text)}</failure>\n    </testcase>")
    for rule, slug in sorted(slugs.items()):
        if rule not in fired:
            cases.append(f"    <testcase classname={quoteattr(f'{rule}.{slug or rule}')} name=\"no finding\" "
                         "time=\"0\"/>")
    failures = len(groups)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
            f"  <testsuite name=\"lambdoctor\" package=\"lambdoctor\" id=\"0\" timestamp={quoteattr(timestamp)} "
            f"hostname={quoteattr(hostname)} tests=\"{len(cases)}\" failures=\"{failures}\" errors=\"0\" "
            "skipped=\"0\" time=\"0\">\n    <properties/>\n"
            + "".join(c + "\n" for c in cases)
            + "    <system-out/>\n    <system-err/>\n  </testsuite>\n</testsuites>\n")


# -- GitHub Actions ----------------------------------------------------------------------------------------------
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    # the runner's escaping of a command's message (actions/toolkit, command.ts escapeData)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    # ...and of a property value (escapeProperty): also ':' and ','
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], root: Path) -> str:
    lines = []
    for f in findings:
        props = [f"file={_property(_path(f, root))}", f"line={max(f.line, 1)}", f"col={max(f.column, 1)}",
                 f"title={_property(f'{f.rule} {f.resource}'.strip())}"]
        message = f.message + (f" Fix: {f.fix}" if f.fix else "")
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_data(message)}")
    return "".join(line + "\n" for line in lines)


# -- GitLab Code Quality -----------------------------------------------------------------------------------------
_GITLAB_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def render_gitlab(findings: Sequence[Finding], root: Path) -> str:
    issues = []
    seen: dict[str, int] = {}
    for f in findings:
        path = _path(f, root)
        # stable across line moves (GitLab matches issues between the base and the head branch on it), and unique
        # in the report: GitLab shows only the first issue of a fingerprint, so a repeat gets its occurrence too
        key = f"{f.rule}|{path}|{f.resource}|{f.message}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key += f"|{seen[key]}"
        fingerprint = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
        issues.append({"type": "issue", "check_name": f.rule,
                       "description": f"{f.rule} {f.resource}: {f.message}".replace(" : ", ": ") if f.resource
                       else f"{f.rule}: {f.message}",
                       "categories": ["Security" if f.rule.startswith("SEC") else "Bug Risk"],
                       "severity": _GITLAB_SEVERITY[f.severity], "fingerprint": fingerprint,
                       "location": {"path": path, "lines": {"begin": max(f.line, 1)}}})
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
