"""``lambdoctor simulate --capacity``: how much concurrency a traffic profile needs, vectorized over every
invocation of a month.

Each invocation is drawn (numpy, seeded): arrivals are a Poisson process whose rate follows the profile (flat, or
diurnal: a sine over the day with the given peak/mean ratio), counted per 10 ms bin; each arrival gets a duration
from the distribution (log-normal through the given p50 and p99, or resampled from durations observed in logs),
capped at the timeout. Concurrency at a bin is the invocations started and not yet ended. The month is cut into
hours; hours are drawn on two threads (numpy releases the GIL) and joined by carrying the invocations still
running into the next hour.

Derived, with their approximations said:
- throttles at the limit L (reserved concurrency, else the account's quota), for synchronous callers: a
  throttled request is refused and holds nothing, so the function is a loss system and the share refused is Erlang's
  B formula for L servers and the offered load (the rate times the mean duration) — exact for Poisson arrivals
  whatever the duration distribution, applied second by second as the rate changes. (Asynchronous events and
  queue messages are retried instead; their throttles are this many first attempts.) The concurrency reported is
  what the traffic asks for, before the limit;
- cold starts: Lambda keeps an idle environment for a while (not documented; minutes — ``idle_minutes``) and
  provisioned environments always: environments warm at a minute are the peak of the previous ``idle_minutes``
  minutes (at least the provisioned ones), and each minute's peak above that starts new ones (churn inside one
  minute is not counted, nor environments recycled after hours of life);
- connections held downstream: one per live environment (the warm pool), against ``connections``.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

BIN_MS = 10
CHUNK_S = 3600
Z99 = 2.3263478740408408  # the standard normal's 99th percentile


@dataclass(frozen=True)
class CapacityInput:
    tps: float
    days: float = 30.0
    profile: str = "flat"  # "flat" or "diurnal"
    peak_factor: float = 2.0  # diurnal: the peak rate over the mean rate (1 to 2)
    p50_ms: float = 100.0
    p99_ms: float = 1000.0
    observed_ms: tuple[float, ...] = ()  # durations from logs: resampled instead of the log-normal
    timeout_s: float = 900.0
    account_limit: int = 1000
    reserved: int | None = None
    provisioned: int = 0
    idle_minutes: int = 10
    connections: int | None = None
    seed: int = 0


def _rates(inp: CapacityInput, start_s: int, seconds: int) -> npt.NDArray[np.float64]:
    t = np.arange(start_s, start_s + seconds, dtype=np.float64)
    if inp.profile == "diurnal":
        amplitude = min(1.0, max(0.0, inp.peak_factor - 1.0))
        # lowest at 03:00 and highest at 15:00, mean = tps
        return inp.tps * (1.0 + amplitude * np.sin(2 * math.pi * (t / 86400.0 - 0.375)))
    return np.full(seconds, inp.tps)


TABLE_BITS = 16


def _duration_table(inp: CapacityInput) -> npt.NDArray[np.int32]:
    """Durations in bins at 2^16 evenly spaced quantiles: one random index draws a duration (inverse CDF)."""
    p = (np.arange(1 << TABLE_BITS, dtype=np.float64) + 0.5) / (1 << TABLE_BITS)
    if inp.observed_ms:
        ms = np.quantile(np.asarray(inp.observed_ms, dtype=np.float64), p)
    else:
        from statistics import NormalDist

        mu = math.log(inp.p50_ms)
        sigma = max(0.0, (math.log(inp.p99_ms) - mu) / Z99)
        z = np.array([NormalDist().inv_cdf(float(x)) for x in p[:: 1 << 6]])  # 1,024 knots, interpolated
        ms = np.exp(mu + sigma * np.interp(p, p[:: 1 << 6], z))
    ms = np.minimum(ms, inp.timeout_s * 1000)
    # an invocation occupies the bins [start, start + its duration), rounded; at least one bin
    return np.maximum(np.rint(ms / BIN_MS), 1).astype(np.int32)


@dataclass
class _Hour:
    starts: npt.NDArray[np.int64]  # arrivals per bin
    ended: npt.NDArray[np.int64]  # ends per bin, over the hour and the bins after it (at most the timeout)
    arrivals: int


def _draw(inp: CapacityInput, table: npt.NDArray[np.int32], index: int, seconds: int, tail: int) -> _Hour:
    rng = np.random.default_rng([inp.seed, index])
    per_s = 1000 // BIN_MS
    bins = seconds * per_s
    counts = rng.poisson(_rates(inp, index * CHUNK_S, seconds))
    n = int(counts.sum())
    # one 32-bit draw per arrival: its bin within the second (low bits) and its duration (high bits)
    r = rng.integers(0, 1 << 32, n, dtype=np.uint32)
    start = np.repeat(np.arange(0, bins, per_s, dtype=np.int32), counts)
    start += (r & 0xFFFF).astype(np.int32) % per_s
    ends = table[r >> (32 - TABLE_BITS)]
    ends += start
    return _Hour(np.bincount(start, minlength=bins), np.bincount(ends, minlength=bins + tail), n)


@dataclass
class _HourStats:
    minute_peaks: npt.NDArray[np.int64]
    histogram: npt.NDArray[np.int64]


def erlang_b(servers: int, offered: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The share of arrivals refused by ``servers`` busy-or-refuse servers at each offered load (Erlangs),
    by the stable recursion B(k) = A B(k-1) / (k + A B(k-1))."""
    b = np.ones_like(offered)
    for k in range(1, servers + 1):
        b = offered * b / (k + offered * b)
    return b


