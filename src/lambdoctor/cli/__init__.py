"""The command line: the only package that parses argv, prints and exits. One module per command; `app` holds the
group, `common` what several commands share.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/configuration error or nothing readable, 3 an
internal error (a bug of lambdoctor).
"""

from lambdoctor.cli import alarms, audit, cost, local, logs, prune, rules, scan, simulate, tune  # noqa: F401 (registers)
from lambdoctor.cli.app import main

__all__ = ["main"]
