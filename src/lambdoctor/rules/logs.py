"""LOG (and COST003): what Lambda's own log records show about each function.

These rules read per-function statistics built from REPORT lines and the records around them, plus what the
template configures, never the logs themselves: the numbers come in through ``FunctionStats`` and the prices and
configuration through ``LogContext``. Money is Decimal.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from lambdoctor.findings import Finding, Severity
from lambdoctor.rules.base import Documented
from lambdoctor.stats import FunctionStats
from lambdoctor.thresholds import THRESHOLDS
from lambdoctor.units import BYTES_PER_GB, MB_PER_GB, MONTH_SECONDS, cents

if TYPE_CHECKING:  # the prices come in through the context; a rule never reads a price table itself
    from lambdoctor.cost.prices import PriceTable

MIN_MEMORY_MB = 128  # Lambda's smallest size (facts.md §4)
VCPU_MB = 1769  # one vCPU's worth of memory (DG, "Configure Lambda function memory")


@dataclass(frozen=True)
class Configured:
    """What a template says about a function, to judge its logs against."""

    resource: str
    file: str
    line: int
    timeout_s: float | None = None
    memory_mb: int | None = None
    architecture: str = "x86_64"


@dataclass(frozen=True)
class LogContext:
    prices: PriceTable
    sources: Mapping[str, str] = field(default_factory=dict)  # function → the log file its findings point at
    configured: Mapping[str, Configured] = field(default_factory=dict)  # by function name
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(THRESHOLDS))
    always_on_usd: Decimal | None = None  # COST003: the monthly cost of the always-on alternative
    hourly: Mapping[str, Sequence[int]] = field(default_factory=dict)  # invocations per hour, per function

    def threshold(self, name: str) -> float:
        return self.thresholds.get(name, THRESHOLDS[name])


class LogRule(Documented, ABC):
    evidence = "logs"

    @abstractmethod
    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        """Yield findings for one function's statistics; pure: no clock, network or files."""

    def report(self, stats: FunctionStats, ctx: LogContext, message: str, fix: str,
               severity: Severity | None = None, confidence: str | None = None) -> Finding:
        conf = ctx.configured.get(stats.function)
        if conf:
            file, line, resource = conf.file, conf.line, conf.resource
        else:
            file, line, resource = ctx.sources.get(stats.function, stats.function), 1, stats.function
        return Finding(rule=self.id, severity=severity or self.severity, message=message, file=file, line=line,
                       resource=resource, resource_type="AWS::Lambda::Function" if conf else "", fix=fix,
                       confidence=confidence or self.confidence)


# -- shared arithmetic ---------------------------------------------------------------------------------------
def memory_of(stats: FunctionStats, ctx: LogContext) -> int | None:
    conf = ctx.configured.get(stats.function)
    return conf.memory_mb if conf and conf.memory_mb else stats.memory_mb


def timeout_of(stats: FunctionStats, ctx: LogContext) -> tuple[float | None, str]:
    """The function's timeout and where it comes from. When the template and the logs' `Task timed out after N
    seconds` lines disagree, the logs win (they are what the deployed function did) and the source says both."""
    conf = ctx.configured.get(stats.function)
    seen = stats.timeout_seconds_seen
    if conf and conf.timeout_s and seen and abs(conf.timeout_s - seen) >= 0.01:
        return seen, (f"the logs' 'Task timed out after' lines; the template says {conf.timeout_s:g} s: the "
                      "deployed function is not what the template describes")
    if conf and conf.timeout_s:
        return conf.timeout_s, "configured"
    if stats.timeout_seconds_seen:
        return stats.timeout_seconds_seen, "from 'Task timed out' lines"
    return None, ""


def architecture_of(stats: FunctionStats, ctx: LogContext) -> str:
    conf = ctx.configured.get(stats.function)
    return conf.architecture if conf else "x86_64"


