"""The rule catalog (``footguns.md``): every registered rule, in ID order."""

from __future__ import annotations

from lambdoctor.rules import (
    code_reliability,
    code_security,
    cost,
    deployment,
    observability,
    performance,
    reliability,
    security,
)
from lambdoctor.rules.base import Context, Rule

ALL_RULES: tuple[type[Rule], ...] = tuple(
    sorted(
        (*reliability.RULES, *security.RULES, *observability.RULES, *performance.RULES, *cost.RULES,
         *deployment.RULES, *code_reliability.RULES, *code_security.RULES),
        key=lambda r: r.id,
    )
)
RULES_BY_ID: dict[str, type[Rule]] = {r.id: r for r in ALL_RULES}

# The tool's own findings: not rules over the model, but part of the catalog and of every report.
SYSTEM_RULES: dict[str, tuple[str, str]] = {
    "SYS000": ("unparseable-input", "an input file could not be read or parsed; the run goes on with the others"),
    "SYS001": ("rule-crashed", "a rule raised on some input; the run goes on with the other rules"),
}

__all__ = ["ALL_RULES", "RULES_BY_ID", "SYSTEM_RULES", "Context", "Rule"]
