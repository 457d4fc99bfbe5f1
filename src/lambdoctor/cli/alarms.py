"""`lambdoctor alarms`: the alarms a template or an audit lacks, as CloudFormation or Terraform."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lambdoctor.findings import redact

if TYPE_CHECKING:
    pass
from lambdoctor.cli.app import main
from lambdoctor.cli.common import EXIT_USAGE, parse_variables


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))
@click.option("--from-audit", "snapshot", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Plan alarms for the functions of an audit snapshot (`lambdoctor audit --save`).")
@click.option("--format", "fmt", type=click.Choice(["cloudformation", "cloudformation-snippet", "terraform", "json"]),
              default="cloudformation", show_default=True,
              help="A stand-alone CloudFormation stack, a snippet (Parameters and Resources) to merge into the "
                   "template given, Terraform, or PutMetricAlarm JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="A value for a template parameter or variable (as for scan).")
def alarms(paths: tuple[str, ...], snapshot: Path | None, fmt: str, output: Path | None,
           variables: tuple[str, ...]) -> None:
    """Generate the alarms every function should have (error rate, throttles, p99 duration near the timeout,
    iterator age, dead-letter and destination failures, DLQ depth, concurrency near its reservation, a day
    without invocations, [ERROR] records), for the templates under PATHS or an audit snapshot. Every alarm
    notifies the SNS topic given as the AlarmTopicArn parameter."""
    import yaml

    from lambdoctor.ops import alarms as generator

    if bool(paths) == bool(snapshot):
        click.echo("lambdoctor: give template PATHS or --from-audit SNAPSHOT (one of them)", err=True)
        sys.exit(EXIT_USAGE)
    if snapshot is not None:
        from lambdoctor.loaders.aws import SnapshotError, build_account, load_snapshot

        if fmt == "cloudformation-snippet":
            click.echo("lambdoctor: a snippet joins the template it came from; for an audit use --format "
                       "cloudformation, terraform or json", err=True)
            sys.exit(EXIT_USAGE)
        try:
            apps, problems = build_account(str(snapshot), load_snapshot(str(snapshot)))
        except SnapshotError as exc:
            click.echo(f"lambdoctor: {snapshot}: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        for problem in problems:
            click.echo(f"lambdoctor: {snapshot}: {problem}", err=True)
    else:
        from lambdoctor.loaders.discover import load_paths

        loaded = load_paths(list(paths), parse_variables(variables))
        apps = loaded.applications
        for p in loaded.problems:
            click.echo(f"lambdoctor: {p.file}:{p.line}:{p.column}: {p.reason}", err=True)
        if fmt == "cloudformation-snippet" and len(apps) != 1:
            click.echo("lambdoctor: a snippet is planned for exactly one template", err=True)
            sys.exit(EXIT_USAGE)
    if not any(app.functions for app in apps):
        click.echo("lambdoctor: no function found: nothing to alarm on", err=True)
        sys.exit(EXIT_USAGE)
    planned = generator.plan(apps)
    if fmt == "terraform":
        text = generator.render_terraform(planned)
    elif fmt == "json":
        text = json.dumps(generator.render_json(planned), indent=2, ensure_ascii=False) + "\n"
    else:
        doc = generator.render_cloudformation(planned, snippet=fmt == "cloudformation-snippet")
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    if output:
        output.write_text(redact(text), encoding="utf-8")
    else:
        click.echo(text, nl=False)
    for note in planned.notes:
        click.echo(f"lambdoctor: note: {note}", err=True)
    functions = sum(len(app.functions) for app in apps)
    click.echo(f"lambdoctor: {len(planned.alarms)} alarms and {len(planned.filters)} metric filters for "
               f"{functions} functions", err=True)
