"""Benchmark `lambdoctor scan` against checkov and cfn-lint (+ cfn-lint-serverless), in one run.

Whole-process wall time and peak RSS (ru_maxrss of the child, from wait4) for each tool on:
  (a) one small SAM template (examples/shop/template.yaml),
  (b) every SAM/CloudFormation template of ../shared/corpus (sam-translator-inputs + serverless-samples),
  (c) a generated template with 5,000 functions (bench/gen_template.py),
plus a linearity check of lambdoctor on 1,250 / 2,500 / 5,000 / 10,000 functions.

The comparison tools live in their own virtualenv (bench/.tools, created on first use, or BENCH_TOOLS=DIR).
Usage: python bench/run_scan_bench.py [--runs 5] [--slow-runs 1] [--slow-timeout 900]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
OUT = ROOT / "bench" / "out"


def tools_venv() -> Path:
    venv = Path(os.environ.get("BENCH_TOOLS", ROOT / "bench" / ".tools"))
    if not (venv / "bin" / "checkov").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "checkov", "cfn-lint", "cfn-lint-serverless"],
                       check=True)
    return venv


def measure(cmd: list[str], timeout: float) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one whole process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return float("inf"), usage.ru_maxrss / 1024, -9
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def series(cmd: list[str], runs: int, timeout: float) -> dict[str, object]:
    results = [measure(cmd, timeout) for _ in range(runs)]
    times = [r[0] for r in results]
    return {"median_s": statistics.median(times), "min_s": min(times), "runs": runs,
            "peak_mb": max(r[1] for r in results), "exit_codes": sorted({r[2] for r in results}),
            "command": " ".join(cmd)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slow-runs", type=int, default=5, help="runs of checkov/cfn-lint on case (c)")
    ap.add_argument("--slow-timeout", type=float, default=900)
    args = ap.parse_args()
    venv = tools_venv()
    lam = [str(ROOT / ".venv" / "bin" / "lambdoctor"), "scan", "--format", "json", "-o", os.devnull,
           "--fail-on", "never", "--today", "2026-11-22"]
    checkov = [str(venv / "bin" / "checkov"), "--framework", "cloudformation", "--quiet", "--compact", "-o", "json"]
    cfnlint = [str(venv / "bin" / "cfn-lint"), "-a", "cfn_lint_serverless.rules", "--"]

    small = ["examples/shop/template.yaml"]
    corpus_files = sorted(str(p) for folder in ("sam-translator-inputs", "serverless-samples")
                          for p in (CORPUS / folder).glob("*") if p.suffix in (".yaml", ".yml", ".json"))
    big = {}
    for n in (1250, 2500, 5000, 10000):
        path = OUT / f"functions-{n}.yaml"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_template.py"), str(n), str(path)], check=True,
                       capture_output=True)
        big[n] = str(path)

    report: dict[str, object] = {
        "machine": {"cpu": _cpu(), "cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "tools": {"checkov": _version([str(venv / "bin" / "checkov"), "--version"]),
                  "cfn-lint": _version([str(venv / "bin" / "cfn-lint"), "--version"]),
                  "cfn-lint-serverless": _pip_version(venv, "cfn-lint-serverless")},
        "corpus_files": len(corpus_files),
        "cases": {},
    }
    cases: dict[str, dict[str, object]] = {}
    cases["a_small"] = {
        "lambdoctor": series(lam + small, args.runs, 120),
        "checkov": series([*checkov, "-f", *small], args.runs, 300),
        "cfn-lint": series(cfnlint + small, args.runs, 300),
    }
    cases["b_corpus"] = {
        "lambdoctor": series(lam + corpus_files, args.runs, 300),
        "checkov": series([*checkov, "-f", *corpus_files], args.runs, 1800),
        "cfn-lint": series(cfnlint + corpus_files, args.runs, 1800),
    }
    cases["c_5000_functions"] = {
        "lambdoctor": series([*lam, big[5000]], args.runs, 300),
        "checkov": series([*checkov, "-f", big[5000]], args.slow_runs, args.slow_timeout),
        "cfn-lint": series([*cfnlint, big[5000]], args.slow_runs, args.slow_timeout),
    }
    cases["linearity"] = {str(n): series([*lam, path], args.runs, 300) for n, path in big.items()}
    report["cases"] = cases
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scan-results.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _version(cmd: list[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def _pip_version(venv: Path, name: str) -> str:
    out = subprocess.run([str(venv / "bin" / "pip"), "show", name], capture_output=True, text=True)
    return next((line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if line.startswith("Version")),
                "?")


if __name__ == "__main__":
    main()
