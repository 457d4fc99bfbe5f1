"""``lambdoctor probe``: one handler, many invocations in one execution environment, and the runtime footguns seen.

The sequence: event 1, event 1 again (a redelivery: SQS, SNS, EventBridge and async invocations deliver at least
once), then fresh events (each built anew, so IDs differ) with event 1 repeated once more near the end. Seen:
- state carried between warm invocations: a module global whose value changed (caches, counters, "last user");
- /tmp growing from one invocation to the next (it is kept while the environment lives, 512 MB by default);
- ``[ERROR]`` records in invocations that reported success (a swallowed error);
- durations at or above 80 % of the timeout;
- a redelivered event that gives another outcome than its first delivery (the handler is not idempotent).
"""

from __future__ import annotations

import itertools
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lambdoctor.runtime.environment import ExecutionEnvironment, FunctionSpec, Invocation

NEAR_TIMEOUT_SHARE = 0.8


@dataclass(frozen=True)
class Observation:
    kind: str  # state, tmp-growth, swallowed-error, near-timeout, not-idempotent
    message: str


@dataclass
class ProbeResult:
    invocations: list[dict[str, Any]] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)


def _records(log_text: str) -> dict[str, list[str]]:
    """Log lines of each request, START to END (the worker writes one invocation at a time)."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in log_text.splitlines():
        if line.startswith("START RequestId: "):
            current = out.setdefault(line.split()[2], [])
        elif line.startswith("END RequestId: "):
            current = None
        elif current is not None:
            current.append(line)
    return out


def _outcome(inv: Invocation) -> str:
    if inv.status != "success":
        return f"{inv.status} ({inv.error_type})"
    return inv.response or "null"


def probe(spec: FunctionSpec, make_event: Callable[[int], dict[str, Any]], count: int = 10) -> ProbeResult:
    spec = replace(spec, observe=True)
    first = make_event(0)
    sequence: list[tuple[str, dict[str, Any]]] = [("first", first), ("redelivery", first)]
    for i in range(1, max(0, count - 3) + 1):
        sequence.append((f"event {i + 1}", make_event(i)))
    sequence.append(("redelivery", first))
    sequence = sequence[:max(count, 3)]
    result = ProbeResult()
    runs: list[tuple[str, Invocation]] = []
    with tempfile.TemporaryDirectory(prefix="lambdoctor-probe-") as folder:
        log_path = Path(folder) / "log.txt"
        with open(log_path, "w", encoding="utf-8") as log, ExecutionEnvironment(spec, log) as env:
            for label, event in sequence:
                runs.append((label, env.invoke(json.dumps(event))))
        records = _records(log_path.read_text(encoding="utf-8", errors="replace"))
    for n, (label, inv) in enumerate(runs, 1):
        result.invocations.append({
            "n": n, "event": label, "request_id": inv.request_id, "status": inv.status, "error_type": inv.error_type,
            "duration_ms": round(inv.duration_ms, 2), "cold": inv.init_ms is not None,
            "tmp_bytes": inv.observed["tmp_bytes"] if inv.observed else None,
            "max_memory_used_mb": inv.max_memory_mb})
    result.observations = _observe(spec, runs, records)
    return result


def _observe(spec: FunctionSpec, runs: list[tuple[str, Invocation]], records: dict[str, list[str]]
             ) -> list[Observation]:
    out: list[Observation] = []
    # state carried: a global whose fingerprint changes between two invocations of the same environment
    changed: dict[str, int] = {}
    previous: dict[str, str] | None = None
    for _, inv in runs:
        if inv.observed is None or inv.init_ms is not None:
            previous = inv.observed["globals"] if inv.observed else None
            continue
        now = inv.observed["globals"]
        if previous is not None:
            for name, value in now.items():
                if previous.get(name) != value:
                    changed[name] = changed.get(name, 0) + 1
        previous = now
    if changed:
        names = ", ".join(f"{k} ({v}x)" for k, v in sorted(changed.items()))
        out.append(Observation("state", f"module globals change from one warm invocation to the next: {names}; "
                                        "the next request in this environment sees what the last one left"))
    sizes = [inv.observed["tmp_bytes"] for _, inv in runs if inv.observed]
    steps = list(itertools.pairwise(sizes))
    # never shrinks, and grows in at least half the steps: files left behind, not one file rewritten
    if len(sizes) >= 3 and all(b >= a for a, b in steps) and sum(b > a for a, b in steps) * 2 >= len(steps):
        per = (sizes[-1] - sizes[0]) / (len(sizes) - 1)
        left = spec.ephemeral_mb * 1024 * 1024 - sizes[-1]
        out.append(Observation("tmp-growth", f"/tmp grows by about {per / 1024:,.1f} KB per invocation "
                                             f"({sizes[0]:,} → {sizes[-1]:,} bytes over {len(sizes)} invocations): "
                                             f"the {spec.ephemeral_mb} MB fill after about {int(left / per):,} more"))
    swallowed = [n for n, (_, inv) in enumerate(runs, 1) if inv.status == "success"
                 and any(line.startswith("[ERROR]") for line in records.get(inv.request_id, []))]
    if swallowed:
        out.append(Observation("swallowed-error", f"[ERROR] records in invocations that succeeded: "
                                                  f"{', '.join(f'#{n}' for n in swallowed)}"))
    limit_ms = spec.timeout_s * 1000
    near = [(n, inv.duration_ms) for n, (_, inv) in enumerate(runs, 1)
            if inv.status != "timeout" and inv.duration_ms >= NEAR_TIMEOUT_SHARE * limit_ms]
    timeouts = [n for n, (_, inv) in enumerate(runs, 1) if inv.status == "timeout"]
    if near or timeouts:
        parts = [f"#{n} {ms:,.0f} ms" for n, ms in near] + [f"#{n} timed out" for n in timeouts]
        out.append(Observation("near-timeout", f"durations at or above 80 % of the {spec.timeout_s:g} s timeout: "
                                               f"{', '.join(parts)}"))
    firsts = [inv for label, inv in runs if label == "first"]
    for n, (label, inv) in enumerate(runs, 1):
        if label == "redelivery" and firsts and _outcome(inv) != _outcome(firsts[0]):
            out.append(Observation("not-idempotent", f"the same event delivered again (#{n}) gave "
                                                     f"{_outcome(inv)[:120]} where the first delivery gave "
                                                     f"{_outcome(firsts[0])[:120]}"))
            break
    return out
