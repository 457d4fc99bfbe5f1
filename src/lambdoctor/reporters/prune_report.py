"""The prune plan: per function each version with its size, date, action and reason; bytes reclaimable; code
storage before and after against the quota."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from lambdoctor.versions import reclaimable

if TYPE_CHECKING:  # the report shows what the pruner did; it never calls it
    from lambdoctor.live.prune import Outcome

SCHEMA = "1.1"  # 1.1: "unknown" and "skipped" per function and layer, "partial"


def _freed(outcomes: Sequence[Outcome]) -> int:
    return sum(d.size_bytes for o in outcomes for d in o.decisions if d.version in o.deleted)


def _gb(n: int) -> str:
    return f"{n / 1024**3:.2f} GB"


def _entry(o: Outcome, key: str, name: str) -> dict[str, Any]:
    return {
        key: name,
        "versions": [{"version": d.version, "size_bytes": d.size_bytes, "last_modified": d.last_modified,
                      "action": d.action, "reason": d.reason} for d in o.decisions],
        "reclaimable_bytes": reclaimable(o.decisions),
        "deleted": o.deleted,
        "failed": [{"version": v, "reason": r} for v, r in o.failed],
        "skipped": [{"version": v, "reason": r} for v, r in o.skipped],
        "unknown": list(o.unknown),
    }


def render_json(outcomes: Sequence[Outcome], used: int | None, quota: int, applied: bool,
                notes: Sequence[str], layers: Sequence[Outcome] = ()) -> str:
    """``layers``: outcomes of ``--layers``, one per layer (their ``function`` is ``layer:NAME``)."""
    everything = [*outcomes, *layers]
    total = sum(reclaimable(o.decisions) for o in everything)
    doc = {
        "schema": SCHEMA,
        "applied": applied,
        "partial": any(o.partial for o in everything),
        "functions": [_entry(o, "function", o.function) for o in outcomes],
        "layers": [_entry(o, "layer", o.function.removeprefix("layer:")) for o in layers],
        "reclaimable_bytes": total,
        "freed_bytes": _freed(everything) if applied else 0,
        "code_storage": {"used_bytes": used, "after_bytes": used - total if used is not None else None,
                         "quota_bytes": quota},
        "notes": list(notes),
    }
    return json.dumps(doc, indent=2) + "\n"


def render_terminal(outcomes: Sequence[Outcome], used: int | None, quota: int, applied: bool,
                    notes: Sequence[str], out: TextIO, layers: Sequence[Outcome] = ()) -> None:
    outcomes = [*outcomes, *layers]
    total = sum(reclaimable(o.decisions) for o in outcomes)
    for o in outcomes:
        out.write(f"{o.function}\n")
        for what in o.unknown:
            out.write(f"  UNKNOWN  could not read {what}: nothing of this one is deleted\n")
        for d in o.decisions:
            mark = "delete" if d.action == "delete" else "keep"
            if d.version in o.deleted:
                mark = "DELETED"
            out.write(f"  {mark:7} {d.version:>8} {d.size_bytes / 1e6:9.1f} MB  {d.last_modified[:10]:10}  "
                      f"{d.reason}\n")
        for version, reason in o.skipped:
            out.write(f"  SKIPPED {version:>8}  {reason} (left in place)\n")
        for version, reason in o.failed:
            out.write(f"  FAILED {version:>8}  {reason} (left in place; re-run to retry)\n")
    count = sum(1 for o in outcomes for d in o.decisions if d.action == "delete")
    if applied:
        total = _freed(outcomes)
        count = sum(len(o.deleted) for o in outcomes)
    out.write(f"\n{total / 1e6:,.1f} MB {'freed' if applied else 'reclaimable'} in {count} version(s)")
    if used is not None:
        out.write(f"; code storage {_gb(used)} → {_gb(used - total)} of {_gb(quota)}")
    out.write("\n")
    if not applied and total:
        out.write("nothing was deleted: run again with --apply\n")
    for note in notes:
        out.write(f"note: {note}\n")
    unknown = sum(1 for o in outcomes if o.unknown)
    undone = sum(len(o.skipped) + len(o.failed) for o in outcomes)
    if unknown or undone:
        out.write(f"partial: {unknown} unknown (nothing of them deleted), {undone} delete(s) skipped or failed\n")
