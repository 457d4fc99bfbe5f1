"""`lambdoctor logs`: log files, standard input or live log groups → statistics and LOG findings."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lambdoctor.findings import redacting

if TYPE_CHECKING:
    pass
from datetime import UTC

from lambdoctor.cli.app import main
from lambdoctor.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_USAGE,
    FORMATS,
    exit_for,
    parse_decimal,
    parse_variables,
    price_table,
    rules_that_ran,
    run_config,
    write_report,
)
from lambdoctor.paths import project_root


def _live_logs(groups: tuple[str, ...], since: str, until: str | None, via: str, region: str | None,
               profile: str | None, endpoint_url: str | None, folder: Path, hourly: bool) -> Any:
    from datetime import datetime

    from lambdoctor.live.session import client, is_aws_error
    from lambdoctor.logs import live

    try:
        now = datetime.now(UTC)
        start = live.parse_since(since, now)
        end = live.parse_since(until, now) if until else now
        return live.fetch(client("logs", region, profile, endpoint_url), groups, start, end, via, folder, hourly)
    except live.LiveError as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:
        if is_aws_error(exc):
            click.echo(f"lambdoctor: could not reach CloudWatch Logs: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        raise


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--function", "function", help="The function these logs belong to (default: from each path).")
@click.option("--template", "templates", multiple=True, type=click.Path(exists=True, path_type=str),
              help="Judge against this template's timeouts and memory sizes (repeatable).")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="A template variable (repeatable).")
@click.option("--format", "fmt", type=click.Choice((*FORMATS, "html")), default="terminal", show_default=True,
              help="terminal, json and html (charts over time, -o FILE) hold the statistics too; sarif, junit, "
                   "github and gitlab the findings.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--request-id", help="Print the lines of one invocation, in order, and exit.")
@click.option("--prices", "price_date", metavar="YYYY-MM",
              help="Price the findings as of this month (default: today's).")
@click.option("--region", default="us-east-1", show_default=True, help="The region whose prices apply.")
@click.option("--always-on-usd", help="Monthly cost of an always-on alternative (enables COST003).")
@click.option("--select", multiple=True, help="Only these rule IDs or prefixes.")
@click.option("--ignore", multiple=True, help="Skip these rule IDs or prefixes.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]), default="never",
              show_default=True, help="Exit 1 when a finding is at or above this severity.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A .lambdoctor.toml (default: the nearest one to the first log, or [tool.lambdoctor] in "
                   "pyproject.toml): its select, ignore, severity and thresholds apply to the LOG rules.")
@click.option("--log-group", "log_groups", multiple=True, metavar="NAME|PREFIX*",
              help="Read a live log group (a function name means /aws/lambda/NAME; end with * for a prefix).")
@click.option("--since", default="7d", show_default=True, help="Live: from this long ago (7d, 12h) or an ISO date.")
@click.option("--until", "until", help="Live: up to this ISO date (default: now).")
@click.option("--via", type=click.Choice(["insights", "events"]), default="insights", show_default=True,
              help="Live: aggregate in CloudWatch Logs Insights, or download the events and analyze them here.")
@click.option("--log-region", help="Live: the log groups' Region (default: the AWS configuration's).")
@click.option("--profile", help="Live: the AWS profile.")
@click.option("--endpoint-url", help="Live: another CloudWatch Logs endpoint (default: AWS_ENDPOINT_URL).")
def logs(paths: tuple[Path, ...], function: str | None, templates: tuple[str, ...], variables: tuple[str, ...],
         fmt: str, output: Path | None, request_id: str | None, price_date: str | None, region: str,
         always_on_usd: str | None, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str,
         config_file: Path | None, log_groups: tuple[str, ...], since: str, until: str | None, via: str,
         log_region: str | None, profile: str | None, endpoint_url: str | None) -> None:
    """Analyze Lambda log records: text or JSON log format, plain or .gz files, folders exported to S3
    (`<prefix>/<task>/<stream>/000000.gz`), `aws logs filter-log-events` JSON, or `-` for standard input.

    Reports per function: invocations, cold starts, duration percentiles, memory use, timeouts, out-of-memory
    errors, error records in successful invocations and log volume, with LOG findings priced in dollars.
    """
    from lambdoctor.engine import analyze_logs, configured_from_templates
    from lambdoctor.reporters import log_report

    use_stdin = any(str(p) == "-" for p in paths)
    files = [p for p in paths if str(p) != "-"]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        click.echo(f"lambdoctor: no such file or folder: {', '.join(missing)}", err=True)
        sys.exit(EXIT_USAGE)
    if not files and not use_stdin and not log_groups:
        click.echo("lambdoctor: give log files or folders, - to read standard input, or --log-group", err=True)
        sys.exit(EXIT_USAGE)

    if request_id:
        from lambdoctor.logs.sources import discover
        from lambdoctor.logs.store import LogStore

        found, _ = discover(files, function)
        with LogStore() as store:
            lines = store.request_lines(found, request_id.strip())
        if not lines:
            click.echo(f"lambdoctor: no line mentions request {request_id}", err=True)
            sys.exit(EXIT_FINDINGS)
        for file, text in lines:
            # The runtime joins a traceback's lines with \r inside one event; show them as lines.
            shown = text.rstrip("\n").replace("\r", "\n    ")
            if shown:
                click.echo(f"{file}: {shown}")
        sys.exit(EXIT_CLEAN)

    # the nearest configuration file to the first log (or the working folder), as for a scan
    first = files[0].resolve() if files else Path.cwd()
    cfg, _ = run_config(config_file, first if first.is_dir() else first.parent, select, ignore, fail_on, None)
    table = price_table(region, price_date)
    configured: dict[str, Any] = {}
    template_problems: list[Any] = []
    if templates:
        configured, template_problems = configured_from_templates(list(templates), parse_variables(variables), cfg)
    stdin = sys.stdin.buffer if use_stdin else None
    always_on = parse_decimal(always_on_usd, "--always-on-usd")
    with tempfile.TemporaryDirectory(prefix="lambdoctor-live-") as folder:
        live = _live_logs(log_groups, since, until, via, log_region, profile, endpoint_url, Path(folder),
                          hourly=always_on is not None) if log_groups else None
        result = analyze_logs(files, table, cfg, function=function, configured=configured,
                              always_on_usd=always_on, stdin=stdin, live=live)
    findings = sorted([*result.findings, *template_problems], key=lambda f: f.sort_key())
    if fmt in ("sarif", "junit", "github", "gitlab"):
        write_report(fmt, output, findings, result.ingest.files, 0, result.notes, project_root(Path.cwd()), cfg,
                     rules_that_ran(cfg, ("logs",)))
        if not result.stats:
            sys.exit(EXIT_USAGE)
        exit_for(findings, cfg)
    stream = redacting(output.open("w", encoding="utf-8")) if output else sys.stdout
    try:
        if fmt == "html":
            from lambdoctor.reporters import html_report

            stream.write(html_report.render_logs(result.stats, findings, result.notes))
        elif fmt == "json":
            stream.write(log_report.render_logs_json(result.stats, findings, result.skipped_lines, result.notes,
                                                     result.ingest.files))
        else:
            log_report.render_logs_terminal(result.stats, findings, result.notes, result.ingest.files, stream)
    finally:
        if output:
            stream.close()
    if not result.stats:
        sys.exit(EXIT_USAGE)  # nothing readable: no invocation at all
    exit_for(findings, cfg)
