"""Benchmark `lambdoctor audit` on a generated 1,000-function account served by moto's server on 127.0.0.1.

The server runs in its own process (as AWS is another machine). The account comes from tests/live/account_gen.py:
1,000 functions, 30 % with up to 12 published versions, aliases (some weighted), SQS mappings, function URLs,
layers, 10 roles, alarms and log groups. Measured in the same run:
- `lambdoctor audit` end to end (a fresh process: import, read, rules, JSON report), median of RUNS;
- a plain sequential boto3 script making the minimum per-function reads (GetFunction, ListVersionsByFunction,
  ListAliases, GetPolicy), which is what a hand-written audit loop does;
- the API calls lambdoctor makes, per operation and per function (recorded in-process with a before-call hook,
  the three APIs moto lacks answered as in the tests).
Usage: python bench/run_audit_bench.py [FUNCTIONS=1000] [RUNS=3]
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "live"))  # account_gen
PY = sys.executable
REGION = "eu-west-1"

SCRIPT = r"""
import sys, boto3
lam = boto3.client("lambda", region_name=sys.argv[2], endpoint_url=sys.argv[1])
n = 0
for page in lam.get_paginator("list_functions").paginate():
    for f in page["Functions"]:
        name = f["FunctionName"]
        lam.get_function(FunctionName=name)
        lam.list_versions_by_function(FunctionName=name)
        lam.list_aliases(FunctionName=name)
        try:
            lam.get_policy(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            pass
        n += 1
print(n)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait(url: str) -> None:
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto server did not start")


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(Path(PY).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(url)
        import account_gen

        t = time.perf_counter()
        layout = account_gen.populate(url, account_gen.draw(n, REGION))
        print(f"generated {n} functions in {time.perf_counter() - t:.1f} s", file=sys.stderr)

        audit_cmd = [PY, "-m", "lambdoctor", "audit", "--region", REGION, "--endpoint-url", url, "--format", "json",
                     "--fail-on", "never"]
        audit_times = [_timed(audit_cmd, env) for _ in range(runs)]
        script_times = [_timed([PY, "-c", SCRIPT, url, REGION], env) for _ in range(runs)]

        from lambdoctor.live.account import read_account
        from lambdoctor.live.session import client

        calls: list[str] = []

        def make(service: str, region: str) -> object:
            made = client(service, region, None, url)
            made.meta.events.register("before-call", lambda model, **_: calls.append(f"{service}:{model.name}"))
            if service == "lambda":
                account_gen.answer_missing_apis(made, layout)
            return made

        clients: dict[tuple[str, str], object] = {}
        t = time.perf_counter()
        read_account(lambda s, r: clients.setdefault((s, r), make(s, r)), [REGION], 14,
                     datetime.now(UTC))
        in_process = time.perf_counter() - t
    finally:
        server.terminate()
        server.wait()
    per_op = Counter(c for c in calls)
    result = {
        "functions": n,
        "lambdoctor_audit_median_s": round(statistics.median(audit_times), 2),
        "lambdoctor_audit_runs_s": [round(x, 2) for x in audit_times],
        "sequential_boto3_4_calls_median_s": round(statistics.median(script_times), 2),
        "read_with_all_apis_answered_s": round(in_process, 2),
        "calls_total": len(calls),
        "calls_per_function": round(len(calls) / n, 2),
        "calls_by_operation": dict(sorted(per_op.items(), key=lambda kv: -kv[1])),
        "cpu": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
