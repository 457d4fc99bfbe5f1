"""What several commands share: configuration, report writing, exit codes, prices, --var values."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lambdoctor.findings import redacting, register_secret, secret_value_reason

if TYPE_CHECKING:
    from lambdoctor.cost.prices import PriceTable


EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def parse_today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--today") from None


def report_options(command: Any) -> Any:
    """The report and rule-selection options scan and audit share."""
    for option in reversed((
        click.option("--format", "fmt", type=click.Choice(APP_FORMATS), default="terminal", show_default=True,
                     help="Report format: terminal, json, sarif (GitHub code scanning), junit (Jenkins, GitLab, "
                          "CircleCI test views), github (pull-request annotations), gitlab (Code Quality), html "
                          "(one self-contained page with the application's graph; -o FILE)."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                     help="Write the report to this file instead of standard output."),
        click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]),
                     help="Exit 1 when a finding is at or above this severity [default: error]."),
        click.option("--select", multiple=True, help="Only these rule IDs or prefixes (repeatable, or comma list)."),
        click.option("--ignore", multiple=True, help="Skip these rule IDs or prefixes (repeatable, or comma list)."),
    )):
        command = option(command)
    return command


def run_config(config_file: Path | None, base: Path, select: tuple[str, ...], ignore: tuple[str, ...],
                fail_on: str | None, baseline: Path | None) -> tuple[Any, frozenset[Any]]:
    """The configuration file (given, or the nearest to ``base``) with the command line over it; the baseline."""
    from dataclasses import replace

    from lambdoctor import baseline as baselines
    from lambdoctor import config as configuration

    try:
        cfg = (configuration.from_mapping(toml_table(config_file), str(config_file)) if config_file
               else configuration.load(base))
        if select:
            cfg = replace(cfg, select=configuration.parse_ids(",".join(select), "--select"))
        if ignore:
            cfg = replace(cfg, ignore=cfg.ignore + configuration.parse_ids(",".join(ignore), "--ignore"))
        if fail_on:
            cfg = replace(cfg, fail_on=configuration.parse_fail_on(fail_on))
        known = baselines.read(baseline) if baseline else frozenset()
        for key, values in (("select", cfg.select), ("ignore", cfg.ignore)):
            unknown_ids(key, values)
    except (configuration.ConfigError, baselines.BaselineError) as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    return cfg, known


def unknown_ids(key: str, values: tuple[str, ...]) -> None:
    """A --select/--ignore value (or the config's) that matches no rule selects nothing and would pass silently:
    a usage error that names the valid prefixes. The catalog loads only when there is something to check."""
    if not values:
        return
    import re

    from lambdoctor import config as configuration
    from lambdoctor.rules import CATALOG_BY_ID, SYSTEM_RULES

    ids = sorted({*CATALOG_BY_ID, *SYSTEM_RULES})
    bad = [v for v in values if not any(i.startswith(v) for i in ids)]
    if bad:
        prefixes = sorted({m.group() for i in ids if (m := re.match("[A-Z]+", i))})
        raise configuration.ConfigError(
            f"{key}: {', '.join(bad)} matches no rule; IDs start with {', '.join(prefixes)} (e.g. REL003, or REL "
            "for all of them; `lambdoctor rules` lists them)")


FORMATS = ("terminal", "json", "sarif", "junit", "github", "gitlab")
# scan and audit also draw the application (reporters/html_report.py)
APP_FORMATS = (*FORMATS, "html")


def write_report(fmt: str, output: Path | None, findings: list[Any], files: int, suppressed: int,
                 notes: list[str], root: Path | None = None, cfg: Any = None,
                 rules_run: Sequence[tuple[str, str]] = (), apps: Sequence[Any] = (), command: str = "scan") -> None:
    """``root``: the project root the CI formats name paths from (default: the current folder); ``cfg``: the
    configuration (its docs URL); ``rules_run``: (ID, slug) of the rules that ran (JUnit's passing cases)."""
    from datetime import datetime

    base = (root or Path.cwd()).resolve()
    page = None
    if fmt == "html":  # rendered before the output file is opened: a missing dot leaves no empty file behind
        from lambdoctor.reporters import html_report
        try:
            page = html_report.render_scan(apps, findings, files, suppressed, notes, command)
        except html_report.GraphvizMissing:
            click.echo("lambdoctor: --format html lays the application out with Graphviz's dot, which is not "
                       "installed (apt install graphviz, brew install graphviz)", err=True)
            sys.exit(EXIT_USAGE)
    stream = redacting(output.open("w", encoding="utf-8")) if output else sys.stdout
    try:
        if page is not None:
            stream.write(page)
        elif fmt == "json":
            from lambdoctor.reporters import json_report
            stream.write(json_report.render(findings, files, suppressed, notes, getattr(cfg, "docs_url", None)))
        elif fmt == "sarif":
            from lambdoctor.reporters import sarif
            stream.write(sarif.render(findings, base, getattr(cfg, "docs_url", None)))
        elif fmt in ("junit", "github", "gitlab"):
            from lambdoctor.reporters import ci_formats
            if fmt == "junit":
                stream.write(ci_formats.render_junit(findings, rules_run, base,
                                                     datetime.now().strftime("%Y-%m-%dT%H:%M:%S")))
            elif fmt == "github":
                stream.write(ci_formats.render_github(findings, base))
            else:
                stream.write(ci_formats.render_gitlab(findings, base))
        else:
            from lambdoctor.reporters import terminal
            terminal.render(findings, files, suppressed, stream, notes)
    finally:
        if output:
            stream.close()
    if fmt in ("github", "junit", "gitlab") and notes:
        # the report has no place for them: they go where a person reads the step's log, five at most
        for note in notes[:5]:
            click.echo(f"lambdoctor: note: {note}", err=True)
        if len(notes) > 5:
            click.echo(f"lambdoctor: note: ... and {len(notes) - 5} more (--format json lists them all)", err=True)


def rules_that_ran(cfg: Any, kinds: tuple[str, ...] = ("template",)) -> list[tuple[str, str]]:
    """(ID, slug) of the enabled rules of a command: "template" (templates and code), "account", "logs"."""
    from lambdoctor.rules import ACC_RULES, ALL_RULES, LOG_RULES

    families = {"template": ALL_RULES, "account": (*ALL_RULES, *ACC_RULES), "logs": LOG_RULES}
    chosen = {r.id: r.slug for kind in kinds for r in families[kind]}
    return [(rid, slug) for rid, slug in sorted(chosen.items()) if cfg.enabled(rid)]


def exit_for(findings: list[Any], cfg: Any) -> None:
    threshold = cfg.fail_on
    if threshold is not None and any(f.severity >= threshold for f in findings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def toml_table(path: Path) -> dict[str, object]:
    from lambdoctor import config as configuration

    data = configuration.read_toml(path)
    table = data.get("tool", {}).get("lambdoctor") if path.name == "pyproject.toml" else data
    return table if isinstance(table, dict) else {}


def price_table(region: str, prices: str | None) -> PriceTable:
    from lambdoctor.cost import prices as price_data

    try:
        on = price_data.parse_price_date(prices) if prices else None
        return price_data.table(region, on)
    except price_data.PriceError as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def parse_decimal(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    import re

    text = value.strip().replace("_", "")
    if "," in text and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        # a comma groups thousands (1,000,000) and nothing else: "1000,400,200" is not one number, and read as
        # one it would be a billion milliseconds
        click.echo(f"lambdoctor: {option} {value!r}: one number is expected (a comma only groups thousands, as in "
                   "1,000,000; only --memory takes a list)", err=True)
        sys.exit(EXIT_USAGE)
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        click.echo(f"lambdoctor: {option} {value!r} is not a number", err=True)
        sys.exit(EXIT_USAGE)
    if not number.is_finite() or number < 0:
        click.echo(f"lambdoctor: {option} must be a non-negative number", err=True)
        sys.exit(EXIT_USAGE)
    return number


def parse_variables(items: tuple[str, ...]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            click.echo(f"lambdoctor: --var {item!r}: expected NAME=VALUE", err=True)
            sys.exit(EXIT_USAGE)
        overrides[name.strip()] = value
        if secret_value_reason(name.strip(), value):  # a password given for a parameter: masked in every output
            register_secret(value)
    return overrides


def local_spec(path: str, function: str, variables: tuple[str, ...], env: tuple[str, ...],
                    aws_profile: str | None = None) -> tuple[Any, list[str]]:
    import dataclasses

    from lambdoctor.engine import local_function
    from lambdoctor.runtime.environment import sandbox_prefix
    from lambdoctor.runtime.local import FunctionNotFound

    try:
        spec, notes = local_function(path, function, parse_variables(variables), parse_variables(env))
    except FunctionNotFound as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if aws_profile:
        # Only by name: a local run never reaches a real account otherwise (docs/security.md).
        click.echo(f"lambdoctor: warning: the handler's AWS calls go to AWS with profile {aws_profile}: real calls "
                   "with real effects, with that profile's permissions", err=True)
        spec = dataclasses.replace(spec, capture_aws=False, aws_profile=aws_profile)
    from lambdoctor.runtime.cpu import available
    from lambdoctor.runtime.interpreter import find, sdk

    found = find(spec.runtime)
    notes = [*notes, *(note for note in (found.note, sdk(found)[1]) if note)]
    if not available():
        notes.append("no CPU cgroup can be made here (cgroup v1 cpu or v2 with the cpu controller, as root): the "
                     "handler gets the machine's CPU, not the share of its memory size, and durations are the "
                     "machine's")
    if not sandbox_prefix():
        notes = [*notes, "no PID namespace here (util-linux unshare missing or not permitted): the handler can see "
                         "this machine's other processes, and the kill at a timeout follows its process tree"]
    return spec, notes
