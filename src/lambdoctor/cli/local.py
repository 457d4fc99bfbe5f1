"""`lambdoctor invoke` and `lambdoctor probe`: one handler run locally, the way Lambda runs it."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    pass
from lambdoctor.cli.app import main
from lambdoctor.cli.common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, local_spec


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

    spec, notes = local_spec(path, function, variables, env_overrides, aws_profile)
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

    spec, notes = local_spec(path, function, variables, env_overrides, aws_profile)
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
        if spec.layers and environment.opt_mounted is False:
            click.echo("lambdoctor: note: the layers are not mounted at /opt here (no private mount namespace): "
                       "they are on sys.path from their folders, and a file opened by its /opt path is missing",
                       err=True)
        if environment.local_calls:
            calls = ", ".join(f"{k} ×{n}" for k, n in sorted(environment.local_calls.items()))
            click.echo(f"lambdoctor: note: AWS calls answered locally, nothing sent to AWS: {calls}", err=True)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)
