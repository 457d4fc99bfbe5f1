"""The same application written three ways (SAM, serverless.yml, Terraform) gives the same findings.

Each folder under tests/equivalence holds one application: template.yaml, serverless.yml and main.tf beside one
src/ folder of handler code. Findings are compared as (rule, function name) pairs; a finding on another resource
is named after what it concerns: a log group or a role after the function that uses it, anything else after the
names below. Differences that come from genuinely different defaults are listed in DIFFERENCES with the reason.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lambdoctor.config import Config
from lambdoctor.engine import scan
from lambdoctor.model import Application

HERE = Path(__file__).parent / "equivalence"
FORMS = ("template.yaml", "serverless.yml", "main.tf")
APPS = sorted(p.name for p in HERE.iterdir() if p.is_dir())

# Resources that are not functions, by the name each form gives them.
NAMES = {
    "Jobs": "jobs-queue", "aws_sqs_queue.jobs": "jobs-queue",
    "CounterErrors": "errors-alarm", "aws_cloudwatch_metric_alarm.counter_errors": "errors-alarm",
}

# (app, form) → (findings only this form has, findings only the others have), each with the reason.
DIFFERENCES: dict[tuple[str, str], tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {
    # The Serverless Framework sets 6 s and 1024 MB when nothing is written (REL002/PERF004 count a framework
    # default as set); SAM and Terraform leave Lambda's own 3 s / 128 MB.
    ("scheduled_report", "serverless.yml"): (set(), {("REL002", "report"), ("PERF004", "report")}),
    # The framework publishes a version on every deploy but creates no alias (DEP001: no alias to roll back
    # with); SAM's AutoPublishAlias and the Terraform aws_lambda_alias do, so there DEP002 asks for gradual
    # deployment instead.
    ("versioned_api", "serverless.yml"): ({("DEP001", "status")}, {("DEP002", "status")}),
}


def _canonical(app: Application, resource: str) -> str:
    if resource in app.functions:
        return app.functions[resource].name or resource
    for group in app.log_groups:
        if group.id == resource and group.function in app.functions:
            return app.functions[group.function].name or resource
    if resource in app.roles:
        users = [fn.name or fid for fid, fn in app.functions.items() if fn.role and fn.role.ref == resource]
        if len(users) == 1:
            return users[0]
    return NAMES.get(resource, resource)


def findings_of(path: Path) -> set[tuple[str, str]]:
    result = scan([str(path)], Config(), date(2026, 11, 22))
    assert len(result.applications) == 1, path
    assert not result.notes, result.notes  # every handler was analyzed
    app = result.applications[0]
    return {(f.rule, _canonical(app, f.resource)) for f in result.findings}


@pytest.mark.parametrize("name", APPS)
def test_three_forms_give_the_same_findings(name: str) -> None:
    sam = findings_of(HERE / name / "template.yaml")
    assert sam, "the SAM form finds nothing: the comparison would be empty"
    for form in FORMS[1:]:
        only_here, only_others = DIFFERENCES.get((name, form), (set(), set()))
        expected = (sam - only_others) | only_here
        assert findings_of(HERE / name / form) == expected, form


def test_there_are_six_applications_each_in_three_forms() -> None:
    assert len(APPS) >= 6
    for name in APPS:
        for form in FORMS:
            assert (HERE / name / form).is_file(), f"{name}/{form}"


def test_the_documented_differences_still_hold() -> None:
    """Each difference above is real: the SAM form has what the other form lacks, and not what it adds."""
    for (name, form), (only_here, only_others) in DIFFERENCES.items():
        sam = findings_of(HERE / name / "template.yaml")
        other = findings_of(HERE / name / form)
        assert only_others <= sam and not (only_others & other)
        assert only_here <= other and not (only_here & sam)
