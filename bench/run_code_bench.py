"""Benchmark the handler code analysis, in one run:

  (a) a generated SAM project with 2,000 functions, each with its own handler file and a copy of a shared
      library (bench/gen_handlers.py): `lambdoctor scan` whole-process wall time and peak RSS, next to bandit
      (AST security linter for Python) and ruff (`--select S110,BLE001`: try/except/pass and blind except) on
      the same Python files;
  (b) what code analysis adds to a scan of examples/shop: in-process scan with and without the analysis step.

Usage: python bench/run_code_bench.py [--runs 5] [--shop-runs 40]
Prints a Markdown table and writes bench/out/code-results.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from run_scan_bench import ROOT, measure, tools_venv

OUT = ROOT / "bench" / "out"


def whole_process(cmd: list[str], runs: int) -> dict[str, float]:
    results = [measure(cmd, 600) for _ in range(runs)]
    return {"median_s": statistics.median(r[0] for r in results), "peak_mb": max(r[1] for r in results),
            "exit": results[0][2], "runs": runs}


def shop_overhead(runs: int) -> dict[str, float]:
    """Whole-process `lambdoctor scan examples/shop`, as is and with the code analysis step replaced by a no-op
    (same interpreter, same imports otherwise), alternating the two to share the machine's noise."""
    args = ["scan", str(ROOT / "examples" / "shop"), "--format", "json", "-o", "/dev/null", "--fail-on", "never"]
    run = "import sys; from lambdoctor.cli import main; sys.argv = ['lambdoctor', *sys.argv[1:]]; main()"
    off = ("import sys, lambdoctor.engine as e; e.analyze_code = lambda loaded: []; from lambdoctor.cli import main; "
           "sys.argv = ['lambdoctor', *sys.argv[1:]]; main()")
    with_code: list[float] = []
    without: list[float] = []
    for _ in range(runs):
        with_code.append(measure([sys.executable, "-c", run, *args], 60)[0])
        without.append(measure([sys.executable, "-c", off, *args], 60)[0])
    a, b = statistics.median(with_code), statistics.median(without)
    return {"without_ms": b * 1000, "with_ms": a * 1000, "added_ms": (a - b) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shop-runs", type=int, default=40)
    args = parser.parse_args()
    venv = tools_venv()
    if not (venv / "bin" / "bandit").exists():
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "bandit"], check=True)
    lambdoctor = str(Path(sys.executable).parent / "lambdoctor")
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_handlers.py"), str(project), "2000"], check=True)
        files = list(project.rglob("*.py"))
        lines = sum(p.read_bytes().count(b"\n") for p in files)
        handlers = len(list(project.glob("functions/*/app.py")))
        results = {
            "lambdoctor": whole_process([lambdoctor, "scan", str(project), "--format", "json", "-o", "/dev/null",
                                         "--fail-on", "never"], args.runs),
            "bandit": whole_process([str(venv / "bin" / "bandit"), "-q", "-r", str(project / "functions"), "-f",
                                     "json", "-o", "/dev/null"], args.runs),
            "ruff": whole_process([ruff, "check", "--no-cache", "--select", "S110,BLE001", "--exit-zero",
                                   "--output-format", "json", str(project / "functions")], args.runs),
        }
    overhead = shop_overhead(args.shop_runs)
    doc = {"date": date.today().isoformat(), "machine": f"{platform.processor() or platform.machine()}, "
           f"{len(__import__('os').sched_getaffinity(0))} cores, Python {platform.python_version()}",
           "project": {"handlers": handlers, "python_files": len(files), "lines": lines},
           "results": results, "shop_overhead": overhead}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "code-results.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    base = results["lambdoctor"]["median_s"]
    print(f"project: {handlers} handlers, {len(files)} Python files, {lines:,} lines\n")
    print("| tool | runs | median | peak memory | lambdoctor is |\n|---|---|---|---|---|")
    for tool, r in results.items():
        ratio = "" if tool == "lambdoctor" else (
            f"{r['median_s'] / base:.1f}× faster" if r["median_s"] >= base else f"{base / r['median_s']:.1f}× slower")
        print(f"| {tool} | {r['runs']} | {r['median_s']:.2f} s | {r['peak_mb']:.0f} MB | {ratio} |")
    print(f"\nshop, whole process: {overhead['without_ms']:.0f} ms without code analysis, {overhead['with_ms']:.0f} ms "
          f"with it (+{overhead['added_ms']:.0f} ms), medians of {args.shop_runs}")


if __name__ == "__main__":
    main()
