"""The rules. The catalog (every rule module) loads on first use of a name below, not with the package: a command
that needs only some rules (`lambdoctor logs`: the LOG rules) imports just those. Loading all of them took 35 ms,
1.3 % of analyzing 1 GB of logs."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdoctor.rules.catalog import (
        ACC_RULES,
        ALL_RULES,
        CATALOG,
        CATALOG_BY_ID,
        LOG_RULES,
        RULES_BY_ID,
        SYSTEM_RULES,
        AccountRule,
        Context,
        LogRule,
        Rule,
    )

__all__ = ["ACC_RULES", "ALL_RULES", "CATALOG", "CATALOG_BY_ID", "LOG_RULES", "RULES_BY_ID", "SYSTEM_RULES",
           "AccountRule", "Context", "LogRule", "Rule"]


def __getattr__(name: str) -> Any:  # PEP 562: `from lambdoctor.rules import ALL_RULES` loads the catalog here
    if name in __all__:
        return getattr(importlib.import_module("lambdoctor.rules.catalog"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
