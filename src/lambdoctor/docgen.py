"""docs/rules/<ID>.md from the rules' docstrings (a test fails when the committed pages are stale)."""

from __future__ import annotations

import sys
from pathlib import Path

from lambdoctor.rules import CATALOG, SYSTEM_RULES
from lambdoctor.rules.base import Documented

_ORDER = ("What it does", "Why is this bad?", "Example", "Use instead", "References")


def render_rule(rule: type[Documented]) -> str:
    sections = rule.doc_sections()
    parts = [
        f"# {rule.id}: {rule.slug}",
        "",
        f"Default severity: **{rule.severity.label}** · Evidence: {rule.evidence} · "
        f"Confidence: **{getattr(rule, 'confidence', 'high')}** ({getattr(rule, 'confidence_note', '')})",
        "",
    ]
    for name in _ORDER:
        body = sections.get(name)
        if body:
            parts += [f"## {name}", "", body, ""]
    return "\n".join(parts).rstrip() + "\n"


def render_system(rule_id: str) -> str:
    slug, text = SYSTEM_RULES[rule_id]
    return f"# {rule_id}: {slug}\n\nDefault severity: **error**\n\n## What it does\n\n{text[0].upper()}{text[1:]}.\n"


def pages() -> dict[str, str]:
    out = {f"{r.id}.md": render_rule(r) for r in CATALOG}
    out.update({f"{rid}.md": render_system(rid) for rid in SYSTEM_RULES})
    index = ["# Rules", "", "| ID | slug | severity | what it finds |", "|---|---|---|---|"]
    index += [f"| [{r.id}]({r.id}.md) | {r.slug} | {r.severity.label} | {r.summary()} |" for r in CATALOG]
    index += [f"| [{rid}]({rid}.md) | {slug} | error | {text} |" for rid, (slug, text) in SYSTEM_RULES.items()]
    out["README.md"] = "\n".join(index) + "\n"
    return out


def main(argv: list[str]) -> int:
    target = Path(argv[0] if argv else "docs/rules")
    target.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (target / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages())} pages to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
