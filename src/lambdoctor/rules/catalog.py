"""The rule catalog (``footguns.md``): every registered rule, in ID order (loads every rule module)."""

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
from lambdoctor.rules.account import ACC_RULES, AccountRule
from lambdoctor.rules.base import Context, Documented, Rule
from lambdoctor.rules.logs import LOG_RULES, LogRule
from lambdoctor.rules.system import SYSTEM_RULES

ALL_RULES: tuple[type[Rule], ...] = tuple(
    sorted(
        (*reliability.RULES, *security.RULES, *observability.RULES, *performance.RULES, *cost.RULES,
         *deployment.RULES, *code_reliability.RULES, *code_security.RULES),
        key=lambda r: r.id,
    )
)
RULES_BY_ID: dict[str, type[Rule]] = {r.id: r for r in ALL_RULES}
# Rules over log statistics (`lambdoctor logs`) and over a live account (`lambdoctor audit`) are documented and
# listed with the others.
CATALOG: tuple[type[Documented], ...] = tuple(sorted((*ALL_RULES, *ACC_RULES, *LOG_RULES), key=lambda r: r.id))
CATALOG_BY_ID: dict[str, type[Documented]] = {r.id: r for r in CATALOG}

__all__ = ["ACC_RULES", "ALL_RULES", "CATALOG", "CATALOG_BY_ID", "LOG_RULES", "RULES_BY_ID", "SYSTEM_RULES",
           "AccountRule", "Context", "LogRule", "Rule"]
