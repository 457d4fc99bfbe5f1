"""load → run the rules → findings. A crashing rule becomes SYS001, a bad file SYS000; the run goes on."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from lambdoctor.config import Config
from lambdoctor.findings import Finding, Severity, register_secret
from lambdoctor.loaders.discover import LoadResult, load_paths
from lambdoctor.model import Application
from lambdoctor.rules import ALL_RULES, Context, Rule


@cache
def runtime_deprecations() -> dict[str, date]:
    text = resources.files("lambdoctor.data").joinpath("runtimes.json").read_text("utf-8")
    return {k: date.fromisoformat(v) for k, v in json.loads(text)["deprecation"].items()}


def make_context(config: Config, today: date) -> Context:
    return Context(today=today, runtime_deprecations=runtime_deprecations(), thresholds=config.thresholds)


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    files_read: int = 0
    suppressed: int = 0
    notes: list[str] = field(default_factory=list)  # what the scan could not look at, one line each


def _suppressed(finding: Finding, app: Application) -> bool:
    ignored = app.ignored.get(finding.resource, frozenset())
    if any(finding.rule.startswith(p) for p in ignored):
        return True
    # `# lambdoctor: ignore[ID]` on the finding's line, or on the def (or class) that encloses it
    for s in app.code_suppressions.get(finding.file, ()):
        if s.start <= finding.line <= s.end and (not s.rules or any(finding.rule.startswith(r) for r in s.rules)):
            return True
    return False


def run_rules(apps: Sequence[Application], config: Config, ctx: Context,
              rules: Iterable[type[Rule]] = ALL_RULES) -> tuple[list[Finding], int]:
    findings: list[Finding] = []
    suppressed = 0
    active = [r() for r in rules if config.enabled(r.id)]
    for app in apps:
        for rule in active:
            try:
                produced = list(rule.check(app, ctx))
            except Exception as exc:  # one broken rule must not hide every other finding
                if config.enabled("SYS001"):
                    findings.append(Finding("SYS001", Severity.ERROR,
                                            f"rule {rule.id} crashed: {type(exc).__name__}: {exc}",
                                            app.source, 1, 1, fix="report this as a lambdoctor bug"))
                continue
            for f in produced:
                if _suppressed(f, app):
                    suppressed += 1
                    continue
                sev = config.severity.get(f.rule)
                findings.append(f.with_severity(sev) if sev else f)
    return findings, suppressed


def register_known_secrets(apps: Sequence[Application]) -> None:
    """Every environment value SEC002's detector calls a secret is masked wherever it appears in this run's output
    (a SYS000 quoting its line, a rule quoting the value), whatever its shape."""
    from lambdoctor.rules.security import secret_reason

    for app in apps:
        for fn in app.functions.values():
            for var in fn.environment:
                if var.literal and secret_reason(var):
                    register_secret(var.literal)


def problems_as_findings(loaded: LoadResult, config: Config) -> list[Finding]:
    if not config.enabled("SYS000"):
        return []
    return [Finding("SYS000", config.severity.get("SYS000", Severity.ERROR), p.reason, p.file, p.line, p.column,
                    fix="fix the file, or exclude it from the scan") for p in loaded.problems]


def analyze_code(loaded: LoadResult) -> list[str]:
    """Attach handler code facts to every application (AST only: the code is never imported or run).

    Returns the notes: one line per function whose handler source could not be analyzed.
    """
    from lambdoctor.code.application import analyze_applications

    apps, problems, python_files = analyze_applications(loaded.applications)
    loaded.applications[:] = apps
    loaded.problems.extend(problems)
    loaded.files_read += python_files  # inline code lives in a template, already counted
    return [f"{app.source}: {fid}: handler source not analyzed: {why}"
            for app in apps for fid, why in app.code_missing.items()]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the scan builds its long-lived trees.

    Parsing thousands of handler files allocates millions of AST nodes that live until the scan ends and hold no
    reference cycles; CPython's generational collector would traverse them again and again (measured: parsing
    the 6,000 files of bench/gen_handlers.py takes 9.5 s with it running, 2.5 s paused).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def scan(paths: Sequence[str], config: Config, today: date, variables: dict[str, str] | None = None) -> ScanResult:
    """``variables``: values for template parameters, serverless.yml options and Terraform variables."""
    with _collector_paused():
        loaded = load_paths(paths, variables)
        register_known_secrets(loaded.applications)
        notes = analyze_code(loaded)
        findings, suppressed = run_rules(loaded.applications, config, make_context(config, today))
    findings.extend(problems_as_findings(loaded, config))
    findings.sort(key=Finding.sort_key)
    return ScanResult(findings, loaded.applications, loaded.files_read, suppressed, [*loaded.notes, *notes])


# Template rules that say nothing true about a deployed account: CodeDeploy preferences are not Lambda settings,
# and whether versions are pruned is measured by ACC002 instead of guessed from the template.
NOT_FOR_AUDIT = frozenset({"DEP002", "DEP003"})


def audit(snapshot: object, source: str, config: Config, today: date) -> ScanResult:
    """The catalog over a live-account snapshot (``live/account.py``): template rules and the ACC rules."""
    from lambdoctor.loaders.aws import build_account
    from lambdoctor.rules import ACC_RULES

    apps, problems = build_account(source, snapshot)
    register_known_secrets(apps)
    rules = [r for r in (*ALL_RULES, *ACC_RULES) if r.id not in NOT_FOR_AUDIT]
    findings, suppressed = run_rules(apps, config, make_context(config, today), rules)
    if config.enabled("SYS000"):
        findings.extend(Finding("SYS000", config.severity.get("SYS000", Severity.ERROR), p, source, 1, 1,
                                fix="the snapshot is not what `lambdoctor audit --save` writes")
                        for p in problems)
    findings.sort(key=Finding.sort_key)
    return ScanResult(findings, apps, len(apps), suppressed)
