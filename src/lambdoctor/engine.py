"""load → run the rules → findings. A crashing rule becomes SYS001, a bad file SYS000; the run goes on."""

from __future__ import annotations

import gc
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from lambdoctor.config import Config
from lambdoctor.findings import Finding, Severity, register_secret
from lambdoctor.problems import Problem

if TYPE_CHECKING:  # `lambdoctor logs` runs the engine without a loader or the model
    from lambdoctor.cost.prices import PriceTable
    from lambdoctor.loaders.discover import LoadResult
    from lambdoctor.logs.live import LiveResult
    from lambdoctor.model import Application, Function
    from lambdoctor.rules.base import Check, Context, Rule
    from lambdoctor.rules.logs import Configured
    from lambdoctor.runtime.environment import FunctionSpec
    from lambdoctor.stats import FunctionStats, IngestReport

S = TypeVar("S")
X = TypeVar("X")


@cache
def runtime_deprecations() -> dict[str, date]:
    text = resources.files("lambdoctor.data").joinpath("runtimes.json").read_text("utf-8")
    return {k: date.fromisoformat(v) for k, v in json.loads(text)["deprecation"].items()}


@cache
def policy_templates() -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """SAM's policy templates as SEC006 compares them: parameters and granted actions."""
    from lambdoctor.loaders.iam import sam_policy_templates

    out: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
    for name, spec in sam_policy_templates().items():
        actions: set[str] = set()
        statements = spec.get("Statement") if isinstance(spec, dict) else None
        for st in statements if isinstance(statements, list) else []:
            raw = st.get("Action") if isinstance(st, dict) else None
            actions.update(a.lower() for a in (raw if isinstance(raw, list) else [raw]) if isinstance(a, str))
        params = spec.get("Parameters") if isinstance(spec, dict) else None
        out[name] = (tuple(sorted(params)) if isinstance(params, (list, dict)) else (), frozenset(actions))
    return out


def make_context(config: Config, today: date) -> Context:
    from lambdoctor.rules.base import Context

    return Context(today=today, runtime_deprecations=runtime_deprecations(), thresholds=config.thresholds,
                   policy_templates=policy_templates())


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


def run_checks(subjects: Iterable[S], rules: Iterable[type[Check[S, X]]], config: Config, ctx: X, *,
               where: Callable[[S], str], suppressed: Callable[[Finding, S], bool] | None = None
               ) -> tuple[list[Finding], int]:
    """The one runner of every rule family: each enabled rule (select/ignore) over each subject, a rule that
    raises becomes SYS001 at ``where(subject)`` and the others still run, a suppressed finding is counted, not
    kept, and the configured severity replaces the rule's. Returns (findings, suppressed)."""
    findings: list[Finding] = []
    hidden = 0
    active = [r() for r in rules if config.enabled(r.id)]
    for subject in subjects:
        for rule in active:
            try:
                produced = list(rule.check(subject, ctx))
            except Exception as exc:  # one broken rule must not hide every other finding
                if config.enabled("SYS001"):
                    findings.append(Finding("SYS001", config.severity.get("SYS001", Severity.ERROR),
                                            f"rule {rule.id} crashed: {type(exc).__name__}: {exc}",
                                            where(subject), 1, 1, fix="report this as a lambdoctor bug"))
                continue
            for f in produced:
                if suppressed is not None and suppressed(f, subject):
                    hidden += 1
                    continue
                sev = config.severity.get(f.rule)
                findings.append(f.with_severity(sev) if sev else f)
    return findings, hidden


def run_rules(apps: Sequence[Application], config: Config, ctx: Context,
              rules: Iterable[type[Rule]] | None = None) -> tuple[list[Finding], int]:
    """Template, code and account rules (default: every template and code rule) over applications."""
    if rules is None:
        from lambdoctor.rules import ALL_RULES

        rules = ALL_RULES
    return run_checks(apps, rules, config, ctx, where=lambda app: app.source, suppressed=_suppressed)


def register_known_secrets(apps: Sequence[Application]) -> None:
    """Every environment value SEC002's detector calls a secret is masked wherever it appears in this run's output
    (a SYS000 quoting its line, a rule quoting the value), whatever its shape."""
    from lambdoctor.rules.security import secret_reason

    for app in apps:
        for fn in app.functions.values():
            for var in fn.environment:
                if var.literal and secret_reason(var):
                    register_secret(var.literal)


def as_findings(problems: Iterable[Problem], config: Config,
                fix: str = "fix the file, or exclude it from the scan") -> list[Finding]:
    """SYS000 at each problem's file, line and column, whatever the source (templates, code, logs, an account)."""
    if not config.enabled("SYS000"):
        return []
    severity = config.severity.get("SYS000", Severity.ERROR)
    return [Finding("SYS000", Severity.WARNING if p.partial else severity, p.reason, p.file, p.line, p.column,
                    fix=p.fix or fix) for p in problems]


