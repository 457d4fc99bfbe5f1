"""`lambdoctor rules`: the catalog, or one rule's documentation."""

from __future__ import annotations

import sys

import click

from lambdoctor.cli.app import main
from lambdoctor.cli.common import EXIT_USAGE


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
    if key in ("SEC001", "SEC005", "SEC006"):  # rules that judge AWS managed policies from their documents
        from lambdoctor.iam_data import data_sources

        click.echo("\n## Data\n" + "".join(f"- {k}: {v}\n" for k, v in data_sources().items()), nl=False)