def monthly_invocations(stats: FunctionStats) -> Decimal | None:
    """The observed rate projected to a 30-day month; None when the logs carry no usable time span."""
    if not stats.span_seconds or stats.span_seconds < 60 or stats.invocations < 2:
        return None
    return Decimal(stats.invocations) / Decimal(str(stats.span_seconds)) * MONTH_SECONDS


def gb_second_price(ctx: LogContext, architecture: str) -> Decimal:
    return ctx.prices.duration_tiers.get(architecture, ctx.prices.duration_tiers["x86_64"])[0][1]


def recommended_memory(peak_mb: float, ctx: LogContext) -> int:
    wanted = max(peak_mb * ctx.threshold("memory_headroom"), peak_mb + 32)
    return max(MIN_MEMORY_MB, math.ceil(wanted / 64.0) * 64)


def _usd(value: Decimal) -> str:
    return f"${cents(value):,}"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


# -- rules ---------------------------------------------------------------------------------------------------
class MemoryOverprovisioned(LogRule):
    """
    ## What it does
    Flags a function whose peak memory use (Max Memory Used on the REPORT lines of its successful invocations, at
    least 10 of them) stays far below its memory size, recommends a size with headroom (never below 128 MB), and
    gives the saving at the observed rate if the duration stays as it is, with what it may become instead.

    ## Why is this bad?
    Lambda bills memory size × billed duration, whatever the function uses: 512 MB for a function that peaks at
    15 MB costs four times what 128 MB would. But CPU is allocated in proportion to memory (1,769 MB is one
    vCPU): a CPU-bound function runs up to size/target times longer at the smaller size, which saves nothing.
    The finding says both, and its confidence is medium when the cut takes away more than half the CPU share
    (low below 50 invocations, Compute Optimizer's minimum). Timed-out and killed invocations are left out: their
    peak says nothing about what the work needs. Re-measure duration after the change (AWS Lambda Power Tuning
    does this).

    ## Example
    ```text
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be4	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be5	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be6	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be7	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be8	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be9	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7bea	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7beb	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7bec	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 512 MB	Max Memory Used: 15 MB
    ```

    ## Use instead
    ```text
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be4	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be5	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be6	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be7	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be8	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be9	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7bea	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7beb	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7bec	Duration: 702.16 ms	Billed Duration: 800 ms	Memory Size: 128 MB	Max Memory Used: 15 MB
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
    - https://docs.aws.amazon.com/compute-optimizer/latest/ug/requirements.html (at least 50 invocations)
    """

    id = "LOG001"
    slug = "memory-overprovisioned"
    severity = Severity.INFO

    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        size = memory_of(stats, ctx)
        # Sized from the invocations that succeeded: a timed-out or killed one stopped at an arbitrary point, its
        # peak says nothing about what the work needs (and one that ran out of memory says the opposite).
        peak = stats.success_peak_mb
        if (not size or peak is None or stats.out_of_memory or stats.successes < ctx.threshold("memory_min_invocations")
                or peak >= size * ctx.threshold("memory_used_share")):
            return
        target = recommended_memory(peak, ctx)
        if target >= size:
            return
        billed_s = Decimal(str(stats.success_billed_ms_mean or stats.billed_ms_mean or 0)) / 1000
        saving_each = billed_s * Decimal(size - target) / MB_PER_GB * gb_second_price(ctx, architecture_of(stats, ctx))
        monthly = monthly_invocations(stats)
        if monthly is not None:
            money = f"saves up to {_usd(saving_each * monthly)} a month at the observed rate " \
                    f"({monthly:,.0f} invocations a month)"
        else:
            money = f"saves up to {_usd(saving_each * 1_000_000)} per million invocations (the logs carry no time " \
                    "span to project a month from)"
        # CPU is allocated in proportion to memory: 1,769 MB is one vCPU (DG, configuration-memory). A cut is
        # priced as if the duration stayed; a CPU-bound function takes up to size/target times longer, which at
        # the same GB-seconds saves nothing. Both ends are said, and a cut of the CPU share by more than half is
        # at most medium confidence.
        cpu_now, cpu_then = min(size, 10240) / VCPU_MB, target / VCPU_MB
        slower = size / target
        p50 = stats.success_p50_ms
        worst = f" (p50 {p50:,.0f} ms → up to {p50 * slower:,.0f} ms)" if p50 else ""
        cpu = (f"; CPU follows memory ({cpu_now:.2f} → {cpu_then:.2f} vCPU): if the work is CPU-bound it may run up "
               f"to {slower:.1f}× longer{worst}, which saves nothing, so the saving assumes the duration stays")
        few = stats.successes < ctx.threshold("confident_invocations")
        confidence = "low" if few else ("medium" if cpu_then < cpu_now / 2 else "high")
        yield self.report(
            stats, ctx,
            f"max memory used {peak:g} MB of {size} MB over {stats.successes:,} successful invocation"
            f"{'s' if stats.successes != 1 else ''}: {target} MB {money}{cpu}",
            f"set MemorySize to {target} (peak × {ctx.threshold('memory_headroom'):g} rounded up to 64 MB) and "
            "compare durations; AWS Lambda Power Tuning measures the trade-off",
            confidence=confidence,
        )


