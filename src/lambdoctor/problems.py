"""What could not be read, parsed or followed: one type for every source (templates, handler code, log files,
live reads). Each becomes a SYS000 finding at its file, line and column; the run goes on without it.

This module imports nothing else of the package.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A file (or a live source, named like one) that could not be used: SYS000 material."""

    file: str
    line: int
    column: int
    reason: str
    # the file was still read, only this part of it differs from what its author may think (a duplicate key whose
    # earlier value CloudFormation ignores): a warning, not an error
    partial: bool = False
    fix: str = ""  # what to do about it, when the default advice (fix or exclude the file) does not fit
