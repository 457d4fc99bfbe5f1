"""The `lambdoctor` command group: every report it prints goes through the one masking function."""

from __future__ import annotations

import contextlib
import sys
import traceback
from typing import Any

import click

from lambdoctor import __version__
from lambdoctor.findings import redacting

# 0 clean, 1 findings, 2 usage error or nothing readable: a crash of lambdoctor itself must not look like any of
# them (a CI step that treats 1 as "findings" would read a bug as a verdict)
EXIT_INTERNAL = 3


# The base install is what `scan` needs; each heavier dependency comes with an extra (pyproject.toml)
EXTRAS = {"duckdb": ("logs", "DuckDB"), "boto3": ("aws", "boto3"), "botocore": ("aws", "boto3"),
          "numpy": ("runtime", "NumPy"), "jinja2": ("html", "Jinja2"), "graphviz": ("html", "the graphviz binding"),
          "vl_convert": ("html", "vl-convert")}


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # stderr is still the masking stream here: the traceback prints no secret
            top = (exc.name or "").split(".")[0] if isinstance(exc, ModuleNotFoundError) else ""
            if top in EXTRAS:
                extra, what = EXTRAS[top]
                click.echo(f"lambdoctor: `lambdoctor {ctx.invoked_subcommand}` needs {what}, which is not "
                           f"installed: pip install 'lambdoctor[{extra}]' (or 'lambdoctor[all]' for every command)",
                           err=True)
                sys.exit(2)
            traceback.print_exc()
            click.echo("lambdoctor: internal error, a bug of lambdoctor and not of your input; please report it "
                       "with the traceback above", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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
