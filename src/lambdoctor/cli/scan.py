"""`lambdoctor scan`: templates, serverless.yml, Terraform and handler code → findings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    pass
from lambdoctor.cli.app import main
from lambdoctor.cli.common import (
    EXIT_CLEAN,
    EXIT_USAGE,
    exit_for,
    parse_today,
    parse_variables,
    report_options,
    rules_that_ran,
    run_config,
    write_report,
)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))
@report_options
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A .lambdoctor.toml (default: the nearest one, or [tool.lambdoctor] in pyproject.toml).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Hide findings recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record the current findings as the baseline and exit 0.")
@click.option("--today", help="Date the run as YYYY-MM-DD (runtime deprecations are judged against it).")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="A value for a template parameter, a serverless.yml ${opt:NAME}/${env:NAME}/${param:NAME} "
                   "(stage=prod) or a Terraform variable (repeatable). The process environment is never read.")
@click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
              help="Pass over discovered files and folders matching GLOB (repeatable; added to the config's "
                   "`exclude`): `node_modules`, `cdk.out/asset.*`, `tests/fixtures/`. Relative to the project root.")
def scan(paths: tuple[str, ...], fmt: str, output: Path | None, fail_on: str | None, select: tuple[str, ...],
         ignore: tuple[str, ...], config_file: Path | None, baseline: Path | None, write_baseline: Path | None,
         today: str | None, variables: tuple[str, ...], excludes: tuple[str, ...]) -> None:
    """Scan CloudFormation/SAM templates, CDK's cdk.out, serverless.yml and Terraform (.tf folders and
    `terraform show -json` plans) under PATHS (default: the current folder).

    Handler code is never imported or run.
    """
    from lambdoctor import baseline as baselines
    from lambdoctor.engine import scan as run_scan
    from lambdoctor.paths import project_root

    targets = list(paths) or ["."]
    root = project_root(targets[0])
    cfg, known = run_config(config_file, Path(targets[0]).resolve() if Path(targets[0]).is_dir()
                             else Path(targets[0]).resolve().parent, select, ignore, fail_on, baseline)

    if excludes:
        from dataclasses import replace

        cfg = replace(cfg, exclude=(*cfg.exclude, *(e for item in excludes for e in item.split(",") if e.strip())))
    result = run_scan(targets, cfg, parse_today(today), parse_variables(variables))
    findings = result.findings
    suppressed = result.suppressed
    if write_baseline:
        baselines.write(write_baseline, findings, root)
        click.echo(f"lambdoctor: wrote {len(findings)} finding(s) to {write_baseline}", err=True)
        sys.exit(EXIT_CLEAN)
    if known:
        findings, hidden = baselines.apply(findings, known, root)
        suppressed += hidden

    if not result.applications and not any(f.rule == "SYS000" for f in findings):
        click.echo(f"lambdoctor: no CloudFormation/SAM template, serverless.yml or Terraform found in "
                   f"{', '.join(targets)}", err=True)
        sys.exit(EXIT_USAGE)

    write_report(fmt, output, findings, result.files_read, suppressed, result.notes, root, cfg, rules_that_ran(cfg),
                 result.applications)
    if not result.applications:
        sys.exit(EXIT_USAGE)  # every file failed to parse: nothing was checked
    exit_for(findings, cfg)
