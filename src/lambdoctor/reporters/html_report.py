"""``--format html``: one self-contained page a user opens offline, attaches to a ticket or publishes from CI. The
application's graph is laid out by Graphviz (``dot``, through the ``graphviz`` binding) and inlined as SVG; the
page is a Jinja2 template with autoescaping, so every string that comes from the user's files (resource names,
messages, paths) is escaped; a Content-Security-Policy forbids any network load. Secrets are masked before a finding
is made, as in every other format. Reading works with JavaScript off; filtering and selecting a node need it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from lambdoctor import __version__
from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application
from lambdoctor.reporters import app_graph

_FILL = {Severity.ERROR: "#f9d6d3", Severity.WARNING: "#fbe7bf", Severity.INFO: "#d9e6f2", None: "#eef1f4"}
_LINE = {Severity.ERROR: "#b3261e", Severity.WARNING: "#8a5a00", Severity.INFO: "#2f5d8a", None: "#6b7682"}
_SHAPE = {"function": "box", "queue": "cds", "topic": "hexagon", "bucket": "cylinder", "table": "cylinder",
          "stream": "rarrow", "api": "invhouse", "http_api": "invhouse", "schedule": "octagon",
          "external": "note"}


def _templates() -> Any:
    """The page templates, autoescaped: every string from the user's files is escaped where it is written."""
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("lambdoctor.reporters", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined)


class GraphvizMissing(Exception):
    """Graphviz's ``dot`` program is not installed."""


