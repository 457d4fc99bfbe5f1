"""``# lambdoctor: ignore[REL003]`` comments in serverless.yml and Terraform files, as in handler code: on a line it
covers that line; on the line that opens a block (a YAML key whose value is indented below it, an HCL block's
``{``), or alone on the line above one, it covers the whole block. Without IDs it covers every rule."""

from __future__ import annotations

import re

from lambdoctor.facts import Suppression

_IGNORE = re.compile(r"(?:#|//)\s*lambdoctor:\s*ignore(?:\[([A-Za-z0-9,\s]*)\])?")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _yaml_end(lines: list[str], i: int) -> int:
    """The last line (0-based) of the YAML node that starts on line ``i``: every following line indented deeper
    (blank and comment lines included while the node goes on)."""
    base = _indent(lines[i])
    end = i
    for j in range(i + 1, len(lines)):
        text = lines[j].strip()
        if not text or text.startswith("#"):
            continue
        if _indent(lines[j]) <= base and not (text.startswith("- ") and _indent(lines[j]) == base
                                               and lines[i].rstrip().endswith(":")):
            break
        end = j
    return end


def _hcl_end(lines: list[str], i: int) -> int:
    """The line of the ``}`` that closes the block opened on line ``i`` (strings and comments not counted)."""
    depth = 0
    for j in range(i, len(lines)):
        code = re.sub(r'"(?:\\.|[^"\\])*"', '""', lines[j].split("#", 1)[0].split("//", 1)[0])
        depth += code.count("{") - code.count("}")
        if (depth <= 0 and j > i) or (j == i and "{" in code and depth == 0):
            return j
    return len(lines) - 1


def suppressions(text: str, kind: str) -> tuple[Suppression, ...]:
    """``kind``: "yaml" or "hcl". Lines are 1-based, as findings name them."""
    if "lambdoctor:" not in text:
        return ()
    lines = text.splitlines()
    out: list[Suppression] = []
    for i, line in enumerate(lines):
        m = _IGNORE.search(line) if "lambdoctor:" in line else None
        if not m:
            continue
        ids = frozenset(x.strip().upper() for x in (m.group(1) or "").split(",") if x.strip())
        target = i
        if not line[:m.start()].strip():  # alone on its line: it marks the next line that holds something
            target = next((j for j in range(i + 1, len(lines))
                           if lines[j].strip() and not lines[j].strip().startswith(("#", "//"))), i)
        head = lines[target].split("#", 1)[0].rstrip()
        if kind == "hcl" and "{" in head:
            end = _hcl_end(lines, target)
        elif kind == "yaml" and (head.endswith(":") or head.lstrip().startswith("- ")):
            end = _yaml_end(lines, target)
        else:
            end = target
        out.append(Suppression(min(i, target) + 1, end + 1, ids))
    return tuple(out)
