"""`lambdoctor tune`: the handler measured at each memory size with Lambda's CPU share (DG "Configure Lambda function
memory": CPU in proportion to memory, one vCPU at 1,769 MB), priced per million invocations. A CPU-bound handler's
duration falls with the share up to one vCPU and flattens beyond it (it is single-threaded); the strategies pick what
they say."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambdoctor.runtime import cpu, tune

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Crunch:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12, Timeout: 60}
"""
# about 0.15 s of one CPU here: several 100 ms periods even at one vCPU's share
CRUNCH = "def handler(event, context):\n    x = 0\n    for i in range(3_000_000):\n        x += i\n    return x\n"


def test_a_cpu_bound_handler_scales_with_the_share_then_flattens(tmp_path: Path) -> None:
    if not cpu.available():
        pytest.skip("no CPU cgroup can be made on this machine (cgroup v1 cpu or v2 cpu.max, as root)")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(CRUNCH, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "tune", str(tmp_path), "Crunch", "--memory",
                          "256,1769,3008", "--invocations", "2", "--strategy", "speed", "--format", "json"],
                         capture_output=True, text=True, timeout=300, input="")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    p50 = {r["memory_mb"]: r["p50_ms"] for r in doc["sizes"]}
    # 1,769 / 256 = 6.9 times the CPU: the CFS period's edges blur it, the order of magnitude holds
    assert 4.0 < p50[256] / p50[1769] < 10.0, p50
    assert 0.7 < p50[3008] / p50[1769] < 1.3, p50  # one thread uses one vCPU, whatever the share
    assert doc["recommended_memory_mb"] in (1769, 3008)
    cost = {r["memory_mb"]: r["cost_per_million"] for r in doc["sizes"]}
    assert cost[3008] > cost[1769]  # the same duration at more memory costs more
    assert any("not Lambda's CPU" in n for n in doc["notes"])


ROWS = [{"memory_mb": 128, "p50_ms": 1200.0, "cost_per_million": 2.7},
        {"memory_mb": 512, "p50_ms": 300.0, "cost_per_million": 2.7},
        {"memory_mb": 1024, "p50_ms": 160.0, "cost_per_million": 2.87},
        {"memory_mb": 2048, "p50_ms": 95.0, "cost_per_million": 3.37}]


def test_the_strategies_choose_what_they_say() -> None:
    assert tune.recommend(ROWS, "cost")["memory_mb"] == 512  # the cheapest; a tie goes to the faster
    assert tune.recommend(ROWS, "speed")["memory_mb"] == 2048
    # balanced: cost x duration, each over its smallest: 512 (1.0 x 3.16), 1024 (1.06 x 1.68), 2048 (1.25 x 1.0)
    assert tune.recommend(ROWS, "balanced")["memory_mb"] == 2048
