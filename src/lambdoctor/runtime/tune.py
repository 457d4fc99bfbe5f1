"""Power Tuning without deploying: the function run locally at each memory size, with the CPU share Lambda gives
that size (runtime/cpu.py: a CFS quota of memory / 1,769 MB CPUs, as DG "Configure Lambda function memory" states),
cold once and then warm, its AWS calls answered locally. What the report says plainly: this machine's CPU is not
Lambda's, a local AWS answer is instant, and a share above this machine's cores cannot be given."""

from __future__ import annotations

import dataclasses
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambdoctor.runtime import cpu
from lambdoctor.runtime.environment import ExecutionEnvironment, FunctionSpec


@dataclass
class SizeResult:
    memory_mb: int
    vcpus: float  # the share asked for
    capped: bool  # above this machine's cores: the share it could give
    cold_ms: float
    init_ms: float | None
    warm_ms: list[float] = field(default_factory=list)
    billed_ms: list[int] = field(default_factory=list)
    errors: int = 0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.warm_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]

    @property
    def billed_mean(self) -> float:
        return statistics.fmean(self.billed_ms) if self.billed_ms else 0.0


def measure(spec: FunctionSpec, sizes: list[int], invocations: int, event: Callable[[int], str]
            ) -> tuple[list[SizeResult], list[str]]:
    """Each size: one cold invocation, then ``invocations`` warm ones in the same environment."""
    cores = os.cpu_count() or 1
    notes: list[str] = []
    if not cpu.available():
        notes.append("no CPU cgroup on this machine: every size ran with the whole machine's CPU, so the durations "
                     "do not scale with memory here")
    out: list[SizeResult] = []
    for size in sizes:
        share = cpu.vcpus(size)
        sized = dataclasses.replace(spec, memory_mb=size)
        # the handler's log goes to a file (the worker writes to it directly), read by nobody
        with tempfile.TemporaryFile("w+") as log, ExecutionEnvironment(sized, log) as env:
            cold = env.invoke(event(0))
            result = SizeResult(size, share, share > cores, cold.duration_ms, cold.init_ms)
            result.errors += cold.status != "success"
            for n in range(1, invocations + 1):
                inv = env.invoke(event(n))
                result.warm_ms.append(inv.duration_ms)
                result.billed_ms.append(inv.billed_ms)
                result.errors += inv.status != "success"
        out.append(result)
    if any(r.capped for r in out):
        notes.append(f"this machine has {cores} cores: sizes above {int(cores * cpu.VCPU_MB):,} MB ran with {cores} "
                     "CPUs, not the share Lambda gives them")
    notes.append("durations are this machine's CPU at Lambda's share of it, not Lambda's CPU; AWS calls are answered "
                 "locally at once, so network and downstream latency are not in them")
    # the quota is a share of each 100 ms CFS period, refilled when an invocation starts (runtime/cpu.py): work that
    # fits in one period's share runs at full speed, as a short burst does under a CPU quota
    short = [r.memory_mb for r in out if r.vcpus < 1 and r.warm_ms and r.percentile(0.5) < r.vcpus * 100]
    if short:
        notes.append(f"at {', '.join(f'{m} MB' for m in short)} the invocations are shorter than that size's share "
                     "of a 100 ms CPU period, so the quota never slowed them: measure with a longer event to see the "
                     "CPU scale")
    return out, notes


def recommend(rows: list[dict[str, Any]], strategy: str) -> dict[str, Any]:
    """``rows``: memory_mb, p50_ms, cost_per_million. cost: the cheapest; speed: the fastest; balanced: the least
    cost x duration, each normalized to the smallest of them (Power Tuning's "balanced")."""
    if strategy == "cost":
        return min(rows, key=lambda r: (r["cost_per_million"], r["p50_ms"]))
    if strategy == "speed":
        return min(rows, key=lambda r: (r["p50_ms"], r["cost_per_million"]))
    low_cost = min(r["cost_per_million"] for r in rows) or 1e-12
    low_ms = min(r["p50_ms"] for r in rows) or 1e-12
    return min(rows, key=lambda r: (r["cost_per_million"] / low_cost) * (r["p50_ms"] / low_ms))


def as_rows(results: list[SizeResult], price: Callable[[int, float], float]) -> list[dict[str, Any]]:
    """``price``: (memory MB, mean billed ms) -> US$ per million invocations."""
    return [{"memory_mb": r.memory_mb, "vcpus": round(r.vcpus, 3), "capped": r.capped,
             "cold_ms": round(r.cold_ms, 2), "init_ms": round(r.init_ms, 2) if r.init_ms is not None else None,
             "p50_ms": round(r.percentile(0.5), 2), "p90_ms": round(r.percentile(0.9), 2),
             "p99_ms": round(r.percentile(0.99), 2), "billed_ms_mean": round(r.billed_mean, 2),
             "cost_per_million": round(price(r.memory_mb, r.billed_mean), 4), "errors": r.errors}
            for r in results]
