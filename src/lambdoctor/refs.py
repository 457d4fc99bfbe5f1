"""Where an element of the model (or a code fact) came from: a file, a line, a column.

This module imports nothing else of the package; the model and the code facts both point with it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceRef:
    file: str
    line: int = 1
    column: int = 1
