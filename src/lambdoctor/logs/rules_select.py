"""Which log rules a run applies: --select / --ignore by ID prefix, as for scan."""

from __future__ import annotations

from collections.abc import Sequence

from lambdoctor.rules.logs import LOG_RULES


def selected_ids(select: Sequence[str], ignore: Sequence[str]) -> set[str]:
    ids = {r.id for r in LOG_RULES}
    if select:
        ids = {i for i in ids if any(i.startswith(p) for p in select)}
    return {i for i in ids if not any(i.startswith(p) for p in ignore)}