def _throttles(inp: CapacityInput, table: npt.NDArray[np.int32], limit: int, total_s: int) -> float:
    mean_s = float(table.mean()) * BIN_MS / 1000
    offered = _rates(inp, 0, total_s) * mean_s
    grid = np.linspace(0.0, float(offered.max()), 4097)
    return float(np.sum(_rates(inp, 0, total_s) * np.interp(offered, grid, erlang_b(limit, grid))))


def _measure(hour: _Hour, spill: npt.NDArray[np.int64], in_flight: int) -> _HourStats:
    bins = len(hour.starts)
    delta = hour.starts - hour.ended[:bins]
    delta[: len(spill)] -= spill
    c = np.cumsum(delta)
    c += in_flight
    per_min = 60 * 1000 // BIN_MS
    usable = bins - bins % per_min
    peaks = c[:usable].reshape(-1, per_min).max(axis=1)
    if usable < bins:
        peaks = np.append(peaks, c[usable:].max())
    return _HourStats(peaks, np.bincount(c))


def plan(inp: CapacityInput, workers: int = 2) -> dict[str, Any]:
    total_s = round(inp.days * 86400)
    chunks = [(i, min(CHUNK_S, total_s - i * CHUNK_S)) for i in range(math.ceil(total_s / CHUNK_S))]
    tail = math.ceil(inp.timeout_s * 1000 / BIN_MS) + 1
    table = _duration_table(inp)
    limit = inp.reserved if inp.reserved is not None else inp.account_limit
    invocations = 0
    hist = np.zeros(1, dtype=np.int64)
    minute_peaks: list[npt.NDArray[np.int64]] = []
    spill = np.zeros(0, dtype=np.int64)  # ends that ran over from the previous hour
    in_flight = 0
    batch = 4 * max(1, workers)  # hours in memory at once (~6 MB each at 100 TPS)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for first in range(0, len(chunks), batch):
            hours = list(pool.map(lambda c: _draw(inp, table, c[0], c[1], tail), chunks[first:first + batch]))
            jobs = []
            for hour in hours:  # carry the invocations still running into the next hour
                bins = len(hour.starts)
                jobs.append((hour, spill, in_flight))
                in_flight += hour.arrivals - int(hour.ended[:bins].sum()) - int(spill.sum())
                spill = hour.ended[bins:]
                if len(spill) > bins and first + len(jobs) < len(chunks):
                    raise ValueError("a timeout longer than an hour")
            for m in pool.map(lambda a: _measure(*a), jobs):
                if len(m.histogram) > len(hist):
                    hist = np.concatenate([hist, np.zeros(len(m.histogram) - len(hist), dtype=np.int64)])
                hist[: len(m.histogram)] += m.histogram
                minute_peaks.append(m.minute_peaks)
            invocations += sum(h.arrivals for h in hours)
    peaks = np.minimum(np.concatenate(minute_peaks), limit) if minute_peaks else np.zeros(1, dtype=np.int64)
    return _summary(inp, invocations, peaks, hist, _throttles(inp, table, limit, total_s), limit)


def _summary(inp: CapacityInput, invocations: int, peaks: npt.NDArray[np.int64], hist: npt.NDArray[np.int64],
             throttled: float, limit: int) -> dict[str, Any]:
    k = max(1, inp.idle_minutes)
    padded = np.concatenate([np.zeros(k, dtype=np.int64), peaks])
    warm = np.lib.stride_tricks.sliding_window_view(padded, k)[:-1].max(axis=1)
    warm = np.maximum(warm, min(inp.provisioned, limit))
    cold = np.maximum(peaks - warm, 0)
    alive = np.maximum(warm, peaks)
    cdf = np.cumsum(hist) / max(1, int(hist.sum()))

    def q(p: float) -> int:
        return int(np.searchsorted(cdf, p)) if len(cdf) else 0

    out: dict[str, Any] = {
        "invocations": invocations,
        "days": inp.days,
        "mean_tps": round(invocations / (inp.days * 86400), 3) if inp.days else 0.0,
        "limit": limit,
        "concurrency": {"mean": round(float(np.dot(np.arange(len(hist)), hist)) / max(1, int(hist.sum())), 2),
                        "p50": q(0.5), "p99": q(0.99), "p999": q(0.999), "max": int(len(hist) - 1)},
        "throttles": round(throttled),
        "throttle_rate": round(throttled / invocations, 6) if invocations else 0.0,
        "cold_starts": int(cold.sum()),
        "cold_start_rate": round(float(cold.sum()) / invocations, 6) if invocations else 0.0,
        "environments": {"peak": int(alive.max()), "p50": int(np.median(alive))},
        "connections": {"peak": int(alive.max()), "p50": int(np.median(alive))},
    }
    if inp.connections is not None:
        out["connections"]["limit"] = inp.connections
        out["connections"]["minutes_over_limit"] = int(np.sum(alive > inp.connections))
    if inp.provisioned:
        out["provisioned"] = inp.provisioned
        out["minutes_over_provisioned"] = int(np.sum(peaks > inp.provisioned))
    return out
