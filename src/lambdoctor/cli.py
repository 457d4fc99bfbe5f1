"""The command line: the only module that parses argv, prints and exits.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/configuration error or nothing readable.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lambdoctor import __version__
from lambdoctor.findings import redact, redacting, register_secret, secret_value_reason

if TYPE_CHECKING:
    from lambdoctor.cost.prices import PriceTable

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--today") from None


def _report_options(command: Any) -> Any:
    """The report and rule-selection options scan and audit share."""
    for option in reversed((
        click.option("--format", "fmt", type=click.Choice(["terminal", "json", "sarif"]), default="terminal",
                     show_default=True, help="Report format."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                     help="Write the report to this file instead of standard output."),
        click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]),
                     help="Exit 1 when a finding is at or above this severity [default: warning]."),
        click.option("--select", multiple=True, help="Only these rule IDs or prefixes (repeatable, or comma list)."),
        click.option("--ignore", multiple=True, help="Skip these rule IDs or prefixes (repeatable, or comma list)."),
    )):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lambdoctor")
@click.pass_context
def main(ctx: click.Context) -> None:
    """A checkup for AWS Lambda applications."""
    # Everything lambdoctor prints goes through the one masking function (findings.redact): a message quoting a
    # line of the user's file, a note, a traceback. What a handler run by invoke/probe/simulate writes goes to
    # the file descriptors directly, as its own output. Files written with -o, --save, --write-baseline and
    # --log are masked where they are written.
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = redacting(sys.stdout), redacting(sys.stderr)

    def restore() -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        sys.stdout, sys.stderr = saved

    ctx.call_on_close(restore)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))
@_report_options
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
    from lambdoctor import baseline as baselines
    from lambdoctor.engine import scan as run_scan

    targets = list(paths) or ["."]
    cfg, known = _run_config(config_file, Path(targets[0]).resolve() if Path(targets[0]).is_dir()
                             else Path(targets[0]).resolve().parent, select, ignore, fail_on, baseline)

    result = run_scan(targets, cfg, _today(today), _variables(variables))
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

    _report(fmt, output, findings, result.files_read, suppressed, result.notes)
    if not result.applications:
        sys.exit(EXIT_USAGE)  # every file failed to parse: nothing was checked
    _exit_for(findings, cfg)


def _run_config(config_file: Path | None, base: Path, select: tuple[str, ...], ignore: tuple[str, ...],
                fail_on: str | None, baseline: Path | None) -> tuple[Any, frozenset[Any]]:
    """The configuration file (given, or the nearest to ``base``) with the command line over it; the baseline."""
    from dataclasses import replace

    from lambdoctor import baseline as baselines
    from lambdoctor import config as configuration

    try:
        cfg = (configuration.from_mapping(_toml_table(config_file), str(config_file)) if config_file
               else configuration.load(base))
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
    return cfg, known


def _report(fmt: str, output: Path | None, findings: list[Any], files: int, suppressed: int,
            notes: list[str]) -> None:
    stream = redacting(output.open("w", encoding="utf-8")) if output else sys.stdout
    try:
        if fmt == "json":
            from lambdoctor.reporters import json_report
            stream.write(json_report.render(findings, files, suppressed, notes))
        elif fmt == "sarif":
            from lambdoctor.reporters import sarif
            stream.write(sarif.render(findings))
        else:
            from lambdoctor.reporters import terminal
            terminal.render(findings, files, suppressed, stream, notes)
    finally:
        if output:
            stream.close()


def _exit_for(findings: list[Any], cfg: Any) -> None:
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
    from lambdoctor.rules import CATALOG, CATALOG_BY_ID, SYSTEM_RULES

    if rule_id is None:
        for rule in CATALOG:
            click.echo(f"{rule.id}  {rule.severity.label:<7}  {rule.slug:<46} {rule.summary()[:90]}")
        for rid, (slug, text) in SYSTEM_RULES.items():
            click.echo(f"{rid}  {'error':<7}  {slug:<46} {text[:90]}")
        return
    key = rule_id.strip().upper()
    if key in SYSTEM_RULES:
        slug, text = SYSTEM_RULES[key]
        click.echo(f"# {key} {slug}\n\n{text}")
        return
    if key not in CATALOG_BY_ID:
        click.echo(f"lambdoctor: no rule {rule_id!r}; `lambdoctor rules` lists them", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(render_rule(CATALOG_BY_ID[key]), nl=False)




def _price_table(region: str, prices: str | None) -> PriceTable:
    from lambdoctor.cost import prices as price_data

    try:
        on = price_data.parse_price_date(prices) if prices else None
        return price_data.table(region, on)
    except price_data.PriceError as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _decimal(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value.replace(",", "").replace("_", ""))
    except InvalidOperation:
        click.echo(f"lambdoctor: {option} {value!r} is not a number", err=True)
        sys.exit(EXIT_USAGE)
    if not number.is_finite() or number < 0:
        click.echo(f"lambdoctor: {option} must be a non-negative number", err=True)
        sys.exit(EXIT_USAGE)
    return number


def _variables(items: tuple[str, ...]) -> dict[str, str]:
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


def _live_logs(groups: tuple[str, ...], since: str, until: str | None, via: str, region: str | None,
               profile: str | None, endpoint_url: str | None, folder: Path, hourly: bool) -> Any:
    from datetime import datetime, timezone

    from lambdoctor.live.session import client, is_aws_error
    from lambdoctor.logs import live

    try:
        now = datetime.now(timezone.utc)
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
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal", show_default=True)
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
    cfg, _ = _run_config(config_file, first if first.is_dir() else first.parent, select, ignore, fail_on, None)
    table = _price_table(region, price_date)
    configured: dict[str, Any] = {}
    template_problems: list[Any] = []
    if templates:
        configured, template_problems = configured_from_templates(list(templates), _variables(variables), cfg)
    stdin = sys.stdin.buffer if use_stdin else None
    always_on = _decimal(always_on_usd, "--always-on-usd")
    with tempfile.TemporaryDirectory(prefix="lambdoctor-live-") as folder:
        live = _live_logs(log_groups, since, until, via, log_region, profile, endpoint_url, Path(folder),
                          hourly=always_on is not None) if log_groups else None
        result = analyze_logs(files, table, cfg, function=function, configured=configured,
                              always_on_usd=always_on, stdin=stdin, live=live)
    findings = sorted([*result.findings, *template_problems], key=lambda f: f.sort_key())
    stream = redacting(output.open("w", encoding="utf-8")) if output else sys.stdout
    try:
        if fmt == "json":
            stream.write(log_report.render_logs_json(result.stats, findings, result.skipped_lines, result.notes,
                                                     result.ingest.files))
        else:
            log_report.render_logs_terminal(result.stats, findings, result.notes, result.ingest.files, stream)
    finally:
        if output:
            stream.close()
    if not result.stats:
        sys.exit(EXIT_USAGE)  # nothing readable: no invocation at all
    _exit_for(findings, cfg)


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
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal", show_default=True)
def cost(invocations: str | None, tps: str | None, duration_ms: str | None, memory: str, arch: str,
         log_kb: str | None, log_class: str, price_date: str | None, region: str, free_tier: bool,
         provisioned: int, hours: str | None, ephemeral_mb: int, init_ms: str | None, cold_start_rate: str | None,
         snapstart_versions: int, always_on_usd: str | None, from_logs: tuple[Path, ...],
         templates: tuple[str, ...], fmt: str) -> None:
    """Estimate a function's monthly bill: requests, duration (tiered), provisioned concurrency, ephemeral
    storage, SnapStart and CloudWatch Logs, with dated prices (`--prices 2019-06` reproduces 2019's)."""
    from lambdoctor.cost.model import Workload, estimate, invocations_from_tps
    from lambdoctor.reporters import log_report
    from lambdoctor.units import MONTH_HOURS

    table = _price_table(region, price_date)
    if invocations and tps:
        click.echo("lambdoctor: give --invocations or --tps, not both", err=True)
        sys.exit(EXIT_USAGE)
    count = _decimal(invocations, "--invocations")
    rate = _decimal(tps, "--tps")
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
    cold = _decimal(cold_start_rate, "--cold-start-rate") or Decimal(0)
    if cold > 1:
        click.echo("lambdoctor: --cold-start-rate is a share between 0 and 1", err=True)
        sys.exit(EXIT_USAGE)
    common = dict(architecture=arch, log_bytes=(_decimal(log_kb, "--log-kb") or Decimal(0)) * 1000,
                  log_class=log_class, provisioned=provisioned,
                  provisioned_hours=_decimal(hours, "--hours") or MONTH_HOURS, ephemeral_mb=ephemeral_mb,
                  init_ms=_decimal(init_ms, "--init-ms") or Decimal(0), cold_start_rate=cold,
                  snapstart_versions=snapstart_versions, free_tier=free_tier)
    workloads: list[Workload] = []
    if from_logs:
        workloads = _workloads_from_logs(list(from_logs), table, count, common)
    elif templates:
        workloads = _workloads_from_templates(list(templates), count, _decimal(duration_ms, "--duration-ms"), common)
    else:
        if count is None or duration_ms is None:
            click.echo("lambdoctor: give --invocations or --tps, and --duration-ms (or --from-logs / --template)",
                       err=True)
            sys.exit(EXIT_USAGE)
        duration = _decimal(duration_ms, "--duration-ms") or Decimal(0)
        workloads = [Workload(count, m, duration_ms=duration, **common) for m in sizes]  # type: ignore[arg-type]
    try:
        estimates = [estimate(w, table) for w in workloads]
    except ValueError as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    always_on = _decimal(always_on_usd, "--always-on-usd")
    if fmt == "json":
        click.echo(log_report.render_cost_json(estimates, always_on), nl=False)
    else:
        log_report.render_cost_terminal(estimates, always_on, sys.stdout)
    sys.exit(EXIT_CLEAN)


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
@_report_options
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

    cfg, _ = _run_config(config_file, Path.cwd(), select, ignore, fail_on, None)
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
        if save:
            from lambdoctor.live.account import dumps
            save.write_text(redact(dumps(data)), encoding="utf-8")
    try:
        result = run_audit(data, source, cfg, _today(today))
    except SnapshotError as exc:
        click.echo(f"lambdoctor: {source}: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    notes = [str(n) for n in data.get("notes", [])] if isinstance(data, dict) else []
    functions = sum(len(app.functions) for app in result.applications)
    _report(fmt, output, result.findings, functions, result.suppressed, notes)
    if fmt == "terminal" and not output:
        click.echo(f"lambdoctor: {functions:,} functions in {len(result.applications)} Region(s)", err=True)
    _exit_for(result.findings, cfg)


def _read_live_account(regions: str | None, profile: str | None, endpoint_url: str | None, days: int,
                       workers: int, pace: bool) -> dict[str, Any]:
    from datetime import datetime, timezone

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
            return read_account(make_client, names, days, datetime.now(timezone.utc), workers,
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


def _local_function(path: str, function: str, variables: tuple[str, ...], env: tuple[str, ...],
                    aws_profile: str | None = None) -> tuple[Any, list[str]]:
    import dataclasses

    from lambdoctor.engine import local_function
    from lambdoctor.runtime.environment import sandbox_prefix
    from lambdoctor.runtime.local import FunctionNotFound

    try:
        spec, notes = local_function(path, function, _variables(variables), _variables(env))
    except FunctionNotFound as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if aws_profile:
        # Only by name: a local run never reaches a real account otherwise (docs/security.md).
        click.echo(f"lambdoctor: warning: the handler's AWS calls go to AWS with profile {aws_profile}: real calls "
                   "with real effects, with that profile's permissions", err=True)
        spec = dataclasses.replace(spec, capture_aws=False, aws_profile=aws_profile)
    if not sandbox_prefix():
        notes = [*notes, "no PID namespace here (util-linux unshare missing or not permitted): the handler can see "
                         "this machine's other processes, and the kill at a timeout follows its process tree"]
    return spec, notes


def _event_maker(event_file: Any, event_type: str | None, assignments: tuple[str, ...]) -> Any:
    """A function n → the n-th event: built anew each time for --event-type (fresh IDs), the file's otherwise."""
    from lambdoctor.runtime import events

    try:
        given = None
        if event_file is not None:
            try:
                given = json.loads(event_file.read())
            except ValueError as exc:
                raise events.EventError(f"--event: not JSON: {exc}") from None

        def make(_: int) -> Any:
            base = json.loads(json.dumps(given)) if given is not None else (
                events.build(event_type) if event_type else {})
            return events.apply_sets(base, list(assignments))

        make(0)  # refuse a bad --set now, not in the middle of a run
    except events.EventError as exc:
        click.echo(f"lambdoctor: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    return make


EVENT_TYPES = ["sqs", "s3", "sns", "api", "http-api", "eventbridge", "kinesis", "dynamodb", "schedule"]


def _handler_options(command: Any) -> Any:
    """PATH FUNCTION and the event and environment options invoke and probe share."""
    for option in reversed((
        click.argument("path", type=click.Path(exists=True, path_type=str)),
        click.argument("function"),
        click.option("--event", "event_file", type=click.File("r", encoding="utf-8"),
                     help="The event as a JSON file, or - for standard input."),
        click.option("--event-type", type=click.Choice(EVENT_TYPES),
                     help="Build the event a trigger of this type delivers (default: {}); probe builds a fresh one "
                          "for each new event."),
        click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
                     help="Change a field of the event by its dotted path (Records.0.body=hi); JSON values are "
                          "parsed."),
        click.option("--env", "env_overrides", multiple=True, metavar="NAME=VALUE",
                     help="An environment variable for the handler (over the template's)."),
        click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
                     help="A value for a template parameter or variable (as for scan)."),
        click.option("--aws-profile", "aws_profile", metavar="NAME",
                     help="Send the handler's AWS calls to AWS with this profile of your AWS configuration (real "
                          "calls, real effects). Default: they are answered locally, with dummy credentials."),
    )):
        command = option(command)
    return command


@main.command()
@click.argument("scenario_file", metavar="[SCENARIO]", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal", show_default=True)
@click.option("--log", "log_file", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the handler's log stream (START/END/REPORT and its records) here.")
@click.option("--capacity", is_flag=True,
              help="Plan capacity instead (no handler runs): every invocation of the traffic profile drawn, "
                   "vectorized; concurrency, throttles, cold starts, connections.")
@click.option("--tps", type=click.FloatRange(min=0, min_open=True), help="--capacity: mean requests a second.")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True)
@click.option("--profile", type=click.Choice(["flat", "diurnal"]), default="flat", show_default=True)
@click.option("--peak-factor", type=click.FloatRange(1, 2), default=2.0, show_default=True,
              help="diurnal: the peak rate over the mean rate.")
@click.option("--p50-ms", type=click.FloatRange(min=0, min_open=True), default=100.0, show_default=True)
@click.option("--p99-ms", type=click.FloatRange(min=0, min_open=True), default=1000.0, show_default=True)
@click.option("--from-logs", "logs_path", type=click.Path(exists=True, path_type=Path),
              help="Resample the durations observed in these logs instead of --p50-ms/--p99-ms.")
@click.option("--function", "function_name", help="--from-logs: the function whose durations to use.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(1, 900), default=900.0, show_default=True)
@click.option("--account-limit", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--reserved", type=click.IntRange(min=0), help="The function's reserved concurrency.")
@click.option("--provisioned", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--idle-minutes", type=click.IntRange(1, 120), default=10, show_default=True,
              help="How long an idle environment stays warm (Lambda does not document it).")
@click.option("--connections", type=click.IntRange(min=1), help="A downstream database's connection limit.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--in-process", is_flag=True,
              help="Call the handlers inside lambdoctor's process (about 5x faster) instead of one worker "
                   "process per environment: the timeout interrupts the handler instead of killing it, memory "
                   "and /tmp are not limited. For long scenarios with code you trust.")
def simulate(scenario_file: Path | None, fmt: str, log_file: Path | None, capacity: bool, tps: float | None,
             days: float, profile: str, peak_factor: float, p50_ms: float, p99_ms: float, logs_path: Path | None,
             function_name: str | None, timeout_s: float, account_limit: int, reserved: int | None,
             provisioned: int, idle_minutes: int, connections: int | None, seed: int, in_process: bool) -> None:
    """Drive a real handler through a trigger's documented semantics on a virtual clock: batches, visibility
    timeouts, retries, redrive to a DLQ, partial batch responses, stream blocking and bisect, API Gateway's 29 s,
    concurrency limits and throttles, recursive-loop detection, synchronous chains, database connections. The
    handler's AWS calls are answered locally, never sent to AWS. The scenario names the function (function:
    {path, name, env}), the trigger, the traffic and the faults. This runs your code."""
    if capacity:
        if tps is None:
            click.echo("lambdoctor: --capacity needs --tps", err=True)
            sys.exit(EXIT_USAGE)
        from lambdoctor.runtime.capacity import CapacityInput, plan

        observed: tuple[float, ...] = ()
        if logs_path is not None:
            observed = _observed_durations(logs_path, function_name)
        result = plan(CapacityInput(
            tps=tps, days=days, profile=profile, peak_factor=peak_factor, p50_ms=p50_ms, p99_ms=p99_ms,
            observed_ms=observed, timeout_s=timeout_s, account_limit=account_limit, reserved=reserved,
            provisioned=provisioned, idle_minutes=idle_minutes, connections=connections, seed=seed))
        if fmt == "json":
            click.echo(json.dumps(result, indent=2))
        else:
            _print_capacity(result)
        sys.exit(EXIT_CLEAN)
    if scenario_file is None:
        click.echo("lambdoctor: simulate needs a SCENARIO file (or --capacity)", err=True)
        sys.exit(EXIT_USAGE)
    import tempfile

    import yaml

    from lambdoctor.runtime.simulate import ScenarioError, load_scenario
    from lambdoctor.runtime.simulate import simulate as run

    try:
        doc = yaml.safe_load(scenario_file.read_text(encoding="utf-8"))
        scenario = load_scenario(doc)
        target = doc.get("function") or {}
        if not isinstance(target, dict) or "name" not in target:
            raise ScenarioError("function: {path: <template folder>, name: <function>} is required")
    except (yaml.YAMLError, ScenarioError, OSError) as exc:
        click.echo(f"lambdoctor: {scenario_file}: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    base = scenario_file.parent / str(target.get("path", "."))
    env = tuple(f"{k}={v}" for k, v in (target.get("env") or {}).items())
    spec, _ = _local_function(str(base), str(target["name"]), (), env)
    others = tuple(_local_function(str(base), name, (), env)[0] for name in scenario.functions)
    names = {spec.name, *(o.name for o in others)}
    if scenario.slow_function is not None and scenario.slow_function not in names:
        click.echo(f"lambdoctor: {scenario_file}: faults.slow.function {scenario.slow_function!r} is not one of "
                   f"the simulated functions ({', '.join(sorted(names))}; others go in functions: [...])", err=True)
        sys.exit(EXIT_USAGE)
    with (log_file.open("w", encoding="utf-8") if log_file else tempfile.TemporaryFile("w+")) as log:
        report = run(spec, scenario, log, others, in_process=in_process)
    doc_out = report.as_dict()
    if in_process:
        from lambdoctor.runtime.inprocess import NOTES

        doc_out["notes"] = list(NOTES)
    if fmt == "json":
        click.echo(json.dumps(doc_out, indent=2))
    else:
        for key in ("attempts", "succeeded", "failed", "retried", "dead_lettered", "throttled", "cold_starts",
                    "duplicates_delivered", "lost"):
            click.echo(f"{key.replace('_', ' '):<22} {doc_out[key]:>8,}")
        peak = max((n for _, n in report.concurrency), default=0)
        click.echo(f"{'peak concurrency':<22} {peak:>8,.0f}")
        click.echo(f"{'cost':<22} {'$' + report.cost_usd:>8}")
        for entry in report.dlq[:5]:
            click.echo(f"dead-lettered: {json.dumps(entry)[:160]}")
        for note in doc_out.get("notes", []):
            click.echo(f"note: {note}")
    sys.exit(EXIT_CLEAN)


def _observed_durations(path: Path, function: str | None) -> tuple[float, ...]:
    from lambdoctor.logs.sources import discover
    from lambdoctor.logs.store import LogStore

    files, problems = discover([path], function)
    for p in problems:
        click.echo(f"lambdoctor: {p.file}: {p.reason}", err=True)
    with LogStore() as store:
        store.ingest(files, statistics=False)
        found = store.durations(function)
    if not found:
        click.echo(f"lambdoctor: no REPORT durations in {path}" + (f" for {function}" if function else ""),
                   err=True)
        sys.exit(EXIT_USAGE)
    if len(found) > 1:
        click.echo(f"lambdoctor: {path} has several functions ({', '.join(sorted(found))}): choose one with "
                   "--function", err=True)
        sys.exit(EXIT_USAGE)
    return tuple(next(iter(found.values())))


def _print_capacity(r: dict[str, Any]) -> None:
    c = r["concurrency"]
    rows = [("invocations", f"{r['invocations']:,} over {r['days']:g} days ({r['mean_tps']:,} a second)"),
            ("concurrency", f"p50 {c['p50']:,}  p99 {c['p99']:,}  p99.9 {c['p999']:,}  max {c['max']:,}"),
            ("limit", f"{r['limit']:,}"),
            ("throttles", f"{r['throttles']:,} ({r['throttle_rate']:.4%})"),
            ("cold starts", f"{r['cold_starts']:,} ({r['cold_start_rate']:.4%})"),
            ("environments", f"peak {r['environments']['peak']:,}, median {r['environments']['p50']:,}")]
    conn = r["connections"]
    text = f"peak {conn['peak']:,}, median {conn['p50']:,}"
    if "limit" in conn:
        text += f" (limit {conn['limit']:,}; {conn['minutes_over_limit']:,} minute(s) over it)"
    rows.append(("connections held", text))
    for label, value in rows:
        click.echo(f"{label:<18} {value}")


@main.command()
@_handler_options
@click.option("--count", default=10, show_default=True, type=click.IntRange(3, 10000),
              help="Invocations in the one execution environment.")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal", show_default=True)
def probe(path: str, function: str, event_file: Any, event_type: str | None, assignments: tuple[str, ...],
          count: int, env_overrides: tuple[str, ...], variables: tuple[str, ...], aws_profile: str | None,
          fmt: str) -> None:
    """Invoke FUNCTION repeatedly in one execution environment, with new and redelivered events, and report what
    Lambda's runtime makes of it: state carried between invocations, /tmp growth, [ERROR] records in successful
    invocations, durations near the timeout, a redelivered event with another outcome. This runs your code.

    Exit 1 when something was observed.
    """
    from lambdoctor.runtime.probe import probe as run_probe

    spec, notes = _local_function(path, function, variables, env_overrides, aws_profile)
    result = run_probe(spec, _event_maker(event_file, event_type, assignments), count)
    if fmt == "json":
        click.echo(json.dumps({"function": spec.name, "invocations": result.invocations,
                               "observations": [{"kind": o.kind, "message": o.message} for o in result.observations],
                               "notes": notes}, indent=2))
    else:
        for inv in result.invocations:
            cold = " cold" if inv["cold"] else ""
            click.echo(f"  #{inv['n']:<3} {inv['event']:<11} {inv['status']:<8} {inv['duration_ms']:>9.2f} ms"
                       f"{cold}" + (f"  {inv['error_type']}" if inv["error_type"] else ""))
        click.echo()
        for o in result.observations:
            click.echo(f"{o.kind}: {o.message}")
        if not result.observations:
            click.echo(f"nothing observed in {len(result.invocations)} invocations")
        for note in notes:
            click.echo(f"note: {note}")
    sys.exit(EXIT_FINDINGS if result.observations else EXIT_CLEAN)


@main.command()
@_handler_options
@click.option("--repeat", default=1, show_default=True, type=click.IntRange(1, 100000),
              help="Invoke this many times in the same execution environment (the first is the cold start).")
@click.option("--async", "asynchronous", is_flag=True, help="An asynchronous invocation (1 MB payload limit).")
def invoke(path: str, function: str, event_file: Any, event_type: str | None, assignments: tuple[str, ...],
           repeat: int, asynchronous: bool, env_overrides: tuple[str, ...], variables: tuple[str, ...],
           aws_profile: str | None) -> None:
    """Run FUNCTION of the application at PATH locally, as Lambda would: an execution environment that is
    initialized once and reused, the template's timeout, memory, /tmp size and environment.

    The response (or Lambda's error payload) goes to standard output as JSON; START/END/REPORT lines and the
    handler's logs go to standard error, in Lambda's text format. This runs your code: scan never does.
    """
    from lambdoctor.runtime.environment import ExecutionEnvironment

    spec, notes = _local_function(path, function, variables, env_overrides, aws_profile)
    event = _event_maker(event_file, event_type, assignments)(0)
    for note in notes:
        click.echo(f"lambdoctor: note: {note}", err=True)
    failed = False
    with ExecutionEnvironment(spec, sys.stderr) as environment:
        for _ in range(repeat):
            result = environment.invoke(json.dumps(event), asynchronous=asynchronous)
            click.echo(result.response if result.response is not None else "null")
            failed = failed or result.status != "success"
        if environment.tmp_enforced is False:
            click.echo(f"lambdoctor: note: /tmp is not size-limited here (no private mount namespace): the "
                       f"handler's /tmp is the folder in its TMPDIR, {spec.ephemeral_mb} MB is not enforced", err=True)
        if environment.local_calls:
            calls = ", ".join(f"{k} ×{n}" for k, n in sorted(environment.local_calls.items()))
            click.echo(f"lambdoctor: note: AWS calls answered locally, nothing sent to AWS: {calls}", err=True)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


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

        loaded = load_paths(list(paths), _variables(variables))
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


@main.command()
@click.option("--function", "functions", multiple=True,
              help="Only this function: a name, a partial or full ARN (repeatable; default: all).")
@click.option("--keep", default=3, show_default=True, type=click.IntRange(min=0),
              help="Versions not in use to keep, newest first.")
@click.option("--apply", "do_apply", is_flag=True, help="Delete the versions the plan deletes (default: plan only).")
@click.option("--layers", "with_layers", is_flag=True,
              help="Also prune layer versions no function version uses (the --keep newest of them stay).")
@click.option("--region", help="The Region (default: the AWS configuration's).")
@click.option("--profile", help="The AWS profile.")
@click.option("--endpoint-url", help="Another Lambda endpoint (default: AWS_ENDPOINT_URL).")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal", show_default=True)
def prune(functions: tuple[str, ...], keep: int, do_apply: bool, with_layers: bool, region: str | None,
          profile: str | None, endpoint_url: str | None, fmt: str) -> None:
    """Plan (or with --apply, carry out) the deletion of old function versions that nothing uses.

    Never deleted: $LATEST and any version an alias routes to (primary or weighted), provisioned concurrency, an
    event source mapping, a function URL or a qualified resource-policy statement targets. Of the rest, the --keep
    newest stay. With --layers, layer versions no function version uses are planned the same way. Without --apply
    nothing is changed. A function whose protection could not be read in full (refused, throttled, an answer
    cut short or not in the documented shape) is "unknown": nothing of it is deleted. With --apply each version's
    protection is read once more right before its delete. Exit 0: done; 1: partial (something unknown, skipped
    or failed; the report says what was deleted); 2: the account could not be read.
    """
    from lambdoctor.live import prune as pruning
    from lambdoctor.live.session import client, is_aws_error
    from lambdoctor.reporters import prune_report

    for given in functions:
        try:
            pruning.split_function(given)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--function") from None
    outcomes: list[pruning.Outcome] = []
    layers: list[pruning.Outcome] = []
    notes: list[str] = []
    incomplete = False  # something the run was asked to read could not be read
    used, quota = None, pruning.DEFAULT_QUOTA_BYTES
    try:
        lam = client("lambda", region, profile, endpoint_url)
        for given in functions:  # an ARN of another Region: the same name here would be another function
            named = pruning.split_function(given)[2]
            if named is not None and named != lam.meta.region_name:
                raise click.BadParameter(f"{given} is in {named}; this run reads {lam.meta.region_name} (give "
                                         f"--region {named})", param_hint="--function")
        every_function: list[pruning.FunctionRef] | None = None
        if not functions or with_layers:
            try:
                every_function = pruning.list_functions(lam)
            except Exception as exc:
                if not (isinstance(exc, pruning.Unreadable) or is_aws_error(exc)):
                    raise
                if not functions:
                    click.echo(f"lambdoctor: could not read the account's functions: {exc}", err=True)
                    sys.exit(EXIT_USAGE)
                notes.append(f"the list of functions could not be read ({exc}): no layer version is deleted")
                incomplete = True
        targets: list[pruning.FunctionRef | str] = list(functions) or list(every_function or [])
        used, quota, note = pruning.account_storage(lam)
        notes += [note] if note else []
        try:
            mappings: dict[str, set[str]] | None = pruning.mapping_qualifiers(lam)
        except Exception as exc:  # refused or garbled: each function then records the mappings as unreadable
            if not (isinstance(exc, pruning.Unreadable) or is_aws_error(exc)):
                raise
            mappings = None
        # Each function is read, planned and (with --apply) deleted on its own: a failure on one is reported as
        # that function's "unknown" and the others go on, so the report always lists everything already deleted.
        for target in targets:
            outcomes.append(pruning.apply(lam, target, keep, mappings) if do_apply
                            else pruning.plan(lam, target, keep, mappings))
        # Read after the function versions are deleted: a layer only they used is then free to go.
        if with_layers:
            try:
                for inv in pruning.read_layers(lam, every_function):
                    layers.append(pruning.apply_layer(lam, inv, keep) if do_apply else
                                  pruning.Outcome(f"layer:{inv.layer}", pruning.plan_layer(inv, keep),
                                                  unknown=list(inv.unreadable)))
            except Exception as exc:
                if not (isinstance(exc, pruning.Unreadable) or is_aws_error(exc)):
                    raise
                notes.append(f"the account's layers could not be read ({exc}): no layer version is deleted")
                incomplete = True
    except Exception as exc:
        if not is_aws_error(exc):
            raise
        click.echo(f"lambdoctor: could not read the account: {exc}", err=True)
        if not outcomes:
            sys.exit(EXIT_USAGE)
        notes.append(f"the run stopped early: {exc}")
        incomplete = True
    if fmt == "json":
        click.echo(prune_report.render_json(outcomes, used, quota, do_apply, notes, layers))
    else:
        prune_report.render_terminal(outcomes, used, quota, do_apply, notes, sys.stdout, layers)
    # 1: the run was partial (a function or layer unknown, a delete skipped or failed, a read that failed).
    partial = incomplete or any(o.partial for o in [*outcomes, *layers])
    sys.exit(EXIT_FINDINGS if partial else EXIT_CLEAN)
