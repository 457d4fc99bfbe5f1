"""--format junit, github and gitlab, each checked against its documented format:
- JUnit: the Ant JUnit XML schema (tests/data/JUnit.xsd, github.com/windyroad/JUnit-Schema at cfa434d), which
  Jenkins, GitLab and CircleCI read;
- github: the workflow-command syntax of docs.github.com "Workflow commands for GitHub Actions" (`::error
  file={name},line={line},col={col},title={title}::{message}`), with the runner's escaping of data and properties
  (actions/toolkit packages/core/src/command.ts: escapeData, escapeProperty);
- gitlab: docs.gitlab.com "Code Quality", "Code Quality report format" (description, check_name, fingerprint,
  severity one of info/minor/major/critical/blocker, location.path, location.lines.begin), fingerprints unique.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import xmlschema
from conftest import ROOT

from lambdoctor.findings import Finding, Severity
from lambdoctor.reporters import ci_formats

JUNIT = xmlschema.XMLSchema(str(ROOT / "tests" / "data" / "JUnit.xsd"))
COMMAND = re.compile(r"^::(error|warning|notice) file=([^,:]+),line=(\d+),col=(\d+),title=([^,:]+)::(.+)$")


def _scan(repo: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lambdoctor", "scan", "shop", "--format", fmt], capture_output=True,
                          text=True, timeout=120, cwd=repo)


def _repo(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "shop", tmp_path / "shop")
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_junit_is_valid_and_has_a_case_per_rule_and_resource(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = _scan(repo, "junit")
    assert out.returncode == 1, out.stderr
    JUNIT.validate(out.stdout)
    doc = JUNIT.to_dict(out.stdout)
    [suite] = doc["testsuite"]
    cases = suite["testcase"]
    failed = [c for c in cases if "failure" in c]
    assert suite["@tests"] == len(cases) and suite["@failures"] == len(failed) and suite["@errors"] == 0
    json_out = subprocess.run([sys.executable, "-m", "lambdoctor", "scan", "shop", "--format", "json"],
                              capture_output=True, text=True, timeout=120, cwd=repo)
    findings = json.loads(json_out.stdout)["findings"]
    pairs = {(f["rule"], f["resource"] or "(file)", f["file"]) for f in findings}
    assert len(failed) == len(pairs)
    case = next(c for c in failed if c["@classname"] == "REL014.batch-response-mismatch")
    assert case["@name"] == "ClickConsumer (shop/src/clicks/app.py)"
    assert case["failure"]["@type"] == "error" and "itemIdentifier" in case["failure"]["@message"]
    passing = {c["@classname"].split(".")[0] for c in cases if "failure" not in c}
    assert passing and not passing & {f["rule"] for f in findings}


def test_github_annotations_follow_the_workflow_command_syntax(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = _scan(repo, "github")
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines and all(COMMAND.match(line) for line in lines), [x for x in lines if not COMMAND.match(x)][:3]
    first = COMMAND.match(next(x for x in lines if "REL014" in x))
    assert first is not None and first.group(1) == "error" and first.group(2) == "shop/src/clicks/app.py"


def test_github_escapes_what_would_break_a_command() -> None:
    f = Finding(rule="SEC002", severity=Severity.WARNING, message="100% of it\nspans, two: lines",
                file="a,b:c.yaml", line=3, resource="Fn")
    [line] = ci_formats.render_github([f], Path.cwd()).splitlines()
    assert line == "::warning file=a%2Cb%3Ac.yaml,line=3,col=1,title=SEC002 Fn::100%25 of it%0Aspans, two: lines"


def test_gitlab_code_quality_has_the_documented_fields_and_unique_fingerprints(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = _scan(repo, "gitlab")
    assert out.returncode == 1, out.stderr
    issues = json.loads(out.stdout)
    assert issues
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert (repo / issue["location"]["path"]).is_file()
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    same = Finding(rule="REL001", severity=Severity.ERROR, message="m", file="t.yaml", line=1, resource="Fn")
    twice = json.loads(ci_formats.render_gitlab([same, same], Path.cwd()))
    assert twice[0]["fingerprint"] != twice[1]["fingerprint"]
