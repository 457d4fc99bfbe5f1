"""`lambdoctor audit`: a live account (read-only) or a saved snapshot → findings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lambdoctor.findings import redact

if TYPE_CHECKING:
    pass
from datetime import UTC

from lambdoctor.cli.app import main
from lambdoctor.cli.common import (
    EXIT_USAGE,
    exit_for,
    parse_today,
    report_options,
    rules_that_ran,
    run_config,
    write_report,
)


@main.command()
@click.option("--region", "regions", default=None, metavar="REGION[,REGION...]|all",
              help="Regions to read (default: the AWS configuration's; `all`: every enabled Region).")
@click.option("--profile", help="The AWS profile.")
@click.option("--endpoint-url", help="Another endpoint for every service (default: AWS_ENDPOINT_URL).")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 455),
              help="Look-back window for metrics, in days (CloudWatch keeps daily data 455 days).")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Functions read at the same time.")
@click.option("--pace/--no-pace", default=None,
              help="Pace Lambda calls to the documented control-plane quotas (default: on for AWS, off with an "
                   "--endpoint-url).")
@click.option("--save", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write what was read as a snapshot (for --snapshot, or `lambdoctor alarms --from-audit`).")
@click.option("--snapshot", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Audit a saved snapshot instead of the account (no AWS call).")
@report_options
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A .lambdoctor.toml (default: the nearest one to the current folder).")
@click.option("--today", help="Date the run as YYYY-MM-DD (runtime deprecations are judged against it).")
def audit(regions: str | None, profile: str | None, endpoint_url: str | None, days: int, workers: int,
          pace: bool | None, save: Path | None, snapshot: Path | None, fmt: str, output: Path | None,
          fail_on: str | None, select: tuple[str, ...], ignore: tuple[str, ...], config_file: Path | None,
          today: str | None) -> None:
    """Audit a live account, read-only: the rule catalog over the deployed functions, plus ACC001-ACC007
    (code storage, unused versions, concurrency headroom, and --days of metrics).

    Only Get*, List* and Describe* calls are made (docs/iam/audit-policy.json is enough). A call that is refused
    becomes a note in the report.
    """
    import os

    from lambdoctor.engine import audit as run_audit
    from lambdoctor.loaders.aws import SnapshotError, load_snapshot

    cfg, _ = run_config(config_file, Path.cwd(), select, ignore, fail_on, None)
    if snapshot is not None:
        try:
            data = load_snapshot(str(snapshot))
        except SnapshotError as exc:
            click.echo(f"lambdoctor: {snapshot}: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        source = str(snapshot)
    else:
        data = _read_live_account(regions, profile, endpoint_url, days, workers,
                                  pace if pace is not None else not (endpoint_url or os.environ.get(
                                      "AWS_ENDPOINT_URL")))
        source = "account"
        if not any(region.get("listed", True) for region in data.get("regions", [])):
            # nothing was read (no credentials, an endpoint that does not answer, every ListFunctions refused):
            # "0 findings" would read as a clean account
            for note in data.get("notes", []):
                click.echo(f"lambdoctor: note: {note}", err=True)
            click.echo("lambdoctor: could not list the functions of any Region: nothing was audited", err=True)
            sys.exit(EXIT_USAGE)
        if save:
            from lambdoctor.live.account import dumps
            save.write_text(redact(dumps(data)), encoding="utf-8")
    try:
        result = run_audit(data, source, cfg, parse_today(today))
    except SnapshotError as exc:
        click.echo(f"lambdoctor: {source}: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    notes = [str(n) for n in data.get("notes", [])] if isinstance(data, dict) else []
    functions = sum(len(app.functions) for app in result.applications)
    write_report(fmt, output, result.findings, functions, result.suppressed, notes, None, cfg,
                 rules_that_ran(cfg, ("account",)), result.applications, "audit")
    if fmt == "terminal" and not output:
        click.echo(f"lambdoctor: {functions:,} functions in {len(result.applications)} Region(s)", err=True)
    exit_for(result.findings, cfg)


def _read_live_account(regions: str | None, profile: str | None, endpoint_url: str | None, days: int,
                       workers: int, pace: bool) -> dict[str, Any]:
    from datetime import datetime

    from lambdoctor.live.account import enabled_regions, read_account
    from lambdoctor.live.session import client, is_aws_error

    clients: dict[tuple[str, str], Any] = {}

    def make_client(service: str, region: str) -> Any:
        key = (service, region)
        if key not in clients:
            clients[key] = client(service, region, profile, endpoint_url, rate_limited=pace)
        return clients[key]

    try:
        default = client("sts", None, profile, endpoint_url).meta.region_name
        if not default and regions in (None, "all"):
            raise click.UsageError("no Region: give --region or set one in the AWS configuration")
        if regions == "all":
            names = enabled_regions(make_client, default)
        else:
            names = [r.strip() for r in (regions or default).split(",") if r.strip()]
        progress = _ProgressBar() if sys.stderr.isatty() else None
        try:
            return read_account(make_client, names, days, datetime.now(UTC), workers,
                                progress.update if progress else None)
        finally:
            if progress:
                progress.close()
    except Exception as exc:
        if is_aws_error(exc):
            click.echo(f"lambdoctor: could not read the account: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        raise


class _ProgressBar:
    """Functions read so far, on standard error, only on a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(TextColumn("reading functions"), BarColumn(), MofNCompleteColumn(),
                                  console=Console(stderr=True), transient=True)
        self._task = self._progress.add_task("functions", total=None)
        self._progress.start()

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        self._progress.stop()
