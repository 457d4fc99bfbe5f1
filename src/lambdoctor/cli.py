"""The command line: the only module that parses argv, prints and exits.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/configuration error or nothing readable.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from lambdoctor import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--today") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lambdoctor")
def main() -> None:
    """A checkup for AWS Lambda applications."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "sarif"]), default="terminal",
              show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]),
              help="Exit 1 when a finding is at or above this severity [default: warning].")
@click.option("--select", multiple=True, help="Only these rule IDs or prefixes (repeatable, or comma list).")
@click.option("--ignore", multiple=True, help="Skip these rule IDs or prefixes (repeatable, or comma list).")
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
def scan(paths: tuple[str, ...], fmt: str, output: Path | None, fail_on: str | None, select: tuple[str, ...],
         ignore: tuple[str, ...], config_file: Path | None, baseline: Path | None, write_baseline: Path | None,
         today: str | None, variables: tuple[str, ...]) -> None:
    """Scan CloudFormation/SAM templates, CDK's cdk.out, serverless.yml and Terraform (.tf folders and
    `terraform show -json` plans) under PATHS (default: the current folder).

    Handler code is never imported or run.
    """
    from dataclasses import replace

    from lambdoctor import baseline as baselines
    from lambdoctor import config as configuration
    from lambdoctor.engine import scan as run_scan

    targets = list(paths) or ["."]
    try:
        if config_file:
            cfg = configuration.from_mapping(_toml_table(config_file), str(config_file))
        else:
            cfg = configuration.load(Path(targets[0]).resolve() if Path(targets[0]).is_dir()
                                     else Path(targets[0]).resolve().parent)
        if select:
            cfg = replace(cfg, select=configuration.parse_ids(",".join(select), "--select"))
        if ignore:
            cfg = replace(cfg, ignore=cfg.ignore + configuration.parse_ids(",".join(ignore), "--ignore"))
        if fail_on:
            cfg = replace(cfg, fail_on=configuration.parse_fail_on(fail_on))
        known = baselines.read(baseline) if baseline else frozenset()
    except (configuration.ConfigError, baselines.BaselineError) as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)

    overrides: dict[str, str] = {}
    for item in variables:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            click.echo(f"lambdoctor: --var {item!r}: expected NAME=VALUE", err=True)
            sys.exit(EXIT_USAGE)
        overrides[name.strip()] = value
    result = run_scan(targets, cfg, _today(today), overrides)
    findings = result.findings
    suppressed = result.suppressed
    if write_baseline:
        baselines.write(write_baseline, findings)
        click.echo(f"lambdoctor: wrote {len(findings)} finding(s) to {write_baseline}", err=True)
        sys.exit(EXIT_CLEAN)
    if known:
        findings, hidden = baselines.apply(findings, known)
        suppressed += hidden

    if not result.applications and not any(f.rule == "SYS000" for f in findings):
        click.echo(f"lambdoctor: no CloudFormation/SAM template, serverless.yml or Terraform found in "
                   f"{', '.join(targets)}", err=True)
        sys.exit(EXIT_USAGE)

    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        if fmt == "json":
            from lambdoctor.reporters import json_report
            stream.write(json_report.render(findings, result.files_read, suppressed, result.notes))
        elif fmt == "sarif":
            from lambdoctor.reporters import sarif
            stream.write(sarif.render(findings))
        else:
            from lambdoctor.reporters import terminal
            terminal.render(findings, result.files_read, suppressed, stream, result.notes)
    finally:
        if output:
            stream.close()

    if not result.applications:
        sys.exit(EXIT_USAGE)  # every file failed to parse: nothing was checked
    threshold = cfg.fail_on
    if threshold is not None and any(f.severity >= threshold for f in findings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _toml_table(path: Path) -> dict[str, object]:
    from lambdoctor import config as configuration

    data = configuration.read_toml(path)
    table = data.get("tool", {}).get("lambdoctor") if path.name == "pyproject.toml" else data
    return table if isinstance(table, dict) else {}


@main.command()
@click.argument("rule_id", required=False)
def rules(rule_id: str | None) -> None:
    """List the rule catalog, or print one rule's documentation."""
    from lambdoctor.docgen import render_rule
    from lambdoctor.rules import ALL_RULES, RULES_BY_ID, SYSTEM_RULES

    if rule_id is None:
        for rule in ALL_RULES:
            click.echo(f"{rule.id}  {rule.severity.label:<7}  {rule.slug:<46} {rule.summary()[:90]}")
        for rid, (slug, text) in SYSTEM_RULES.items():
            click.echo(f"{rid}  {'error':<7}  {slug:<46} {text[:90]}")
        return
    key = rule_id.strip().upper()
    if key in SYSTEM_RULES:
        slug, text = SYSTEM_RULES[key]
        click.echo(f"# {key} {slug}\n\n{text}")
        return
    if key not in RULES_BY_ID:
        click.echo(f"lambdoctor: no rule {rule_id!r}; `lambdoctor rules` lists them", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(render_rule(RULES_BY_ID[key]), nl=False)