def problems_as_findings(loaded: LoadResult, config: Config) -> list[Finding]:
    return as_findings(loaded.problems, config)


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
    from lambdoctor.loaders.discover import load_paths

    with _collector_paused():
        loaded = load_paths(paths, variables, config.exclude)
        register_known_secrets(loaded.applications)
        notes = analyze_code(loaded)
        findings, suppressed = run_rules(loaded.applications, config, make_context(config, today))
    findings.extend(problems_as_findings(loaded, config))
    findings.sort(key=Finding.sort_key)
    return ScanResult(findings, loaded.applications, loaded.files_read, suppressed,
                      [*loaded.notes, *notes, *unknown_suppressions(loaded.applications)])


def unknown_suppressions(apps: Iterable[Application]) -> list[str]:
    """A suppression that names no rule (a typo, a rule ID of another tool) suppresses nothing: said, once each."""
    from lambdoctor.rules import CATALOG_BY_ID, SYSTEM_RULES

    ids = {*CATALOG_BY_ID, *SYSTEM_RULES}

    def known(prefix: str) -> bool:
        return any(i.startswith(prefix) for i in ids)

    out: list[str] = []
    for app in apps:
        for resource, rules in sorted(app.ignored.items()):
            out.extend(f"{app.source}: {resource}: Metadata lambdoctor ignore names {r}, which matches no rule: it "
                       "suppresses nothing" for r in sorted(rules) if not known(r.upper()))
        for file, marks in sorted(app.code_suppressions.items()):
            out.extend(f"{file}:{m.start}: `lambdoctor: ignore[{r}]` matches no rule: it suppresses nothing"
                       for m in marks for r in sorted(m.rules) if not known(r))
    return sorted(set(out))


# Template rules that say nothing true about a deployed account: CodeDeploy preferences are not Lambda settings,
# and whether versions are pruned is measured by ACC002 instead of guessed from the template.
NOT_FOR_AUDIT = frozenset({"DEP002", "DEP003"})


def audit(snapshot: object, source: str, config: Config, today: date) -> ScanResult:
    """The catalog over a live-account snapshot (``live/account.py``): template rules and the ACC rules."""
    from lambdoctor.loaders.aws import build_account
    from lambdoctor.rules import ACC_RULES, ALL_RULES

    apps, problems = build_account(source, snapshot)
    register_known_secrets(apps)
    rules = [r for r in (*ALL_RULES, *ACC_RULES) if r.id not in NOT_FOR_AUDIT]
    findings, suppressed = run_rules(apps, config, make_context(config, today), rules)
    findings += as_findings((Problem(source, 1, 1, p) for p in problems), config,
                            fix="the snapshot is not what `lambdoctor audit --save` writes")
    findings.sort(key=Finding.sort_key)
    return ScanResult(findings, apps, len(apps), suppressed)


# -- local runs: the function a template defines, for invoke, probe, simulate and tune -----------------------
def find_function(path: str, function: str, variables: dict[str, str]) -> tuple[Function, Application]:
    """The one function of the template(s) at ``path`` named ``function`` (its logical ID or FunctionName),
    for a local run. FunctionNotFound says why not, with the functions there are, or the files that failed."""
    from lambdoctor.loaders.discover import load_paths
    from lambdoctor.runtime.local import FunctionNotFound

    loaded = load_paths([path], variables)
    found = [(fn, app) for app in loaded.applications for fn in app.functions.values()
             if function in (fn.id, fn.name)]
    if not found:
        names = sorted(fn.id for app in loaded.applications for fn in app.functions.values())
        where = "; ".join(f"{p.file}:{p.line}: {p.reason}" for p in loaded.problems)
        raise FunctionNotFound(f"no function {function!r} in {path}" + (
            f" (functions: {', '.join(names)})" if names else (f" ({where})" if where else "")))
    if len(found) > 1:
        raise FunctionNotFound(f"{function!r} names {len(found)} functions in {path}: give a single template")
    return found[0]



def local_function(path: str, function: str, variables: dict[str, str], env: dict[str, str]
                   ) -> tuple[FunctionSpec, list[str]]:
    """``runtime.local.function_spec`` of the function ``find_function`` finds."""
    from lambdoctor.runtime.local import function_spec

    fn, app = find_function(path, function, variables)
    return function_spec(fn, app, env)


def template_trigger(path: str, function: str, kind: str, variables: dict[str, str]
                     ) -> tuple[dict[str, Any], list[str]]:
    """``runtime.local.trigger_settings`` of the function ``find_function`` finds."""
    from lambdoctor.runtime.local import trigger_settings

    fn, app = find_function(path, function, variables)
    return trigger_settings(fn, app, kind)


# -- logs: log records (files, standard input, live log groups) → statistics → LOG findings -------------------
@dataclass
class Analysis:
    stats: list[FunctionStats]
    ingest: IngestReport
    findings: list[Finding] = field(default_factory=list)
    skipped_lines: int = 0
    notes: list[str] = field(default_factory=list)


