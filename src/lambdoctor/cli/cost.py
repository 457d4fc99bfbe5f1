"""`lambdoctor cost`: a workload's monthly bill, from options, logs or templates."""

from __future__ import annotations

import io
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    pass
from lambdoctor.cli.app import main
from lambdoctor.cli.common import EXIT_CLEAN, EXIT_USAGE, parse_decimal, price_table

# Lambda's longest timeout, 900 s (DG "Configure Lambda function timeout")
MAX_DURATION_MS = 900_000


@main.command()
@click.option("--invocations", help="Invocations a month.")
@click.option("--tps", help="Invocations a second (a month is 30 days).")
@click.option("--duration-ms", help="Duration of one invocation (rounded up to the billing granularity).")
@click.option("--memory", default="128", show_default=True, help="Memory size in MB; a comma list sweeps sizes.")
@click.option("--arch", type=click.Choice(["x86_64", "arm64"]), default="x86_64", show_default=True)
@click.option("--log-kb", help="CloudWatch Logs kilobytes (1 KB = 1,000 bytes) written per invocation.")
@click.option("--log-class", type=click.Choice(["standard", "infrequent_access"]), default="standard",
              show_default=True)
@click.option("--prices", "price_date", metavar="YYYY-MM", help="Use the prices in force then (default: today's).")
@click.option("--region", default="us-east-1", show_default=True)
@click.option("--free-tier", is_flag=True, help="Subtract the monthly free tier.")
@click.option("--provisioned", type=click.IntRange(min=0), default=0, help="Provisioned-concurrency environments.")
@click.option("--hours", help="Hours a month provisioned concurrency is on [default: 720].")
@click.option("--ephemeral-mb", type=click.IntRange(512, 10240), default=512, show_default=True)
@click.option("--init-ms", help="Init duration of a cold start (billed since 2025-08-01).")
@click.option("--cold-start-rate", help="Share of invocations that are cold (0–1).")
@click.option("--snapstart-versions", type=click.IntRange(min=0), default=0,
              help="Published versions with SnapStart (Python/.NET pricing).")
@click.option("--always-on-usd", help="Monthly cost of an always-on alternative, to compare with.")
@click.option("--from-logs", "from_logs", type=click.Path(exists=True, path_type=Path), multiple=True,
              help="Take invocations, billed duration, memory and log volume per function from these logs.")
@click.option("--template", "templates", multiple=True, type=click.Path(exists=True, path_type=str),
              help="Take memory size, architecture and ephemeral storage per function from this template.")
@click.option("--duration-at", "durations_at", multiple=True, metavar="MB=MS",
              help="The duration at one memory size (repeatable: 128=1200 --duration-at 512=310 ...), as Power "
                   "Tuning measures it; the sizes given are the ones priced.")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "html"]), default="terminal",
              show_default=True, help="html: the cost and duration against memory size as a chart (-o FILE).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the report to this file instead of standard output.")
