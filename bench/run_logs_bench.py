"""Benchmark `lambdoctor logs` on generated text logs against `grep -c REPORT`, a plain Python line loop and the
one DuckDB query that issue 5 quotes for scale (count, cold starts, timeouts, p50/p99 duration, max memory).

Each tool runs in its own process; wall time and peak RSS (of the process and its children) are measured.
The package is byte-compiled first, as `pip install` leaves it: with PYTHONDONTWRITEBYTECODE set (as on the
machine the figures come from), every run would otherwise compile lambdoctor's modules again (~0.07 s).
Usage: python bench/run_logs_bench.py [SIZE_MB=1024] [RUNS=3]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable

LOOP = r"""
import re, sys
from pathlib import Path
report = re.compile(r"REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms")
n = 0
for path in sorted(Path(sys.argv[1]).glob("*.log")):
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if "REPORT RequestId" in line and report.search(line):
                n += 1
print(n)
"""

def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    folder = OUT / f"logs-{size}m"
    if not folder.is_dir():
        subprocess.run([PY, str(ROOT / "bench" / "gen_logs.py"), str(folder), str(size)], check=True)
    total = sum(p.stat().st_size for p in folder.glob("*.log"))
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src" / "lambdoctor")], check=True,
                   stdout=subprocess.DEVNULL)
    tools = {
        "lambdoctor logs": [PY, "-m", "lambdoctor", "logs", str(folder), "--format", "json", "-o",
                            str(OUT / "logs-report.json")],
        "grep -c REPORT": ["sh", "-c", f"cat {folder}/*.log | grep -c REPORT"],
        "python line loop": [PY, "-c", LOOP, str(folder)],
        "duckdb one query": [PY, str(ROOT / "bench" / "logs_one_query.py"), str(folder)],
    }
    # Round-robin: each round runs every tool once, so that a machine whose speed drifts over minutes (a shared
    # virtual machine's does, by 30 % and more) slows all tools alike and the ratios stay comparable.
    times: dict[str, list[float]] = {name: [] for name in tools}
    peaks: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(runs):
        for name, cmd in tools.items():
            # Peak RSS of children is a high-water mark across runs: measure each tool in a fresh interpreter.
            probe = subprocess.run([PY, "-c", (
                "import resource,subprocess,sys,time,json;t=time.perf_counter();"
                "subprocess.run(json.loads(sys.argv[1]),check=True,stdout=subprocess.DEVNULL);"
                "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024)"),
                json.dumps(cmd)], check=True, capture_output=True, text=True)
            seconds, peak = (float(x) for x in probe.stdout.split())
            times[name].append(seconds)
            peaks[name].append(peak)
    results = {}
    for name in tools:
        med = statistics.median(times[name])
        results[name] = {"median_s": round(med, 2), "mb_per_s": round(total / 1e6 / med),
                         "peak_mb": round(max(peaks[name])), "runs_s": [round(t, 2) for t in times[name]]}
    base = results["lambdoctor logs"]["median_s"]
    for r in results.values():
        r["ratio_vs_lambdoctor"] = round(r["median_s"] / base, 2)
    doc = {"input_bytes": total, "files": len(list(folder.glob("*.log"))), "runs": runs, "results": results}
    (OUT / f"logs_bench_{size}m.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
