"""The cost engine reproduces the source articles' figures to the cent (../shared/sources.md), by price date."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from lambdoctor.cli import main
from lambdoctor.cost import prices
from lambdoctor.cost.model import Workload, estimate, invocations_from_tps
from lambdoctor.units import cents

P2019 = prices.table("us-east-1", date(2019, 6, 1))


def monthly(invocations: int | Decimal, memory: int, duration_ms: str, **kw: object) -> Decimal:
    return cents(estimate(Workload(Decimal(invocations), memory, duration_ms=Decimal(duration_ms), **kw),  # type: ignore[arg-type]
                          P2019).total)


def test_figure_1_report_line_rounded_to_100_ms_in_2019() -> None:
    # 702.16 ms was billed as 800 ms under 2019's 100 ms granularity.
    e = estimate(Workload(Decimal(100_000_000), 128, duration_ms=Decimal("702.16")), P2019)
    assert e.billed_ms == 800
    assert cents(e.total) == Decimal("186.67")
    assert monthly(100_000_000, 512, "702.16") == Decimal("686.67")
    # Per year: the article's $2,240 vs $8,240 (it rounds to the dollar; 512 MB is $8,240.02 to the cent because
    # $0.0000166667 is itself a rounded price).
    assert cents(e.total * 12) == Decimal("2240.00")
    assert round(monthly(100_000_000, 512, "702.16") * 12) == 8240
    # Today's 1 ms billing charges the 702.16 ms as 703 ms.
    assert estimate(Workload(Decimal(1), 128, duration_ms=Decimal("702.16")), prices.table()).billed_ms == 703


@pytest.mark.parametrize(("billed", "expected"), [
    ("100", ("105.76", "267.63", "483.47")),
    ("500", ("321.59", "1130.97", "2210.14")),
    ("1000", ("591.38", "2210.14", "4368.48")),
])
def test_figure_2_the_100_tps_table(billed: str, expected: tuple[str, str, str]) -> None:
    # The article uses 259,000,000 invocations a month for 100 TPS (100 × 2,592,000 s = 259.2 M, rounded).
    got = tuple(str(monthly(259_000_000, m, billed)) for m in (128, 512, 1024))
    assert got == expected


def test_figure_2_against_ten_servers() -> None:
    lam = monthly(259_000_000, 512, "1000")
    # $2,210.14 vs $815: the article's $16,740 a year is (2,210 − 815) × 12 with the monthly figure rounded first.
    assert (round(lam) - 815) * 12 == 16_740
    assert (lam - 815) * 12 == Decimal("16741.68")


@pytest.mark.parametrize(("tps", "kb", "expected"), [
    (1, 128, "165.89"), (1, 256, "331.78"), (10, 128, "1658.88"), (10, 256, "3317.76"),
    (100, 128, "16588.80"), (100, 256, "33177.60"),
    # The article's 1 KB column says $13 / $130 / $1,296: ten times too high. 1 KB × 2,592,000 s = 2.592 GB at
    # $0.50/GB is $1.296 a month at 1 TPS, so the right values are $1.30 / $12.96 / $129.60.
    (1, 1, "1.30"), (10, 1, "12.96"), (100, 1, "129.60"),
])
def test_figure_3_cloudwatch_logs_ingestion(tps: int, kb: int, expected: str) -> None:
    e = estimate(Workload(invocations_from_tps(Decimal(tps)), 128, log_bytes=Decimal(kb * 1000)), P2019)
    assert cents(e.breakdown["logs"]) == Decimal(expected)
    assert round(e.breakdown["logs"]) == round(Decimal(expected))  # the article's whole dollars for 128/256 KB


def test_figure_4_provisioned_concurrency() -> None:
    # 100 × 1 GB for a 720-hour month at $0.0000041667 per GB-s: $1,080.01 ("about $1,080").
    e = estimate(Workload(Decimal(0), 1024, provisioned=100), P2019)
    assert cents(e.breakdown["provisioned"]) == Decimal("1080.01")


def test_tiers_free_tier_arm_and_dates() -> None:
    today = prices.table()
    assert today.effective == date(2025, 8, 1) and today.init_billed and today.billing_granularity_ms == 1
    # 10 B GB-s on x86: 6 B at tier 1, 4 B at tier 2.
    w = Workload(Decimal(10_000_000_000), 1024, duration_ms=Decimal(1000))
    assert cents(estimate(w, today).breakdown["compute"]) == Decimal("160000.20")
    assert cents(estimate(Workload(Decimal(1_000_000), 1024, duration_ms=Decimal(400), free_tier=True),
                          today).total) == Decimal("0.00")
    with pytest.raises(ValueError, match="arm64 began 2021-09-29"):
        estimate(Workload(Decimal(1), 128, duration_ms=Decimal(1), architecture="arm64"), P2019)
    assert prices.table(on=date(2021, 1, 1)).billing_granularity_ms == 1
    # Lambda's vended logs are tiered since 2025-05-01: 60 TB a month costs $12,500 (Duckbill's cross-check).
    sixty_tb = estimate(Workload(Decimal(60_000), 128, log_bytes=Decimal(10) ** 9), today)
    assert cents(sixty_tb.breakdown["logs"]) == Decimal("12500.00")


def test_init_billing_since_august_2025() -> None:
    w = Workload(Decimal(1_000_000), 1024, duration_ms=Decimal("15.74"), init_ms=Decimal("130.49"),
                 cold_start_rate=Decimal(1))
    assert estimate(w, prices.table()).billed_ms == 147  # facts.md §2.1: 15.74 + 130.49 rounds up to 147
    assert estimate(w, prices.table(on=date(2025, 7, 1))).billed_ms == 16


def test_other_regions_are_refused_with_a_reason() -> None:
    with pytest.raises(prices.PriceError, match="no prices for region 'eu-west-1'"):
        prices.table("eu-west-1")


def test_cli_json_and_sweep() -> None:
    result = CliRunner().invoke(main, ["cost", "--invocations", "259000000", "--duration-ms", "1000",
                                       "--memory", "128,512,1024", "--prices", "2019-06", "--format", "json",
                                       "--always-on-usd", "815"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["monthly_total_usd"] == 591.38
    assert set(doc["breakdown"]) == {"requests", "compute", "provisioned", "storage", "logs"}
    assert [e["monthly_total_usd"] for e in doc["estimates"]] == [591.38, 2210.14, 4368.48]
    assert doc["compared"][1]["yearly_difference_usd"] == 16741.65  # unrounded monthly × 12
    bad = CliRunner().invoke(main, ["cost", "--invocations", "1", "--duration-ms", "1", "--region", "eu-west-1"])
    assert bad.exit_code == 2 and "no prices for region 'eu-west-1'" in bad.output