class MemoryPressure(LogRule):
    """
    ## What it does
    Flags a function that ran out of memory (`Runtime.OutOfMemory`, or a runtime killed at its memory size) or
    whose peak memory use reached 90 % of its size.

    ## Why is this bad?
    An out-of-memory invocation fails and its environment is thrown away: the next one is a cold start, and a
    queue or stream retries the same input into the same wall. Near the limit, a slightly larger input fails.

    ## Example
    ```text
    REPORT RequestId: 806ab12b-e660-4a4a-8d9a-eee01e457f98	Duration: 3762.59 ms	Billed Duration: 3763 ms	Memory Size: 1024 MB	Max Memory Used: 1024 MB	Status: error	Error Type: Runtime.OutOfMemory
    ```

    ## Use instead
    ```text
    REPORT RequestId: 806ab12b-e660-4a4a-8d9a-eee01e457f98	Duration: 3762.59 ms	Billed Duration: 3763 ms	Memory Size: 1536 MB	Max Memory Used: 1024 MB
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
    """

    id = "LOG002"
    slug = "memory-pressure"
    severity = Severity.ERROR

    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        size = memory_of(stats, ctx)
        peak = stats.max_memory_used_mb.get("max")
        if stats.out_of_memory:
            yield self.report(
                stats, ctx,
                f"{stats.out_of_memory:,} of {stats.invocations:,} invocations ran out of memory"
                + (f" at {size} MB" if size else ""),
                "raise MemorySize, or stream the input instead of loading it whole; find the request with "
                "`lambdoctor logs --request-id`")
        elif size and peak is not None and peak >= size * ctx.threshold("memory_pressure_share"):
            yield self.report(
                stats, ctx,
                f"peak memory use {peak:g} MB is {_pct(peak, size)} of the {size} MB size (p99 "
                f"{stats.max_memory_used_mb.get('p99')} MB): a larger input will run out of memory",
                "raise MemorySize so the peak stays below about 80 %")


