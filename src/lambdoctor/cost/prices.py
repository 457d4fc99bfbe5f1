"""Dated price tables: which prices applied in a region on a given date.

A region's file lists periods; each period holds only what changed on its ``from`` date and inherits the rest from
the one before, so "the prices of June 2019" and "today's prices" come from the same data. Amounts are kept as
decimal strings and read as ``Decimal``: money is never a float here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

ARCHITECTURES = ("x86_64", "arm64")
LOG_CLASSES = ("standard", "infrequent_access")

# A tier is (upper bound of the monthly quantity or None for "everything above", unit price).
Tiers = tuple[tuple[Decimal | None, Decimal], ...]


class PriceError(ValueError):
    """A region or date for which no prices are known; the message says what is known."""


@dataclass(frozen=True)
class PriceTable:
    region: str
    effective: date  # the start of the newest period that applies
    billing_granularity_ms: int
    init_billed: bool
    request_usd: Decimal  # per request
    duration_tiers: dict[str, Tiers]  # per architecture, per GB-second
    provisioned_usd_per_gb_s: dict[str, Decimal]
    provisioned_duration_usd_per_gb_s: dict[str, Decimal]
    ephemeral_usd_per_gb_s: Decimal
    free_requests: int
    free_gb_seconds: Decimal
    logs_ingestion_tiers: dict[str, Tiers]  # per log class, per GB (10^9 bytes)
    logs_storage_usd_per_gb_month: Decimal
    snapstart_cache_usd_per_gb_s: Decimal | None
    snapstart_restore_usd_per_gb: Decimal | None
    sources: tuple[str, ...]


def known_regions() -> list[str]:
    folder = resources.files("lambdoctor.data") / "prices"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def _tiers(raw: list[list[str | None]]) -> Tiers:
    return tuple((Decimal(bound) if bound is not None else None, Decimal(str(price))) for bound, price in raw)


def _document(region: str) -> dict[str, Any]:
    if region not in known_regions():
        raise PriceError(f"no prices for region {region!r} yet (known: {', '.join(known_regions())}); Lambda prices "
                         "differ by region, so another region's figures would be wrong")
    path = resources.files("lambdoctor.data") / "prices" / f"{region}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def table(region: str = "us-east-1", on: date | None = None) -> PriceTable:
    """The prices in force in ``region`` on ``on`` (default: the newest period)."""
    periods = sorted(_document(region)["periods"], key=lambda p: p["from"])
    first = date.fromisoformat(periods[0]["from"])
    if on is not None and on < first:
        raise PriceError(f"no prices before {first.isoformat()} in {region}")
    merged: dict[str, Any] = {}
    sources: list[str] = []
    effective = first
    for period in periods:
        start = date.fromisoformat(period["from"])
        if on is not None and start > on:
            break
        merged.update({k: v for k, v in period.items() if k not in ("from", "what_changed", "sources")})
        sources.extend(period.get("sources", []))
        effective = start
    free = merged["free_tier"]
    return PriceTable(
        region=region,
        effective=effective,
        billing_granularity_ms=int(merged["billing_granularity_ms"]),
        init_billed=bool(merged["init_billed"]),
        request_usd=Decimal(merged["request_usd_per_million"]) / Decimal(1_000_000),
        duration_tiers={arch: _tiers(raw) for arch, raw in merged["duration_tiers"].items()},
        provisioned_usd_per_gb_s={a: Decimal(v) for a, v in merged["provisioned_usd_per_gb_s"].items()},
        provisioned_duration_usd_per_gb_s={a: Decimal(v) for a, v in
                                           merged["provisioned_duration_usd_per_gb_s"].items()},
        ephemeral_usd_per_gb_s=Decimal(merged["ephemeral_usd_per_gb_s"]),
        free_requests=int(free["requests"]),
        free_gb_seconds=Decimal(free["gb_seconds"]),
        logs_ingestion_tiers={c: _tiers(raw) for c, raw in merged["logs_ingestion_tiers"].items()},
        logs_storage_usd_per_gb_month=Decimal(merged["logs_storage_usd_per_gb_month"]),
        snapstart_cache_usd_per_gb_s=(Decimal(merged["snapstart_cache_usd_per_gb_s"])
                                      if "snapstart_cache_usd_per_gb_s" in merged else None),
        snapstart_restore_usd_per_gb=(Decimal(merged["snapstart_restore_usd_per_gb"])
                                      if "snapstart_restore_usd_per_gb" in merged else None),
        sources=tuple(sources),
    )


def parse_price_date(text: str) -> date:
    """``YYYY-MM`` (the first of that month) or ``YYYY-MM-DD``."""
    value = text.strip()
    try:
        return date.fromisoformat(value + "-01" if len(value) == 7 else value)
    except ValueError:
        raise PriceError(f"{text!r} is not a price date (YYYY-MM or YYYY-MM-DD)") from None


def tiered(quantity: Decimal, tiers: Tiers) -> Decimal:
    """The price of a monthly quantity under volume tiers (each tier's price applies to the part within it)."""
    total = Decimal(0)
    lower = Decimal(0)
    for upper, price in tiers:
        if quantity <= lower:
            break
        top = quantity if upper is None else min(quantity, upper)
        total += (top - lower) * price
        if upper is None:
            break
        lower = upper
    return total