def configured_from_templates(paths: Sequence[str], variables: dict[str, str] | None = None,
                              config: Config | None = None) -> tuple[dict[str, Configured], list[Finding]]:
    """Function settings from templates, keyed by every name a log group could carry for the function."""
    from lambdoctor.loaders.discover import load_paths
    from lambdoctor.model import Unknown
    from lambdoctor.rules.logs import Configured

    loaded = load_paths(paths, variables)
    out: dict[str, Configured] = {}
    for app in loaded.applications:
        for fn in app.functions.values():
            timeout = fn.timeout.value if not isinstance(fn.timeout.value, Unknown) else None
            memory = fn.memory.value if not isinstance(fn.memory.value, Unknown) else None
            arch = fn.architecture if isinstance(fn.architecture, str) else "x86_64"
            conf = Configured(fn.id, fn.ref.file, fn.ref.line, float(timeout) if timeout else None, memory, arch)
            for key in {fn.id, fn.name or fn.id}:
                out[key] = conf
    return out, problems_as_findings(loaded, config or Config())


def match_configured(functions: Sequence[str], configured: Mapping[str, Configured]) -> dict[str, Configured]:
    """A log group's function name is the template's FunctionName, or CloudFormation's generated
    `<stack>-<LogicalId>-<suffix>` when none is set."""
    out: dict[str, Configured] = {}
    for name in functions:
        if name in configured:
            out[name] = configured[name]
            continue
        hits = {c for key, c in configured.items() if f"-{key}-" in f"-{name}-"}
        if len(hits) == 1:
            out[name] = hits.pop()
    return out


def spool_stdin(stream: IO[bytes], folder: str) -> Path:
    """Standard input is copied to a file in bounded memory: DuckDB reads files, in parallel, with positions."""
    path = Path(folder) / "stdin.log"
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    return path


def analyze_logs(paths: Sequence[Path], prices: PriceTable, config: Config | None = None, *,
                 function: str | None = None, configured: Mapping[str, Configured] | None = None,
                 always_on_usd: Decimal | None = None, stdin: IO[bytes] | None = None,
                 live: LiveResult | None = None, rules: bool = True) -> Analysis:
    """Read the logs (``logs/``), take each function's statistics, and run the LOG rules over them through the
    same runner, configuration and SYS000/SYS001 handling as a scan. ``rules=False``: statistics only."""
    from lambdoctor.logs.live import function_of
    from lambdoctor.logs.sources import discover
    from lambdoctor.logs.store import LogStore
    from lambdoctor.rules.logs import LOG_RULES, LogContext
    from lambdoctor.stats import IngestReport

    config = config or Config()
    spool = tempfile.mkdtemp(prefix="lambdoctor-stdin-") if stdin is not None else None
    try:
        files, problems = discover(list(paths), function)
        if stdin is not None and spool is not None:
            # standard input is read like a file: its layout and compression from what it holds
            piped, _ = discover([spool_stdin(stdin, spool)], function or "stdin")
            files.extend(replace(f, shown="<stdin>") for f in piped)
        empty = [f.shown for f in files if f.layout == "empty"]
        files = [f for f in files if f.layout != "empty"]
        if live is not None:
            files.extend(live.files)
        sources: dict[str, str] = {}
        if live is not None and live.stats:  # aggregated by Logs Insights: nothing to read here
            stats, hourly = live.stats, live.hourly
            report = IngestReport(len(live.groups), 0, 0, 0, 0, ())
            sources = {function_of(g): g for g in live.groups}
        else:
            with LogStore() as store:
                store.ingest(files)
                report = store.report()
                stats = store.function_stats()
                reports = store.reports()
                stats = [replace(st, reports=reports.get(st.function, {})) for st in stats]
                hourly = store.hourly_counts() if always_on_usd is not None else {}
        for f in files:
            sources.setdefault(f.function, f.shown)
        matched = match_configured([s.function for s in stats], configured or {})
        ctx = LogContext(prices=prices, sources=sources, configured=matched, thresholds=config.thresholds,
                         always_on_usd=always_on_usd, hourly=hourly)
        findings: list[Finding] = []
        if rules:
            findings, _ = run_checks(stats, LOG_RULES, config, ctx,
                                     where=lambda s: ctx.sources.get(s.function, s.function))
        findings += as_findings([*problems, *report.problems], config, fix="")
        notes = list(live.notes) if live is not None else []
        if report.lines_rejected:
            notes.append(f"{report.lines_rejected:,} line(s) skipped: not UTF-8 text, or longer than a log event")
        if report.reports_unparsed:
            notes.append(f"{report.reports_unparsed:,} REPORT record(s) without the fields a REPORT has: skipped")
        if report.duplicates:
            notes.append(f"{report.duplicates:,} duplicate REPORT record(s) counted once (overlapping inputs)")
        if report.partial:
            notes.append(f"{report.partial:,} invocation(s) with a START but no REPORT (cut off or still running)")
        if empty:
            notes.append(f"{len(empty):,} empty file(s), nothing to read: {', '.join(empty[:3])}"
                         + (" …" if len(empty) > 3 else ""))
        if not files and not problems and not stats and not empty:
            notes.append("no log files found")
        skipped = report.lines_rejected + report.reports_unparsed + report.duplicates
        return Analysis(stats, report, sorted(findings, key=Finding.sort_key), skipped, notes)
    finally:
        if spool:
            shutil.rmtree(spool, ignore_errors=True)