class TimeoutsObserved(LogRule):
    """
    ## What it does
    Flags a function whose invocations timed out (`Task timed out after N seconds`, or `Status: timeout` on the
    REPORT line).

    ## Why is this bad?
    A timeout is a failure that still bills the full timeout. Work stops at an arbitrary point (half-written
    results), the environment is reset (the next invocation is cold), and queues and streams retry the input.

    ## Example
    ```text
    START RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47 Version: $LATEST
    2026-11-01T10:00:03.003Z 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47 Task timed out after 3.00 seconds
    END RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47
    REPORT RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47	Duration: 3000.00 ms	Billed Duration: 3000 ms	Memory Size: 128 MB	Max Memory Used: 52 MB
    ```

    ## Use instead
    ```text
    START RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47 Version: $LATEST
    END RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47
    REPORT RequestId: 2a5c9bbb-4d3b-4e86-9a0a-0c8f3cfdbf47	Duration: 412.20 ms	Billed Duration: 413 ms	Memory Size: 128 MB	Max Memory Used: 52 MB
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
    """

    id = "LOG003"
    slug = "timeouts-observed"
    severity = Severity.ERROR

    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        if stats.init_timeouts:
            # INIT_REPORT … Status: timeout: the init phase is capped at 10 s, then re-run inside the invocation
            yield self.report(
                stats, ctx,
                f"the init phase timed out {stats.init_timeouts:,} time(s) (INIT_REPORT Status: timeout; init is "
                "limited to 10 s, then re-run inside the next invocation, which pays for it)",
                "make the code outside the handler faster (lazy imports, no network calls at import); SnapStart or "
                "provisioned concurrency take init off the request path")
        if not stats.timeouts:
            return
        timeout, where = timeout_of(stats, ctx)
        yield self.report(
            stats, ctx,
            f"{stats.timeouts:,} of {stats.invocations:,} invocations ({_pct(stats.timeouts, stats.invocations)}) "
            f"timed out" + (f" at {timeout:g} s" if timeout else "")
            + (f" ({where})" if where.startswith("the logs'") else ""),
            "find what the slow invocations wait on (`lambdoctor logs --request-id`); set client timeouts on "
            "downstream calls below the function timeout, then raise the timeout only if the work needs it")


class DurationNearTimeout(LogRule):
    """
    ## What it does
    Flags a function whose p99 duration is at or above 80 % of its timeout (the template's, or the one the
    `Task timed out after N seconds` lines show).

    ## Why is this bad?
    The slowest invocations are one slow dependency away from timing out; the tail grows first under load.

    ## Example
    ```text
    REPORT RequestId: 5f0c8d0e-1d7a-4b0e-9f55-0e1f1c2a9a01	Duration: 2700.00 ms	Billed Duration: 2700 ms	Memory Size: 128 MB	Max Memory Used: 60 MB
    2026-11-01T10:00:03.003Z 0b9d5bde-6a59-4d52-8b2e-6b0b6f6f0e11 Task timed out after 3.00 seconds
    REPORT RequestId: 0b9d5bde-6a59-4d52-8b2e-6b0b6f6f0e11	Duration: 3000.00 ms	Billed Duration: 3000 ms	Memory Size: 128 MB	Max Memory Used: 60 MB
    ```

    ## Use instead
    ```text
    REPORT RequestId: 5f0c8d0e-1d7a-4b0e-9f55-0e1f1c2a9a01	Duration: 700.00 ms	Billed Duration: 700 ms	Memory Size: 128 MB	Max Memory Used: 60 MB
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
    """

    id = "LOG004"
    slug = "duration-near-timeout"
    severity = Severity.WARNING

    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        timeout, where = timeout_of(stats, ctx)
        p99 = stats.duration_ms.get("p99")
        if not timeout or p99 is None or p99 < timeout * 1000 * ctx.threshold("near_timeout_share"):
            return
        yield self.report(
            stats, ctx,
            f"p99 duration {p99:,.0f} ms is {_pct(p99, timeout * 1000)} of the {timeout:g} s timeout ({where}); "
            f"p90 {stats.duration_ms.get('p90') or 0:,.0f} ms, max {stats.duration_ms.get('max') or 0:,.0f} ms",
            "make the slow path faster (more memory also means more CPU) or raise the timeout with margin over p99")


