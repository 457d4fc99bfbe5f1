"""`lambdoctor simulate`: a scenario on a virtual clock (triggers, retries, DLQs), or --capacity."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    pass
from lambdoctor.cli.app import main
from lambdoctor.cli.common import EXIT_CLEAN, EXIT_USAGE, local_spec


@main.command()
@click.argument("scenario_file", metavar="[SCENARIO]", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "html"]), default="terminal",
              show_default=True, help="html: the timeline on the virtual clock as charts (-o FILE).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the html report to this file instead of standard output.")
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
def simulate(scenario_file: Path | None, fmt: str, output: Path | None, log_file: Path | None, capacity: bool,
             tps: float | None,
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

    import yaml

    from lambdoctor.engine import template_trigger
    from lambdoctor.runtime.local import FunctionNotFound
    from lambdoctor.runtime.simulate import ScenarioError, load_scenario
    from lambdoctor.runtime.simulate import simulate as run

    taken: list[str] = []
    try:
        doc = yaml.safe_load(scenario_file.read_text(encoding="utf-8"))
        scenario = load_scenario(doc)  # the scenario's own mistakes first
        target = doc.get("function")
        if not isinstance(target, dict) or "name" not in target:
            raise ScenarioError("function: {path: <template folder>, name: <function>} is required")
        base = scenario_file.parent / str(target.get("path", "."))
        trigger = doc.get("trigger")
        if isinstance(trigger, dict) and isinstance(trigger.get("type"), str):
            # the event source's settings come from the template; the scenario overrides only what it names
            with contextlib.suppress(FunctionNotFound):
                settings, taken = template_trigger(str(base), str(target["name"]), trigger["type"], {})
                doc["trigger"] = {**settings, **trigger}
        scenario = load_scenario(doc)
    except (yaml.YAMLError, ScenarioError, OSError) as exc:
        click.echo(f"lambdoctor: {scenario_file}: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    env = tuple(f"{k}={v}" for k, v in (target.get("env") or {}).items())
    spec, _ = local_spec(str(base), str(target["name"]), (), env)
    others = tuple(local_spec(str(base), name, (), env)[0] for name in scenario.functions)
    names = {spec.name, *(o.name for o in others)}
    if scenario.slow_function is not None and scenario.slow_function not in names:
        click.echo(f"lambdoctor: {scenario_file}: faults.slow.function {scenario.slow_function!r} is not one of "
                   f"the simulated functions ({', '.join(sorted(names))}; others go in functions: [...])", err=True)
        sys.exit(EXIT_USAGE)
    with (log_file.open("w", encoding="utf-8") if log_file else tempfile.TemporaryFile("w+")) as log:
        report = run(spec, scenario, log, others, in_process=in_process)
    doc_out = report.as_dict()
    if taken:
        doc_out["notes"] = list(taken)
    if in_process:
        from lambdoctor.runtime.inprocess import NOTES

        doc_out["notes"] = [*doc_out.get("notes", []), *NOTES]
    if fmt == "html":
        from lambdoctor.reporters import html_report

        page = html_report.render_simulation(doc_out, str(scenario_file))
        if output:
            output.write_text(page, encoding="utf-8")
        else:
            click.echo(page, nl=False)
    elif fmt == "json":
        click.echo(json.dumps(doc_out, indent=2))
    else:
        _print_report(doc_out)
    sys.exit(EXIT_CLEAN)


SHOWN_DLQ = 5


def _print_report(doc: dict[str, Any]) -> None:
    """The story the JSON report holds, for a person: the totals, what the clients got, each function's outcomes
    and billing, the loop stops and chains, the calls made, and the dead-lettered records (the first few, and how
    many more the JSON lists)."""
    for key in ("attempts", "succeeded", "failed", "retried", "dead_lettered", "throttled", "cold_starts",
                "duplicates_delivered", "lost"):
        click.echo(f"{key.replace('_', ' '):<22} {doc[key]:>8,}")
    peak = max((n for _, n in doc["concurrency"]), default=0)
    click.echo(f"{'peak concurrency':<22} {peak:>8,.0f}")
    click.echo(f"{'billed':<22} {doc['billed_ms'] / 1000:>8,.1f} s")
    click.echo(f"{'cost':<22} {'$' + doc['cost_usd']:>8}")
    if doc["responses"]:
        codes = ", ".join(f"{code} x{n:,}" for code, n in sorted(doc["responses"].items()))
        click.echo(f"{'client responses':<22} {codes}")
        if "504" in doc["responses"]:
            click.echo("  504: the client gave up at the integration timeout (29 s) while the function ran on, billed")
    if doc["blocked_seconds"]:
        click.echo(f"{'shard blocked':<22} {doc['blocked_seconds']:>8,.1f} s")
    if doc["recursion_stopped"]:
        click.echo(f"{'loop stopped':<22} {doc['recursion_stopped']:>8,}  (Lambda stops the 17th invocation of a loop)")
    if doc["max_chain"] > 1:
        click.echo(f"{'longest chain':<22} {doc['max_chain']:>8,}  invocations caused by one event")
    functions = doc.get("functions") or {}
    if functions:
        click.echo("per function:")
        click.echo(f"  {'function':<24} {'attempts':>9} {'ok':>7} {'timeouts':>9} {'errors':>7} {'throttled':>9} "
                   f"{'cold':>6} {'billed s':>10} {'peak':>5}")
        for name, s in sorted(functions.items()):
            billed = (s.get("billed_ms", 0) + s.get("provisioned_billed_ms", 0)) / 1000
            click.echo(f"  {name:<24} {s.get('attempts', 0):>9,} {s.get('succeeded', 0):>7,} "
                       f"{s.get('timeouts', 0):>9,} {s.get('errors', 0):>7,} {s.get('throttled', 0):>9,} "
                       f"{s.get('cold_starts', 0):>6,} {billed:>10,.1f} {s.get('peak_concurrency', 0):>5,}")
    if doc["aws_calls"]:
        click.echo("AWS calls answered: " + ", ".join(f"{k} x{n:,}" for k, n in sorted(doc["aws_calls"].items())))
    if doc["sent"]:
        click.echo("sent outside the simulation: " + ", ".join(f"{k} x{n:,}" for k, n in sorted(doc["sent"].items())))
    if doc["downstream"]:
        click.echo("downstream: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in doc["downstream"].items()))
    for entry in doc["dlq"][:SHOWN_DLQ]:
        click.echo(f"dead-lettered: {json.dumps(entry)[:160]}")
    if len(doc["dlq"]) > SHOWN_DLQ:
        click.echo(f"... and {len(doc['dlq']) - SHOWN_DLQ:,} more dead-lettered records (--format json lists them all)")
    if doc["on_success"]:
        click.echo(f"{'on-success records':<22} {len(doc['on_success']):>8,}  (sent to the on-success destination)")
    for note in doc.get("notes", []):
        click.echo(f"note: {note}")


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