def cost(invocations: str | None, tps: str | None, duration_ms: str | None, memory: str, arch: str,
         log_kb: str | None, log_class: str, price_date: str | None, region: str, free_tier: bool,
         provisioned: int, hours: str | None, ephemeral_mb: int, init_ms: str | None, cold_start_rate: str | None,
         snapstart_versions: int, always_on_usd: str | None, from_logs: tuple[Path, ...],
         templates: tuple[str, ...], durations_at: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Estimate a function's monthly bill: requests, duration (tiered), provisioned concurrency, ephemeral
    storage, SnapStart and CloudWatch Logs, with dated prices (`--prices 2019-06` reproduces 2019's)."""
    from lambdoctor.cost.model import Workload, estimate, invocations_from_tps
    from lambdoctor.reporters import log_report
    from lambdoctor.units import MONTH_HOURS

    table = price_table(region, price_date)
    if invocations and tps:
        click.echo("lambdoctor: give --invocations or --tps, not both", err=True)
        sys.exit(EXIT_USAGE)
    count = parse_decimal(invocations, "--invocations")
    rate = parse_decimal(tps, "--tps")
    if rate is not None:
        count = invocations_from_tps(rate)
    try:
        sizes = [int(m) for m in memory.split(",") if m.strip()]
    except ValueError:
        click.echo(f"lambdoctor: --memory {memory!r}: expected sizes in MB, e.g. 128,512,1024", err=True)
        sys.exit(EXIT_USAGE)
    if not sizes or any(not 128 <= m <= 10240 for m in sizes):
        click.echo("lambdoctor: --memory sizes are 128–10,240 MB", err=True)
        sys.exit(EXIT_USAGE)
    cold = parse_decimal(cold_start_rate, "--cold-start-rate") or Decimal(0)
    if cold > 1:
        click.echo("lambdoctor: --cold-start-rate is a share between 0 and 1", err=True)
        sys.exit(EXIT_USAGE)
    common = dict(architecture=arch, log_bytes=(parse_decimal(log_kb, "--log-kb") or Decimal(0)) * 1000,
                  log_class=log_class, provisioned=provisioned,
                  provisioned_hours=parse_decimal(hours, "--hours") or MONTH_HOURS, ephemeral_mb=ephemeral_mb,
                  init_ms=parse_decimal(init_ms, "--init-ms") or Decimal(0), cold_start_rate=cold,
                  snapstart_versions=snapstart_versions, free_tier=free_tier)
    given_duration = parse_decimal(duration_ms, "--duration-ms")
    if given_duration is not None and given_duration > MAX_DURATION_MS:
        click.echo(f"lambdoctor: --duration-ms {duration_ms}: an invocation lasts at most 900,000 ms (Lambda's "
                   "longest timeout, 15 minutes)", err=True)
        sys.exit(EXIT_USAGE)
    workloads: list[Workload] = []
    if from_logs:
        workloads = _workloads_from_logs(list(from_logs), table, count, common)
    elif templates:
        duration = given_duration
        workloads = _workloads_from_templates(list(templates), count, duration, common)
    elif durations_at:
        if count is None:
            click.echo("lambdoctor: give --invocations or --tps with --duration-at", err=True)
            sys.exit(EXIT_USAGE)
        workloads = [Workload(count, m, duration_ms=d, **common)  # type: ignore[arg-type]
                     for m, d in _durations_at(durations_at)]
    else:
        if count is None or duration_ms is None:
            click.echo("lambdoctor: give --invocations or --tps, and --duration-ms (or --from-logs / --template)",
                       err=True)
            sys.exit(EXIT_USAGE)
        duration = given_duration or Decimal(0)
        workloads = [Workload(count, m, duration_ms=duration, **common) for m in sizes]  # type: ignore[arg-type]
    try:
        estimates = [estimate(w, table) for w in workloads]
    except ValueError as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    always_on = parse_decimal(always_on_usd, "--always-on-usd")
    if fmt == "html":
        from lambdoctor.reporters import html_report

        text = html_report.render_cost(estimates)
    elif fmt == "json":
        text = log_report.render_cost_json(estimates, always_on)
    else:
        buffer = io.StringIO()
        log_report.render_cost_terminal(estimates, always_on, buffer)
        text = buffer.getvalue()
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_CLEAN)


def _durations_at(items: tuple[str, ...]) -> list[tuple[int, Decimal]]:
    out: dict[int, Decimal] = {}
    for item in items:
        size, sep, ms = item.partition("=")
        try:
            memory = int(size)
        except ValueError:
            memory = 0
        if not sep or not 128 <= memory <= 10240:
            click.echo(f"lambdoctor: --duration-at {item!r}: expected MB=MS with a size of 128–10,240 MB, e.g. "
                       "512=310", err=True)
            sys.exit(EXIT_USAGE)
        duration = parse_decimal(ms, "--duration-at") or Decimal(0)
        if duration > MAX_DURATION_MS:
            click.echo(f"lambdoctor: --duration-at {item}: an invocation lasts at most 900,000 ms", err=True)
            sys.exit(EXIT_USAGE)
        out[memory] = duration
    return sorted(out.items())


def _workloads_from_logs(paths: list[Path], table: Any, count: Decimal | None, common: dict[str, Any]
                         ) -> list[Any]:
    from lambdoctor.cost.model import Workload
    from lambdoctor.engine import analyze_logs
    from lambdoctor.rules.logs import monthly_invocations

    result = analyze_logs(paths, table, rules=False)
    out = []
    for s in result.stats:
        if not s.invocations or not s.memory_mb:
            continue
        monthly = count if count is not None else monthly_invocations(s)
        if monthly is None:
            click.echo(f"lambdoctor: the logs of {s.function} carry no time span; give --invocations or --tps",
                       err=True)
            sys.exit(EXIT_USAGE)
        observed = dict(common, log_bytes=Decimal(s.log_bytes) / s.invocations)
        out.append(Workload(monthly, s.memory_mb, billed_ms=Decimal(str(s.billed_ms_mean or 0)), **observed))
    if not out:
        click.echo("lambdoctor: no REPORT records in those logs", err=True)
        sys.exit(EXIT_USAGE)
    return out


def _workloads_from_templates(paths: list[str], count: Decimal | None, duration: Decimal | None,
                              common: dict[str, Any]) -> list[Any]:
    from lambdoctor.cost.model import Workload
    from lambdoctor.engine import configured_from_templates

    if count is None or duration is None:
        click.echo("lambdoctor: with --template, give --invocations or --tps and --duration-ms", err=True)
        sys.exit(EXIT_USAGE)
    configured, _ = configured_from_templates(paths)
    seen = {c.resource: c for c in configured.values()}
    out = []
    for conf in sorted(seen.values(), key=lambda c: c.resource):
        out.append(Workload(count, conf.memory_mb or 128, duration_ms=duration,
                            **dict(common, architecture=conf.architecture)))
    return out