class ColdStartHeavy(LogRule):
    """
    ## What it does
    Flags a function where cold starts (REPORT lines with Init Duration or Restore Duration) are at least 10 % of
    invocations over 20 or more invocations, or where the p95 init duration is a second or more.

    ## Why is this bad?
    Each cold start adds its init time to a request, and since 2025-08-01 that time is billed. Frequent cold
    starts mean bursts that outgrow warm environments, or environments recycled by deploys and errors.

    ## Example
    ```text
    REPORT RequestId: 1d3a0c55-0f8a-4a55-9a6e-52d0a8a9c001	Duration: 15.74 ms	Billed Duration: 1347 ms	Memory Size: 128 MB	Max Memory Used: 56 MB	Init Duration: 1330.49 ms
    ```

    ## Use instead
    ```text
    REPORT RequestId: 1d3a0c55-0f8a-4a55-9a6e-52d0a8a9c001	Duration: 15.74 ms	Billed Duration: 16 ms	Memory Size: 128 MB	Max Memory Used: 56 MB
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
    - https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/
    """

    id = "LOG005"
    slug = "cold-start-heavy"
    severity = Severity.INFO

    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        failed = stats.init_failures - stats.init_timeouts  # timeouts are LOG003's
        if failed > 0:
            yield self.report(
                stats, ctx,
                f"the init phase failed {failed:,} time(s) (INIT_REPORT Status: error)"
                + (f"; {stats.invocations:,} invocation(s) seen" if stats.invocations else
                   ": no invocation ran at all"),
                "read the INIT_REPORT Error Type and the lines before it: an import error, a missing environment "
                "variable or a crash at import fails every cold start, and each retry pays the init again",
                severity=Severity.ERROR)
        if not stats.cold_starts:
            return
        share = stats.cold_starts / stats.invocations
        p95 = stats.init_ms.get("p95") or 0.0
        frequent = stats.invocations >= ctx.threshold("cold_min_invocations") and share >= ctx.threshold("cold_share")
        slow = p95 >= ctx.threshold("init_p95_ms")
        if not (frequent or slow):
            return
        yield self.report(
            stats, ctx,
            f"{stats.cold_starts:,} cold start{'s' if stats.cold_starts != 1 else ''} in {stats.invocations:,} invocations ({_pct(share, 1)}); init p50 "
            f"{stats.init_ms.get('p50') or 0:,.0f} ms, p95 {p95:,.0f} ms",
            "move heavy imports and client creation out of the hot path only if they are needed; trim the package; "
            "for latency-sensitive functions consider SnapStart or provisioned concurrency")


class ErrorsWithoutFailure(LogRule):
    """
    ## What it does
    Flags `[ERROR]` records (Python `logging`, Node `ERROR`, JSON `"level":"ERROR"`) inside invocations that
    reported success: errors caught and logged instead of failing the invocation.

    ## Why is this bad?
    Lambda's Errors metric, retries, DLQs and on-failure destinations only see failed invocations. A handler that
    catches everything and logs it reports success: the message is deleted from the queue, nothing is retried and
    no alarm fires.

    ## Example
    ```text
    START RequestId: 9c7f2b4e-3f6a-4d58-8a61-2f1b7c9d0e21 Version: $LATEST
    [ERROR]	2026-11-01T10:00:00.120Z	9c7f2b4e-3f6a-4d58-8a61-2f1b7c9d0e21	could not save order 1842: ConditionalCheckFailedException
    END RequestId: 9c7f2b4e-3f6a-4d58-8a61-2f1b7c9d0e21
    REPORT RequestId: 9c7f2b4e-3f6a-4d58-8a61-2f1b7c9d0e21	Duration: 120.50 ms	Billed Duration: 121 ms	Memory Size: 128 MB	Max Memory Used: 60 MB
    ```

    ## Use instead
    ```text
    START RequestId: 9c7f2b4e-3f6a-4d58-8a61-2f1b7c9d0e21 Version: $LATEST
    [INFO]	2026-11-01T10:00:00.120Z	9c7f2b4e-3f6a-4d58-8a61-2f1b7c9d0e21	saved order 1842
    END RequestId: 9c7f2b4e-3f6a-4d58-8a61-2f1b7c9d0e21
    REPORT RequestId: 9c7f2b4e-3f6a-4d58-8a61-2f1b7c9d0e21	Duration: 120.50 ms	Billed Duration: 121 ms	Memory Size: 128 MB	Max Memory Used: 60 MB
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (Errors counts failed invocations)
    """

    id = "LOG006"
    slug = "errors-without-failure"
    severity = Severity.WARNING

    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        if not stats.invocations_with_error_lines:
            return
        yield self.report(
            stats, ctx,
            f"{stats.error_lines_in_success:,} error record{'s' if stats.error_lines_in_success != 1 else ''} in "
            f"{stats.invocations_with_error_lines:,} invocation{'s' if stats.invocations_with_error_lines != 1 else ''}"
            " that reported success: these failures reach no "
            "Errors metric, retry or DLQ",
            "re-raise after logging (or return batchItemFailures for the failed records) so Lambda sees the failure")


