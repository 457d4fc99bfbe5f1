"""`lambdoctor simulate --capacity` on a month at 100 requests a second (about 259 million invocations, each drawn):
wall time and peak memory of the whole command, flat and diurnal profiles.

Usage: python bench/run_capacity_bench.py [RUNS=3]
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for profile in ("flat", "diurnal"):
        times, peaks, result = [], [], {}
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", "--capacity", "--tps", "100",
                                  "--days", "30", "--p50-ms", "120", "--p99-ms", "900", "--profile", profile,
                                  "--format", "json"], capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - t)
            peaks.append(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)
            result = json.loads(out.stdout)
        print(f"{profile}: {result['invocations']:,} invocations; median {statistics.median(times):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in times)}); peak memory {max(peaks):.0f} MB; "
              f"concurrency {result['concurrency']}; cold starts {result['cold_starts']:,}")


if __name__ == "__main__":
    main()
