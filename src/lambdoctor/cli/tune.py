"""`lambdoctor tune`: AWS Lambda Power Tuning without deploying anything; the function measured locally at each
memory size with that size's CPU share (runtime/tune.py), priced by the cost engine."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from lambdoctor.cli.app import main
from lambdoctor.cli.common import EXIT_CLEAN, EXIT_USAGE, local_spec, price_table
from lambdoctor.cli.local import _event_maker, _handler_options


@main.command()
@_handler_options
@click.option("--memory", default="128,256,512,1024,1769,3008", show_default=True,
              help="The memory sizes to measure, in MB (comma list).")
@click.option("--invocations", default=10, show_default=True, type=click.IntRange(1, 10000),
              help="Warm invocations per size (after one cold one).")
@click.option("--strategy", type=click.Choice(["cost", "speed", "balanced"]), default="balanced", show_default=True,
              help="What the recommendation optimizes: cost, speed, or cost x duration.")
@click.option("--arch", type=click.Choice(["x86_64", "arm64"]), default="x86_64", show_default=True)
@click.option("--region", default="us-east-1", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "html"]), default="terminal",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the report to this file instead of standard output.")
def tune(path: str, function: str, event_file: Any, event_type: str | None, assignments: tuple[str, ...],
         env_overrides: tuple[str, ...], variables: tuple[str, ...], aws_profile: str | None, memory: str,
         invocations: int, strategy: str, arch: str, region: str, fmt: str, output: Path | None) -> None:
    """Measure FUNCTION of PATH at each --memory size in the local runtime (its CPU share, one cold then warm
    invocations), and price each size per million invocations: the cheapest, the fastest and the recommended."""
    from lambdoctor.cost.model import Workload, estimate
    from lambdoctor.runtime import tune as tuning

    try:
        sizes = sorted({int(m) for m in memory.split(",") if m.strip()})
    except ValueError:
        sizes = []
    if not sizes or any(not 128 <= m <= 10240 for m in sizes):
        click.echo("lambdoctor: --memory takes sizes of 128–10,240 MB, e.g. 128,512,1024", err=True)
        sys.exit(EXIT_USAGE)
    spec, notes = local_spec(path, function, variables, env_overrides, aws_profile)
    for note in notes:
        click.echo(f"lambdoctor: note: {note}", err=True)
    make_event = _event_maker(event_file, event_type, assignments)
    table = price_table(region, None)
    results, limits = tuning.measure(spec, sizes, invocations, lambda n: json.dumps(make_event(n)))

    def per_million(size: int, billed_ms: float) -> float:
        workload = Workload(Decimal(1_000_000), size, billed_ms=Decimal(str(billed_ms)), architecture=arch)
        return float(estimate(workload, table).total)

    rows = tuning.as_rows(results, per_million)
    chosen = tuning.recommend(rows, strategy)
    if fmt == "json":
        text = json.dumps({"function": spec.name, "strategy": strategy, "architecture": arch, "region": region,
                           "invocations_per_size": invocations, "sizes": rows,
                           "recommended_memory_mb": chosen["memory_mb"], "notes": limits}, indent=2) + "\n"
    elif fmt == "html":
        from lambdoctor.reporters import html_report

        text = html_report.render_tune(rows, chosen, strategy, spec.name, limits)
    else:
        lines = [f"{'memory':>8} {'vCPU':>6} {'cold ms':>9} {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9} "
                 f"{'$/million':>10} {'errors':>6}"]
        for r in rows:
            mark = "  <- " + strategy if r is chosen else ""
            lines.append(f"{r['memory_mb']:>5} MB {r['vcpus']:>6g} {r['cold_ms']:>9,.1f} {r['p50_ms']:>9,.1f} "
                         f"{r['p90_ms']:>9,.1f} {r['p99_ms']:>9,.1f} {r['cost_per_million']:>10,.4f} "
                         f"{r['errors']:>6}{mark}")
        lines.append(f"recommended ({strategy}): {chosen['memory_mb']} MB")
        lines += [f"note: {n}" for n in limits]
        text = "\n".join(lines) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_CLEAN)