class LogCostExceedsCompute(LogRule):
    """
    ## What it does
    Flags a function whose CloudWatch Logs ingestion per invocation costs more than the invocation itself
    (request + billed duration), at the price table's first-tier rates.

    ## Why is this bad?
    Logs are billed per GB ingested ($0.50/GB in CloudWatch Logs Standard's first tier). A short function that
    logs whole events or runs at DEBUG can pay more for its logs than for its compute, and the bill grows with
    traffic, not with value.

    ## Example
    ```text
    START RequestId: 6b1f6a2e-8a3c-4c0e-9d6b-7c2d2b9e4f10 Version: $LATEST
    [DEBUG]	2026-11-01T10:00:00.010Z	6b1f6a2e-8a3c-4c0e-9d6b-7c2d2b9e4f10	event={"Records": [{"body": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]}
    END RequestId: 6b1f6a2e-8a3c-4c0e-9d6b-7c2d2b9e4f10
    REPORT RequestId: 6b1f6a2e-8a3c-4c0e-9d6b-7c2d2b9e4f10	Duration: 1.50 ms	Billed Duration: 2 ms	Memory Size: 128 MB	Max Memory Used: 40 MB
    ```

    ## Use instead
    ```text
    START RequestId: 6b1f6a2e-8a3c-4c0e-9d6b-7c2d2b9e4f10 Version: $LATEST
    END RequestId: 6b1f6a2e-8a3c-4c0e-9d6b-7c2d2b9e4f10
    REPORT RequestId: 6b1f6a2e-8a3c-4c0e-9d6b-7c2d2b9e4f10	Duration: 1.50 ms	Billed Duration: 2 ms	Memory Size: 128 MB	Max Memory Used: 40 MB
    ```

    ## References
    - https://aws.amazon.com/cloudwatch/pricing/
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html (log levels)
    """

    id = "LOG007"
    slug = "log-cost-exceeds-compute"
    severity = Severity.WARNING

    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        size = memory_of(stats, ctx)
        if not stats.invocations or not size:
            return
        per_invocation_bytes = Decimal(stats.log_bytes) / stats.invocations
        log_cost = per_invocation_bytes / BYTES_PER_GB * ctx.prices.logs_ingestion_tiers["standard"][0][1]
        billed_s = Decimal(str(stats.billed_ms_mean or 0)) / 1000
        compute = (billed_s * Decimal(size) / MB_PER_GB * gb_second_price(ctx, architecture_of(stats, ctx))
                   + ctx.prices.request_usd)
        if log_cost <= compute:
            return
        million = Decimal(1_000_000)
        platform = Decimal(stats.platform_bytes) / stats.invocations
        application = per_invocation_bytes - platform
        whose = (f" ({platform:,.0f} of them Lambda's own START/REPORT records, {application:,.0f} the function's)"
                 if platform else "")
        if platform >= application and stats.json_format:
            # the system log level drops platform records; the application level cannot (DG, "Log-level filtering")
            fix = ("most of the volume is Lambda's own records: set LoggingConfig.SystemLogLevel to WARN (platform "
                   "start and report records are not written; Duration and Errors stay in CloudWatch metrics, but "
                   "REPORT-based analysis such as this one loses its input), or send logs to the Infrequent Access "
                   "class")
        elif platform >= application:
            fix = ("most of the volume is Lambda's own START/END/REPORT lines, which the text format cannot turn off: "
                   "with LoggingConfig.LogFormat JSON, SystemLogLevel WARN drops them (REPORT-based analysis then "
                   "loses its input), or send logs to the Infrequent Access class")
        else:
            fix = ("log less per invocation: raise the level to INFO/WARN (LoggingConfig.ApplicationLogLevel), drop "
                   "whole event dumps, or send logs to the Infrequent Access class")
        yield self.report(
            stats, ctx,
            f"{per_invocation_bytes:,.0f} bytes of logs per invocation{whose} cost {_usd(log_cost * million)} per "
            f"million invocations, more than the function's own {_usd(compute * million)} (requests + duration)",
            fix)


