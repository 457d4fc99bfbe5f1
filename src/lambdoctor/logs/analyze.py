"""``lambdoctor logs``: inputs → DuckDB → per-function statistics → LOG findings."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from lambdoctor.cost.prices import PriceTable
from lambdoctor.findings import Finding, Severity
from lambdoctor.logs.live import LiveResult, function_of
from lambdoctor.logs.sources import LogFile, discover
from lambdoctor.logs.stats import FunctionStats, IngestReport
from lambdoctor.logs.store import LogStore
from lambdoctor.rules.logs import Configured, LogContext, run


@dataclass
class Analysis:
    stats: list[FunctionStats]
    ingest: IngestReport
    findings: list[Finding] = field(default_factory=list)
    skipped_lines: int = 0
    notes: list[str] = field(default_factory=list)


def configured_from_templates(paths: Sequence[str], variables: dict[str, str] | None = None
                              ) -> tuple[dict[str, Configured], list[Finding]]:
    """Function settings from templates, keyed by every name a log group could carry for the function."""
    from lambdoctor.config import Config
    from lambdoctor.engine import problems_as_findings
    from lambdoctor.loaders.discover import load_paths
    from lambdoctor.model import Unknown

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
    return out, problems_as_findings(loaded, Config())


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


def analyze(paths: Sequence[Path], prices: PriceTable, *, function: str | None = None,
            configured: Mapping[str, Configured] | None = None, always_on_usd: Decimal | None = None,
            stdin: IO[bytes] | None = None, selected: set[str] | None = None,
            live: LiveResult | None = None) -> Analysis:
    spool = tempfile.mkdtemp(prefix="lambdoctor-stdin-") if stdin is not None else None
    try:
        files, problems = discover(list(paths), function)
        if stdin is not None and spool is not None:
            piped = spool_stdin(stdin, spool)
            files.append(LogFile(piped, function or "stdin", "text", shown="<stdin>"))
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
                hourly = store.hourly_counts() if always_on_usd is not None else {}
        for f in files:
            sources.setdefault(f.function, f.shown)
        matched = match_configured([s.function for s in stats], configured or {})
        ctx = LogContext(prices=prices, sources=sources, configured=matched, always_on_usd=always_on_usd,
                         hourly=hourly)
        findings = run(stats, ctx, selected)
        for p in problems:
            findings.append(Finding("SYS000", Severity.ERROR, p.reason, p.file, 1))
        for file, message in report.problems:
            findings.append(Finding("SYS000", Severity.ERROR, message, file, 1))
        notes = list(live.notes) if live is not None else []
        if report.lines_rejected:
            notes.append(f"{report.lines_rejected:,} line(s) skipped: not UTF-8 text, or longer than a log event")
        if report.reports_unparsed:
            notes.append(f"{report.reports_unparsed:,} REPORT record(s) without the fields a REPORT has: skipped")
        if report.duplicates:
            notes.append(f"{report.duplicates:,} duplicate REPORT record(s) counted once (overlapping inputs)")
        if report.partial:
            notes.append(f"{report.partial:,} invocation(s) with a START but no REPORT (cut off or still running)")
        if not files and not problems and not stats:
            notes.append("no log files found")
        skipped = report.lines_rejected + report.reports_unparsed + report.duplicates
        return Analysis(stats, report, sorted(findings, key=Finding.sort_key), skipped, notes)
    finally:
        if spool:
            shutil.rmtree(spool, ignore_errors=True)
