"""Reports of `lambdoctor logs` (a table per function, or JSON) and `lambdoctor cost`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from lambdoctor import __version__
from lambdoctor.findings import Finding
from lambdoctor.reporters.json_report import finding_dict, summary
from lambdoctor.reporters.terminal import render as render_findings
from lambdoctor.rules.logs import LOG_RULES
from lambdoctor.rules.system import SYSTEM_RULES
from lambdoctor.stats import FunctionStats
from lambdoctor.units import cents

if TYPE_CHECKING:  # a report renders an estimate; it never prices anything itself
    from lambdoctor.cost.model import Estimate

# A log report's findings come from the LOG rules and SYS000 only.
_LOG_SLUGS = {r.id: r.slug for r in LOG_RULES} | {rid: slug for rid, (slug, _) in SYSTEM_RULES.items()}

LOGS_SCHEMA_VERSION = "1.0"
COST_SCHEMA_VERSION = "1.0"


def stats_dict(s: FunctionStats) -> dict[str, Any]:
    return {
        "function": s.function,
        "invocations": s.invocations,
        "cold_starts": s.cold_starts,
        "duration_ms": s.duration_ms,
        "billed_ms_total": s.billed_ms_total,
        "memory_mb": s.memory_mb,
        "memory_sizes_seen": list(s.memory_sizes),
        "max_memory_used_mb": s.max_memory_used_mb,
        "init_ms": s.init_ms,
        "timeouts": s.timeouts,
        "out_of_memory": s.out_of_memory,
        "errors": s.errors,
        "error_lines_in_success": s.error_lines_in_success,
        "invocations_with_error_lines": s.invocations_with_error_lines,
        "log_bytes": s.log_bytes,
        "partial": s.partial,
        "versions": list(s.versions),
        "first": s.first,
        "last": s.last,
        "platform_bytes": s.platform_bytes,
        "init_failures": s.init_failures,
        "init_timeouts": s.init_timeouts,
        "reports": s.reports,
    }


def render_logs_json(stats: Sequence[FunctionStats], findings: Sequence[Finding], skipped: int,
                     notes: Sequence[str], files: int) -> str:
    doc = {
        "schema_version": LOGS_SCHEMA_VERSION,
        "tool": {"name": "lambdoctor", "version": __version__},
        "functions": [stats_dict(s) for s in stats],
        "findings": [finding_dict(f, _LOG_SLUGS) for f in findings],
        "skipped_lines": skipped,
        "notes": list(notes),
        "summary": summary(findings, files, 0),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def render_logs_terminal(stats: Sequence[FunctionStats], findings: Sequence[Finding], notes: Sequence[str],
                         files: int, stream: TextIO) -> None:
    headers = ("function", "invocations", "cold", "p50 ms", "p99 ms", "max ms", "memory", "peak MB", "timeouts",
               "OOM", "errors", "err lines", "log MB")
    rows = [(s.function, f"{s.invocations:,}", f"{s.cold_starts:,}", _n(s.duration_ms["p50"], 1),
             _n(s.duration_ms["p99"], 1), _n(s.duration_ms["max"], 1), f"{s.memory_mb or '-'}",
             _n(s.max_memory_used_mb["max"]), f"{s.timeouts:,}", f"{s.out_of_memory:,}", f"{s.errors:,}",
             f"{s.error_lines_in_success:,}", f"{s.log_bytes / 1e6:,.1f}") for s in stats]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
    stream.write(line + "\n" + "-" * len(line) + "\n")
    for r in rows:
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        stream.write("  ".join(cells) + "\n")
    stream.write("\n")
    for s in stats:
        _render_reports(s, stream)
    render_findings(list(findings), files, 0, stream, notes)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], stream: TextIO, indent: str = "  ") -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    stream.write(indent + "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)) + "\n")
    for r in rows:
        stream.write(indent + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + "\n")


def _render_reports(s: FunctionStats, stream: TextIO) -> None:
    """Per function with more than one invocation: the same reports as the JSON, as compact tables (a few rows
    each: the last bins over time, every version and memory size, the top billed and the last errors)."""
    r = s.reports
    if not r or s.invocations < 2:
        return
    stream.write(f"{s.function}\n")
    init = r.get("init") or {}
    if init.get("max") is not None:
        stream.write(f"  init p50 {_n(init['p50'], 1)} ms, p75 {_n(init['p75'], 1)} ms, max {_n(init['max'], 1)} ms"
                     f"; {r.get('at_memory_limit', 0):,} invocation(s) at 100 % of memory\n")
    over = r.get("over_time") or {}
    bins = over.get("bins") or []
    if len(bins) > 1:
        width = over["bin_seconds"]
        label = {300: "5 min", 3600: "hour", 86400: "day", 604800: "week"}.get(width, f"{width} s")
        shown = bins[-12:]
        stream.write(f"  per {label}" + (f" (last {len(shown)} of {len(bins)})" if len(bins) > len(shown) else "")
                     + ":\n")
        _table(("start", "invocations", "cold %", "p50 ms", "p99 ms", "errors"),
               [(b["start"], f"{b['invocations']:,}", _n(100 * (b["cold_start_share"] or 0), 1), _n(b["p50_ms"], 1),
                 _n(b["p99_ms"], 1), f"{b['errors']:,}") for b in shown], stream, "    ")
    for key, name in (("by_version", "version"), ("by_memory", "memory_mb")):
        groups = r.get(key) or []
        if len(groups) > 1:
            stream.write(f"  per {name.replace('_mb', ' size')}:\n")
            _table((name, "invocations", "cold", "errors", "p50 ms", "p99 ms", "peak MB"),
                   [(str(g[name]), f"{g['invocations']:,}", f"{g['cold_starts']:,}", f"{g['errors']:,}",
                     _n(g["p50_ms"], 1), _n(g["p99_ms"], 1), _n(g["peak_memory_mb"])) for g in groups], stream, "    ")
    top = r.get("top_billed") or []
    if top:
        stream.write("  billed longest: " + ", ".join(f"{t['request_id']} ({_n(t['billed_ms'])} ms)" for t in top[:3])
                     + "\n")
    errors = r.get("last_errors") or []
    if errors:
        stream.write("  last errors: " + ", ".join(
            f"{e['request_id']} {e['status']}{' ' + e['error_type'] if e['error_type'] else ''}" for e in errors[:3])
                     + "\n")
    stream.write("\n")


def _money(value: Decimal) -> float:
    # Two decimals survive the round trip through a JSON number exactly as printed.
    return float(cents(value))


def estimate_dict(e: Estimate) -> dict[str, Any]:
    w = e.workload
    return {
        "memory_mb": w.memory_mb,
        "architecture": w.architecture,
        "invocations": float(w.invocations),
        "billed_ms": float(e.billed_ms),
        "gb_seconds": float(e.gb_seconds),
        "monthly_total_usd": _money(e.total),
        "yearly_total_usd": _money(e.total * 12),
        "breakdown": {k: _money(v) for k, v in e.breakdown.items()},
        "assumptions": list(e.assumptions),
    }


def render_cost_json(estimates: Sequence[Estimate], always_on: Decimal | None) -> str:
    first = estimates[0]
    doc: dict[str, Any] = {
        "schema_version": COST_SCHEMA_VERSION,
        "region": first.prices.region,
        "prices_effective": first.prices.effective.isoformat(),
        "billing_granularity_ms": first.prices.billing_granularity_ms,
        "estimates": [estimate_dict(e) for e in estimates],
    }
    doc.update({k: v for k, v in estimate_dict(first).items() if k in ("monthly_total_usd", "breakdown")})
    if always_on is not None:
        doc["always_on_usd"] = _money(always_on)
        doc["compared"] = [{"memory_mb": e.workload.memory_mb,
                            "monthly_difference_usd": _money(e.total - always_on),
                            "yearly_difference_usd": _money((e.total - always_on) * 12)} for e in estimates]
    return json.dumps(doc, indent=2) + "\n"


def cost_table(estimates: Sequence[Estimate]) -> tuple[list[str], list[list[str]]]:
    """The bill per memory size, as the terminal and the HTML page show it: headers and rows of text."""
    keys = list(estimates[0].breakdown)
    headers = ["memory", "billed ms", *keys, "total/month", "total/year"]
    rows = [[f"{e.workload.memory_mb} MB", f"{e.billed_ms:,.1f}", *(f"${cents(e.breakdown[k]):,}" for k in keys),
             f"${cents(e.total):,}", f"${cents(e.total * 12):,}"] for e in estimates]
    return headers, rows


def render_cost_terminal(estimates: Sequence[Estimate], always_on: Decimal | None, stream: TextIO) -> None:
    first = estimates[0]
    stream.write(f"prices: {first.prices.region}, in force {first.prices.effective.isoformat()} "
                 f"({first.prices.billing_granularity_ms} ms billing); a month is 30 days\n\n")
    headers, rows = cost_table(estimates)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    stream.write("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)) + "\n")
    for r in rows:
        stream.write("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + "\n")
    for note in first.assumptions:
        stream.write(f"note: {note}\n")
    if always_on is not None:
        stream.write("\n")
        for e in estimates:
            diff = e.total - always_on
            word = "more" if diff > 0 else "less"
            stream.write(f"{e.workload.memory_mb} MB: ${cents(abs(diff)):,} a month (${cents(abs(diff) * 12):,} a "
                         f"year) {word} than the always-on ${cents(always_on):,}\n")
