"""The `lambdoctor` command group: every report it prints goes through the one masking function."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING

import click

from lambdoctor import __version__
from lambdoctor.findings import redacting

if TYPE_CHECKING:
    pass


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
