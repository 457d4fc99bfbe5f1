"""`lambdoctor prune`: old versions (and layer versions) nothing uses, planned, then deleted."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    pass
from lambdoctor.cli.app import main
from lambdoctor.cli.common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE


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
