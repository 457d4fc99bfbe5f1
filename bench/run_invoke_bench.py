"""Warm invocations per second of a trivial handler through one execution environment (`lambdoctor invoke`'s
engine), against calling the same handler function directly in-process (what python-lambda-local-style tools do:
no environment, no timeout enforcement); and simulated invocations per second through `simulate` (an SQS scenario,
batch size 1, every message its own invocation).

Usage: python bench/run_invoke_bench.py [INVOCATIONS=5000] [RUNS=3]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lambdoctor.runtime.environment import ExecutionEnvironment, FunctionSpec

HANDLER = "def handler(event, context):\n    return {'ok': True, 'n': event.get('n')}\n"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "app.py").write_text(HANDLER, encoding="utf-8")
        # 1,769 MB: one vCPU, the share at which the worker's CPU quota (runtime/cpu.py) equals one of this
        # machine's cores, so the rate measures lambdoctor's own cost; at 256 MB the quota gives 14 % of a core
        spec = FunctionSpec("bench", "app.handler", folder, memory_mb=1769, timeout_s=3)
        rates = []
        cold_ms = []
        for _ in range(runs):
            with open(Path(folder, "log.txt"), "w", encoding="utf-8") as log, ExecutionEnvironment(spec, log) as env:
                t = time.perf_counter()
                env.invoke("{}")  # the cold start
                cold_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                for i in range(n):
                    env.invoke(json.dumps({"n": i}))
                rates.append(n / (time.perf_counter() - t))
        sys.path.insert(0, folder)
        import app  # type: ignore[import-not-found]

        t = time.perf_counter()
        for i in range(n):
            json.dumps(app.handler(json.loads(json.dumps({"n": i})), None))
        direct = n / (time.perf_counter() - t)
        from lambdoctor.runtime.simulate import Scenario, Trigger, simulate

        sim_rates, inproc_rates = [], []
        for _ in range(runs):
            for in_process, into in ((False, sim_rates), (True, inproc_rates)):
                scenario = Scenario(Trigger("sqs", batch_size=1), count=n, rate=100.0)
                with open(Path(folder, "log.txt"), "w", encoding="utf-8") as log:
                    t = time.perf_counter()
                    report = simulate(spec, scenario, log, in_process=in_process)
                    into.append(report.attempts / (time.perf_counter() - t))
    print(json.dumps({"invocations": n, "warm_per_s_median": round(statistics.median(rates)),
                      "warm_per_s_runs": [round(r) for r in rates],
                      "cold_start_ms_median": round(statistics.median(cold_ms), 1),
                      "direct_call_per_s": round(direct),
                      "simulated_per_s_median": round(statistics.median(sim_rates)),
                      "simulated_per_s_runs": [round(r) for r in sim_rates],
                      "simulated_in_process_per_s_median": round(statistics.median(inproc_rates)),
                      "simulated_in_process_per_s_runs": [round(r) for r in inproc_rates]}, indent=2))


if __name__ == "__main__":
    main()
