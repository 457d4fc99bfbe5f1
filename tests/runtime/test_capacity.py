"""lambdoctor simulate --capacity: the vectorized month checked against queueing theory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from lambdoctor.runtime.capacity import CapacityInput, plan


def _erlang_b(servers: int, offered: float) -> float:
    b = 1.0
    for k in range(1, servers + 1):
        b = offered * b / (k + offered * b)
    return b


def _cli(*args: str) -> tuple[int, str, str]:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", *args], capture_output=True, text=True,
                         timeout=120)
    return out.returncode, out.stdout, out.stderr


def test_constant_durations_give_poisson_concurrency_and_erlang_b_throttles() -> None:
    # 100 arrivals/s lasting exactly 1 s: the number in flight at any time is Poisson(100)
    r = plan(CapacityInput(tps=100, days=1, p50_ms=1000, p99_ms=1000, reserved=100))
    assert 8_600_000 < r["invocations"] < 8_680_000  # 8.64 million expected
    c = r["concurrency"]
    assert abs(c["mean"] - 100) < 0.5  # Little's law: rate x duration
    assert 99 <= c["p50"] <= 101 and 123 <= c["p99"] <= 125  # Poisson(100): median 100, 99th percentile 124
    # a synchronous function limited to 100 refuses Erlang B(100, 100 Erlangs) of its requests
    assert abs(r["throttle_rate"] - _erlang_b(100, 100.0)) < 0.0005
    assert r["environments"]["peak"] == 100 and r["cold_starts"] >= 100


def test_little_law_holds_for_log_normal_durations_and_the_result_is_seeded() -> None:
    given = CapacityInput(tps=50, days=0.25, p50_ms=120, p99_ms=900, seed=3)
    one, two = plan(given, workers=1), plan(given, workers=2)
    assert one == two  # the hours are drawn from their own seeds: threads change nothing
    # log-normal through p50 120 ms and p99 900 ms: mean = 120 * exp(sigma^2 / 2), sigma = ln(900/120) / 2.326
    mean_ms = 120 * 2.718281828 ** (((2.0149030205 / 2.3263478740) ** 2) / 2)
    assert abs(one["concurrency"]["mean"] - 50 * mean_ms / 1000) < 0.2
    assert plan(CapacityInput(tps=50, days=0.25, p50_ms=120, p99_ms=900, seed=4)) != one


def test_provisioned_environments_absorb_cold_starts_and_limits_cap_connections() -> None:
    base = CapacityInput(tps=20, days=0.5, p50_ms=200, p99_ms=2000, profile="diurnal")
    plain = plan(base)
    assert plain["cold_starts"] > 0
    covered = plan(CapacityInput(**{**base.__dict__, "provisioned": plain["concurrency"]["max"]}))
    assert covered["cold_starts"] == 0 and covered["minutes_over_provisioned"] == 0
    capped = plan(CapacityInput(**{**base.__dict__, "reserved": 5, "connections": 4}))
    assert capped["environments"]["peak"] == 5 and capped["connections"]["peak"] == 5
    assert capped["connections"]["minutes_over_limit"] > 0 and capped["throttles"] > 0


def test_cli_plans_from_durations_in_logs(tmp_path: Path) -> None:
    log = tmp_path / "fn.log"
    lines = []
    for i in range(400):  # 300 ms for most, 3 s for one in ten
        rid = f"00000000-0000-4000-8000-{i:012d}"
        ms = 3000.0 if i % 10 == 0 else 300.0
        lines += [f"START RequestId: {rid} Version: $LATEST", f"END RequestId: {rid}",
                  f"REPORT RequestId: {rid}\tDuration: {ms:.2f} ms\tBilled Duration: {int(ms)} ms\t"
                  "Memory Size: 128 MB\tMax Memory Used: 40 MB"]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = _cli("--capacity", "--tps", "10", "--days", "1", "--from-logs", str(log), "--format", "json")
    assert code == 0, err
    r: dict[str, Any] = json.loads(out)
    assert abs(r["concurrency"]["mean"] - 10 * 0.57) < 0.1  # mean duration 0.9 x 300 + 0.1 x 3000 = 570 ms
    code, out, err = _cli("--capacity", "--tps", "10", "--days", "0.1")
    assert code == 0 and out.splitlines()[0].startswith("invocations ") and "throttles          0 (0.0000%)" in out


def test_cli_usage_errors(tmp_path: Path) -> None:
    code, _, err = _cli("--capacity")
    assert code == 2 and "--capacity needs --tps" in err
    code, _, err = _cli()
    assert code == 2 and "needs a SCENARIO file (or --capacity)" in err
    empty = tmp_path / "empty.log"
    empty.write_text("hello\n", encoding="utf-8")
    code, _, err = _cli("--capacity", "--tps", "1", "--from-logs", str(empty))
    assert code == 2 and f"no REPORT durations in {empty}" in err
