"""What a Lambda workload costs in a month, in Decimal, broken down the way the bill is.

A month is 30 days (2,592,000 s, 720 h), as in the source articles' tables; "per second" rates (``--tps``) and
provisioned-concurrency hours are converted with it. Memory in GB-seconds uses 1 GB = 1024 MB; log volume uses
1 GB = 10^9 bytes (AWS bills data in decimal gigabytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from lambdoctor.cost.prices import PriceTable, tiered
from lambdoctor.units import BYTES_PER_GB, MB_PER_GB, MONTH_HOURS, MONTH_SECONDS, cents

FREE_LOG_BYTES = 5 * BYTES_PER_GB  # CloudWatch free tier: 5 GB a month


@dataclass(frozen=True)
class Workload:
    invocations: Decimal  # per month
    memory_mb: int
    duration_ms: Decimal = Decimal(0)  # measured duration of one invocation (billed duration is derived)
    billed_ms: Decimal | None = None  # observed average billed duration (REPORT lines): used as is when given
    architecture: str = "x86_64"
    init_ms: Decimal = Decimal(0)  # average init duration of a cold start
    cold_start_rate: Decimal = Decimal(0)  # share of invocations that are cold
    ephemeral_mb: int = 512
    log_bytes: Decimal = Decimal(0)  # CloudWatch Logs bytes written per invocation
    log_class: str = "standard"
    provisioned: int = 0  # provisioned-concurrency environments
    provisioned_hours: Decimal = MONTH_HOURS
    snapstart_versions: int = 0  # published versions with SnapStart (Python/.NET pricing)
    free_tier: bool = False


@dataclass(frozen=True)
class Estimate:
    workload: Workload
    prices: PriceTable
    billed_ms: Decimal  # average billed duration per invocation
    gb_seconds: Decimal  # on-demand duration GB-seconds (before the free tier)
    breakdown: dict[str, Decimal] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum(self.breakdown.values(), Decimal(0))


def _round_up(ms: Decimal, granularity: int) -> Decimal:
    g = Decimal(granularity)
    return (ms / g).to_integral_value(rounding=ROUND_CEILING) * g


def billed_duration(w: Workload, prices: PriceTable) -> Decimal:
    """Average billed milliseconds per invocation under the price period's granularity and INIT billing."""
    if w.billed_ms is not None:
        return w.billed_ms
    warm = _round_up(w.duration_ms, prices.billing_granularity_ms)
    if not prices.init_billed or not w.cold_start_rate or not w.init_ms:
        return warm
    # Since 2025-08-01 a cold invocation is billed for init + duration, rounded up together.
    cold = _round_up(w.duration_ms + w.init_ms, prices.billing_granularity_ms)
    return warm + (cold - warm) * w.cold_start_rate


def estimate(w: Workload, prices: PriceTable) -> Estimate:
    if w.architecture not in prices.duration_tiers:
        raise ValueError(f"no {w.architecture} prices on {prices.effective.isoformat()} (arm64 began 2021-09-29)")
    if w.log_class not in prices.logs_ingestion_tiers:
        raise ValueError(f"unknown log class {w.log_class!r}")
    notes: list[str] = []
    gb = Decimal(w.memory_mb) / MB_PER_GB
    billed = billed_duration(w, prices)
    seconds = billed / Decimal(1000)

    # Invocations served by provisioned concurrency pay its lower duration rate instead of the on-demand one.
    served_by_pc = Decimal(0)
    provisioned_cost = Decimal(0)
    if w.provisioned:
        hours = min(w.provisioned_hours, MONTH_HOURS)
        provisioned_cost = (Decimal(w.provisioned) * gb * hours * 3600
                            * prices.provisioned_usd_per_gb_s[w.architecture])
        needed = w.invocations / MONTH_SECONDS * seconds  # Little's law: average concurrency in use
        share = Decimal(1) if needed <= w.provisioned else Decimal(w.provisioned) / needed
        served_by_pc = w.invocations * share * hours / MONTH_HOURS
        provisioned_cost += (served_by_pc * seconds * gb
                             * prices.provisioned_duration_usd_per_gb_s[w.architecture])
        notes.append(f"{cents(share * hours / MONTH_HOURS * 100)} % of invocations assumed served by provisioned "
                     "concurrency (steady arrivals)")

    on_demand = w.invocations - served_by_pc
    gb_seconds = on_demand * seconds * gb
    billable_gb_s = gb_seconds
    requests = w.invocations
    if w.free_tier:
        billable_gb_s = max(Decimal(0), gb_seconds - prices.free_gb_seconds)
        requests = max(Decimal(0), requests - prices.free_requests)
        notes.append("free tier applied (1M requests and 400,000 GB-s a month; not to provisioned concurrency)")

    storage = Decimal(0)
    if w.ephemeral_mb > 512:
        storage = (w.invocations * seconds * Decimal(w.ephemeral_mb - 512) / MB_PER_GB
                   * prices.ephemeral_usd_per_gb_s)

    log_volume = w.invocations * w.log_bytes
    if w.free_tier:
        log_volume = max(Decimal(0), log_volume - FREE_LOG_BYTES)
    logs = tiered(log_volume / BYTES_PER_GB, prices.logs_ingestion_tiers[w.log_class])

    breakdown = {
        "requests": requests * prices.request_usd,
        "compute": tiered(billable_gb_s, prices.duration_tiers[w.architecture]),
        "provisioned": provisioned_cost,
        "storage": storage,
        "logs": logs,
    }
    if w.snapstart_versions:
        if prices.snapstart_cache_usd_per_gb_s is None or prices.snapstart_restore_usd_per_gb is None:
            raise ValueError(f"no SnapStart prices on {prices.effective.isoformat()} (Python/.NET: 2024-11-18)")
        cache = Decimal(w.snapstart_versions) * gb * MONTH_SECONDS * prices.snapstart_cache_usd_per_gb_s
        restores = w.invocations * w.cold_start_rate * gb * prices.snapstart_restore_usd_per_gb
        breakdown["snapstart"] = cache + restores
    return Estimate(w, prices, billed, gb_seconds, breakdown, tuple(notes))


def invocations_from_tps(tps: Decimal) -> Decimal:
    return tps * MONTH_SECONDS