def graph_svg(graph: app_graph.Graph) -> tuple[str, dict[str, str]]:
    """The graph laid out left to right by dot, as an inline <svg> element (no XML prolog), and the resource each
    node's SVG id stands for. Nodes get ids of their own (n0, n1 ...): a name dot would read as syntax (a colon
    is a port) or that holds markup never reaches dot's input as an identifier."""
    import graphviz

    dot = graphviz.Digraph("application", graph_attr={"rankdir": "LR", "bgcolor": "transparent", "fontname":
                                                      "Helvetica", "nodesep": "0.35", "ranksep": "0.7"},
                           node_attr={"fontname": "Helvetica", "fontsize": "11", "style": "filled"},
                           edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#6b7682"})
    ids = {node_id: f"n{i}" for i, node_id in enumerate(graph.nodes)}
    for node in graph.nodes.values():
        badge = f"\n{node.findings} finding{'s' if node.findings != 1 else ''}" if node.findings else ""
        dot.node(ids[node.id], graphviz.nohtml(f"{node.label}{badge}"), shape=_SHAPE.get(node.kind, "ellipse"),
                 fillcolor=_FILL[node.severity], color=_LINE[node.severity], id=ids[node.id],
                 **{"class": f"kind-{node.kind} sev-{node.severity.label if node.severity else 'none'}"})
    for edge in graph.edges:
        dot.edge(ids[edge.source], ids[edge.target], graphviz.nohtml(edge.label), style=edge.style)
    try:
        svg = str(dot.pipe(format="svg", encoding="utf-8"))
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizMissing(str(exc)) from None
    return svg[svg.index("<svg"):], {v: k for k, v in ids.items()}


def _account_charts(apps: Sequence[Application]) -> list[dict[str, str]]:
    """audit: each Region's code storage against its quota (75 GB by default), and per function the versions kept,
    used or not (what `lambdoctor prune` would reclaim)."""
    out: list[dict[str, str]] = []
    for app in apps:
        account = app.account
        if account is None:
            continue
        from lambdoctor.reporters import charts

        rows = [{"function": fid, "use": "unknown" if v.in_use is None else "in use" if v.in_use else "unused",
                 "mb": round(v.size_bytes / 1024**2, 3)}  # MB as the ACC rules count them (1024²)
                for fid, versions in sorted(account.versions.items()) for v in versions]
        used, quota = account.code_storage_bytes, account.code_storage_quota
        heading = f"{account.region}: code storage"
        if used is not None and quota:
            heading += f", {used / 1024**3:,.2f} GB of the {quota / 1024**3:,.0f} GB quota ({used / quota:.0%})"
        if rows:
            out.append({"heading": heading, "svg": charts.svg(charts.code_storage(rows))})
    return out


def _family(rule: str) -> str:
    return re.sub(r"\d+$", "", rule)


def render_scan(apps: Sequence[Application], findings: Sequence[Finding], files: int, suppressed: int,
                notes: Sequence[str], command: str = "scan", title: str = "") -> str:
    from lambdoctor.reporters.json_report import finding_dict

    rows: list[dict[str, Any]] = []
    for f in sorted(findings, key=lambda f: (-f.severity.value, f.sort_key())):
        row = finding_dict(f)
        row["family"] = _family(f.rule)
        rows.append(row)
    counts = Counter(f.severity.label for f in findings)
    svg, names = graph_svg(app_graph.build(apps, findings))
    extra = _account_charts(apps)
    page = _templates().get_template("scan.html.j2").render(
        command=command, title=title or ", ".join(sorted({a.source for a in apps})) or "no application",
        findings=rows, counts={k: counts.get(k, 0) for k in ("error", "warning", "info")},
        functions=sum(len(a.functions) for a in apps), files=files, suppressed=suppressed, notes=list(notes),
        families=sorted({r["family"] for r in rows}), graph_svg=svg, node_names=names, extra_charts=extra,
        version=__version__)
    return str(page)


def _charts_page(command: str, title: str, summary: Sequence[str], charts: Sequence[dict[str, str]],
                 table: dict[str, Any] | None, notes: Sequence[str]) -> str:
    page = _templates().get_template("charts.html.j2").render(command=command, title=title, summary=list(summary),
                                                              charts=list(charts), table=table, notes=list(notes),
                                                              version=__version__)
    return str(page)


def render_cost(estimates: Sequence[Any]) -> str:
    """The Power Tuning picture of ``lambdoctor cost``: monthly cost and billed duration per memory size."""
    from lambdoctor.reporters import charts, log_report
    from lambdoctor.units import cents

    cheapest = min(estimates, key=lambda e: e.total)
    fastest = min(estimates, key=lambda e: e.billed_ms)
    rows = [{"memory_mb": e.workload.memory_mb, "monthly_usd": float(cents(e.total)), "billed_ms":
             float(e.billed_ms), "cheapest": e is cheapest, "fastest": e is fastest} for e in estimates]
    first = estimates[0]
    headers, bill = log_report.cost_table(estimates)
    table = {"heading": "The bill", "headers": headers, "rows": bill}
    summary = [f"Prices of {first.prices.region}, in force {first.prices.effective.isoformat()} "
               f"({first.prices.billing_granularity_ms} ms billing); a month is 30 days.",
               f"Cheapest: {cheapest.workload.memory_mb} MB at ${cents(cheapest.total):,} a month; fastest: "
               f"{fastest.workload.memory_mb} MB at {fastest.billed_ms:,.1f} ms billed per invocation."]
    chart = {"heading": "Cost and duration against memory size", "svg": charts.svg(charts.cost_and_duration(rows))}
    return _charts_page("cost", f"{len(estimates)} memory size(s)", summary, [chart], table, first.assumptions)


TOTALS = ("attempts", "succeeded", "failed", "retried", "dead_lettered", "throttled", "cold_starts",
          "duplicates_delivered", "lost")


def render_simulation(doc: dict[str, Any], scenario: str) -> str:
    """``simulate``'s timeline on the virtual clock (``doc``: the JSON report): concurrency, each invocation and its
    outcome, and how the events ended."""
    from lambdoctor.reporters import charts

    points = [{"t": float(t), "concurrency": float(c)} for t, c in doc.get("concurrency") or []]
    calls = [{"t": float(e["t"]), "records": len(e.get("records") or []), "outcome": str(e.get("outcome"))}
             for e in doc.get("timeline") or []]
    shown_points, shown_calls = charts.thin(points), charts.thin(calls)
    chart_list = []
    if shown_points:
        chart_list.append({"heading": "Concurrency over the virtual clock",
                           "svg": charts.svg(charts.concurrency_over_time(shown_points))})
    if shown_calls:
        chart_list.append({"heading": "Each invocation and its outcome",
                           "svg": charts.svg(charts.invocations_over_time(shown_calls))})
    ended = [{"what": k.replace("_", " "), "count": int(doc.get(k) or 0)} for k in TOTALS]
    chart_list.append({"heading": "How it ended", "svg": charts.svg(charts.totals(ended))})
    notes = list(doc.get("notes") or [])
    if len(calls) > len(shown_calls):
        notes.append(f"{len(calls):,} invocations: {len(shown_calls):,} drawn, evenly spaced")
    dlq = doc.get("dlq") or []
    summary = [f"{doc.get('attempts', 0):,} invocations on the virtual clock; {len(dlq):,} record(s) dead-lettered; "
               f"billed {doc.get('billed_ms', 0):,} ms, ${doc.get('cost_usd', 0)}."]
    table = {"heading": "Totals", "headers": ["", "count"], "rows": [[r["what"], f"{r['count']:,}"] for r in ended]}
    return _charts_page("simulate", scenario, summary, chart_list, table, notes)


def render_logs(stats: Sequence[Any], findings: Sequence[Finding], notes: Sequence[str]) -> str:
    """``lambdoctor logs``, per function: durations, invocations, errors and cold starts over time (the report's
    time bins), peak memory against the configured size, and the findings."""
    from lambdoctor.reporters import charts

    chart_list: list[dict[str, str]] = []
    for s in stats:
        bins = (s.reports.get("over_time") or {}).get("bins") or []
        if bins:
            chart_list.append({"heading": f"{s.function}: duration over time",
                               "svg": charts.svg(charts.durations_over_time(bins))})
            chart_list.append({"heading": f"{s.function}: invocations, errors and cold starts over time",
                               "svg": charts.svg(charts.invocations_over_time_bins(bins))})
        # where the compute goes: GB-seconds (billed seconds x memory) per memory size, billed seconds per version
        # (a version's rows carry no memory size of their own)
        for key, field, title, measure in (("by_version", "version", "version", "billed seconds"),
                                           ("by_memory", "memory", "memory size", "GB-seconds")):
            bars = []
            for r in s.reports.get(key) or []:
                seconds = (r.get("billed_ms_mean") or 0) * (r.get("invocations") or 0) / 1000
                size = r.get("memory_mb") or 0
                bars.append({field: str(r.get("version")) if key == "by_version" else f"{size} MB",
                             "gb_seconds": round(seconds if key == "by_version" else seconds * size / 1024, 3),
                             "label": f"{r.get('invocations') or 0:,} invocations"})
            if len(bars) > 1:
                chart_list.append({"heading": f"{s.function}: compute by {title}",
                                   "svg": charts.svg(charts.gb_seconds_by(bars, field, title, measure))})
        used = s.max_memory_used_mb or {}
        if s.memory_mb and any(used.get(k) is not None for k in ("p50", "p99", "max")):
            rows = [{"what": f"peak {k}", "mb": float(used[k]), "size": s.memory_mb}
                    for k in ("p50", "p99", "max") if used.get(k) is not None]
            chart_list.append({"heading": f"{s.function}: memory used against its {s.memory_mb} MB",
                               "svg": charts.svg(charts.memory_against_size(rows))})
    table = {"heading": "Functions", "headers": ["function", "invocations", "cold", "p50 ms", "p99 ms", "memory",
                                                 "peak MB", "timeouts", "errors", "log MB"],
             "rows": [[s.function, f"{s.invocations:,}", f"{s.cold_starts:,}",
                       f"{s.duration_ms.get('p50') or 0:,.1f}", f"{s.duration_ms.get('p99') or 0:,.1f}",
                       f"{s.memory_mb or ''}", f"{(s.max_memory_used_mb or {}).get('max') or 0:,.0f}",
                       f"{s.timeouts:,}", f"{s.errors:,}", f"{s.log_bytes / 1e6:,.2f}"] for s in stats]}
    summary = [f"{len(stats)} function(s), {sum(s.invocations for s in stats):,} invocations, "
               f"{len(findings)} finding(s)."]
    summary += [f"{f.severity.label} {f.rule} {f.resource}: {f.message}" for f in findings]
    return _charts_page("logs", ", ".join(s.function for s in stats) or "no function", summary, chart_list, table,
                        notes)


def render_tune(rows: Sequence[dict[str, Any]], chosen: dict[str, Any], strategy: str, function: str,
                notes: Sequence[str]) -> str:
    """``lambdoctor tune``: cost per million invocations and the p50 duration against memory size, measured."""
    from lambdoctor.reporters import charts

    cheapest = min(rows, key=lambda r: r["cost_per_million"])
    fastest = min(rows, key=lambda r: r["p50_ms"])
    data = [{"memory_mb": r["memory_mb"], "monthly_usd": r["cost_per_million"], "billed_ms": r["p50_ms"],
             "cheapest": r is cheapest, "fastest": r is fastest} for r in rows]
    chart = {"heading": "Cost per million invocations (bars) and p50 duration (line) against memory size",
             "svg": charts.svg(charts.cost_and_duration(data, "US$ per million invocations"))}
    table = {"heading": "Measured", "headers": ["memory", "vCPU", "cold ms", "p50 ms", "p90 ms", "p99 ms",
                                                "US$ / million", "errors"],
             "rows": [[f"{r['memory_mb']} MB", f"{r['vcpus']:g}{' (capped)' if r['capped'] else ''}",
                       f"{r['cold_ms']:,.1f}", f"{r['p50_ms']:,.1f}", f"{r['p90_ms']:,.1f}", f"{r['p99_ms']:,.1f}",
                       f"${r['cost_per_million']:,.4f}", str(r["errors"])] for r in rows]}
    summary = [f"Recommended for {strategy}: {chosen['memory_mb']} MB (p50 {chosen['p50_ms']:,.1f} ms, "
               f"${chosen['cost_per_million']:,.4f} per million invocations)."]
    return _charts_page("tune", function, summary, [chart], table, notes)
