"""The terminal report: grouped by file and resource, coloured by severity on a TTY, plain otherwise."""

from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import groupby
from typing import TextIO

from lambdoctor.findings import Finding, Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def use_color(stream: TextIO) -> bool:
    # https://no-color.org: any non-empty NO_COLOR disables colour.
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


# Which families to read first among findings of one severity: what leaks or breaks production before what
# slows it, costs money or goes unnoticed.
_FAMILY_ORDER = ("SEC", "REL", "PERF", "COST", "LOG", "ACC", "DEP", "OBS", "SYS")
LEAD_AFTER = 10  # a report this long or shorter is read whole; a longer one starts with its most important
LEAD_SIZE = 5


def most_important(findings: Sequence[Finding], n: int = LEAD_SIZE) -> list[Finding]:
    """The findings to read first: errors before warnings, security and reliability before the rest."""
    def rank(f: Finding) -> tuple[int, int, str, str, int]:
        family = f.rule.rstrip("0123456789")
        order = _FAMILY_ORDER.index(family) if family in _FAMILY_ORDER else len(_FAMILY_ORDER)
        return (-int(f.severity), order, f.rule, f.file, f.line)
    ranked = sorted((f for f in findings if f.severity >= Severity.WARNING), key=rank)
    # One of each rule first, so five lines show five different problems, not five of one kind.
    seen: set[str] = set()
    firsts: list[Finding] = []
    rest: list[Finding] = []
    for f in ranked:
        (rest if f.rule in seen else firsts).append(f)
        seen.add(f.rule)
    return (firsts + rest)[:n]


def _lead(findings: Sequence[Finding]) -> list[tuple[str, str | None]]:
    if len(findings) <= LEAD_AFTER:
        return []
    top = most_important(findings)
    if not top:
        return []
    out: list[tuple[str, str | None]] = [(f"Read these first ({len(top)} of {len(findings)}):", "bold")]
    for f in top:
        where = f"{f.resource} ({f.file}:{f.line})" if f.resource else f"{f.file}:{f.line}"
        out.append((f"  {f.severity.label:<7} {f.rule}  {where}: {f.message}{_confidence(f)}", _STYLE[f.severity]))
    out.append(("", None))
    return out


def _lines(findings: Sequence[Finding], files: int, suppressed: int, notes: Sequence[str] = ()
           ) -> list[tuple[str, str | None]]:
    """(text, style) pairs; style None means plain."""
    out: list[tuple[str, str | None]] = _lead(findings)
    for file, in_file in groupby(findings, key=lambda f: f.file):
        out.append((file, "bold"))
        items = sorted(in_file, key=lambda f: (f.resource, f.line, f.rule))
        for resource, in_res in groupby(items, key=lambda f: f.resource):
            group = list(in_res)
            rtype = group[0].resource_type
            out.append((f"  {resource or '(file)'}" + (f"  [{rtype}]" if rtype else ""), "bold"))
            for f in group:
                out.append((f"    {f.line}:{f.column}  {f.severity.label:<7} {f.rule}  {f.message}{_confidence(f)}",
                            _STYLE[f.severity]))
                if f.fix:
                    out.append((f"             fix: {f.fix}", "dim"))
        out.append(("", None))
    for note in notes:
        out.append((f"note: {note}", "dim"))
    if notes:
        out.append(("", None))
    counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
    total = len(findings)
    text = (f"{total} finding{'s' if total != 1 else ''} ({counts[Severity.ERROR]} error, "
            f"{counts[Severity.WARNING]} warning, {counts[Severity.INFO]} info) in {files} "
            f"file{'s' if files != 1 else ''}")
    if suppressed:
        text += f"; {suppressed} suppressed"
    out.append((text, "bold"))
    return out


def render(findings: Sequence[Finding], files: int, suppressed: int, stream: TextIO,
           notes: Sequence[str] = ()) -> None:
    lines = _lines(findings, files, suppressed, notes)
    if not use_color(stream):
        stream.write("\n".join(text for text, _ in lines) + "\n")
        return
    from rich.console import Console  # only a TTY pays for importing rich
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True)
    for text, style in lines:
        console.print(Text(text, style=style or ""))


def _confidence(f: Finding) -> str:
    """A finding that is not certain says so where it is read, as in the JSON (`confidence`)."""
    return f" [confidence: {f.confidence}]" if f.confidence != "high" else ""