class SteadyLoadCheaperOnServers(LogRule):
    """
    ## What it does
    With `--always-on-usd`, flags a function whose observed load is steady (a day or more of hourly counts, no
    hour below half of the median) and whose monthly Lambda cost at that rate exceeds the always-on alternative.

    ## Why is this bad?
    Lambda's price is for elasticity. A flat, high load pays the premium all month: in the source articles,
    100 requests a second at 1 s and 512 MB cost about $2,210 a month on Lambda against $815 on ten servers.

    ## Example
    ```text
    (a week of logs at a steady 100 invocations a second, 1000 ms, 512 MB; --always-on-usd 815)
    ```

    ## Use instead
    ```text
    (the same load with bursts and idle hours, or a lower rate)
    ```

    ## References
    - https://aws.amazon.com/lambda/pricing/
    """

    id = "COST003"
    slug = "steady-load-cheaper-on-servers"
    severity = Severity.INFO
    confidence = "medium"
    confidence_note = ("the break-even is a projection from the given load, not a measurement")

    def check(self, stats: FunctionStats, ctx: LogContext) -> Iterator[Finding]:
        size = memory_of(stats, ctx)
        hours = list(ctx.hourly.get(stats.function, ()))
        monthly = monthly_invocations(stats)
        if ctx.always_on_usd is None or not size or monthly is None or len(hours) < ctx.threshold("steady_hours"):
            return
        median = sorted(hours)[len(hours) // 2]
        if not median or min(hours) < median * ctx.threshold("steady_floor"):
            return
        billed_s = Decimal(str(stats.billed_ms_mean or 0)) / 1000
        lambda_monthly = monthly * (billed_s * Decimal(size) / MB_PER_GB
                                    * gb_second_price(ctx, architecture_of(stats, ctx)) + ctx.prices.request_usd)
        if lambda_monthly <= ctx.always_on_usd:
            return
        yield self.report(
            stats, ctx,
            f"steady load (every hour of {len(hours)} within 50 % of the median {median:,} invocations): "
            f"{_usd(lambda_monthly)} a month on Lambda against {_usd(ctx.always_on_usd)} always on, "
            f"{_usd((lambda_monthly - ctx.always_on_usd) * 12)} a year more",
            "for a flat, predictable load compare a container or instance service (or Compute Savings Plans); "
            "keep Lambda where the load is bursty")


LOG_RULES: tuple[type[LogRule], ...] = (
    MemoryOverprovisioned, MemoryPressure, TimeoutsObserved, DurationNearTimeout, ColdStartHeavy,
    ErrorsWithoutFailure, LogCostExceedsCompute, SteadyLoadCheaperOnServers,
)
