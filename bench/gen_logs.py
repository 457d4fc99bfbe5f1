"""Generate Lambda text logs of a given size: several functions, one file each, in CloudWatch's text format.

Each line is `<ISO-8601 timestamp> <message>` as in a CloudWatch export to S3 (`facts.md` §2.3; events are separated
by the blank line their trailing newline makes). Per invocation: START, a few application lines (Python `logging`
lines with the request ID, and `print` lines without it), END and REPORT. About 30 % of invocations are cold
(INIT_START before START, Init Duration on REPORT), about 0.5 % time out (`Task timed out` + `Status: timeout`),
0.2 % run out of memory, 1 % raise (the runtime's `[ERROR]` record with a `\\r`-joined traceback), and 2 % log an
`[ERROR]` line and still succeed. Deterministic for a given size.

Usage: python bench/gen_logs.py OUT_DIR [SIZE_MB=1024] [FUNCTIONS=5]
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

FUNCTIONS = [  # name, memory MB, timeout s, typical duration ms, typical max memory MB
    ("orders-api", 512, 6, 120.0, 88),
    ("thumbnailer", 1024, 30, 2400.0, 610),
    ("queue-worker", 256, 15, 450.0, 120),
    ("report-builder", 3008, 300, 21000.0, 1800),
    ("webhook-relay", 128, 3, 60.0, 70),
    ("auth-edge", 512, 5, 35.0, 64),
]
APP_LINES = [
    "received event with 3 records",
    "loaded configuration from SSM in 12 ms",
    "calling downstream https://api.example.com/v1/items",
    "wrote item to table orders-prod",
    "processing batch of 10 messages from queue",
    "cache hit for customer 18273",
]


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def write_function(path: Path, spec: tuple[str, int, int, float, int], size: int, rnd: random.Random) -> None:
    _, memory, timeout, typical_ms, typical_mem = spec
    t = datetime(2026, 11, 1, tzinfo=UTC)
    written = 0
    chunks: list[str] = []
    pending = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        while written < size:
            rid = f"{rnd.getrandbits(32):08x}-{rnd.getrandbits(16):04x}-4{rnd.getrandbits(12):03x}-" \
                  f"a{rnd.getrandbits(12):03x}-{rnd.getrandbits(48):012x}"
            t += timedelta(milliseconds=rnd.randint(5, 400))
            roll = rnd.random()
            cold = roll < 0.30
            lines: list[str] = []
            if cold:
                lines.append(f"{_ts(t)} INIT_START Runtime Version: python:3.12.v30\tRuntime Version ARN: "
                             "arn:aws:lambda:us-east-1::runtime:" + "ab" * 32)
            lines.append(f"{_ts(t)} START RequestId: {rid} Version: $LATEST")
            for _ in range(rnd.randint(2, 7)):
                text = rnd.choice(APP_LINES)
                if rnd.random() < 0.5:
                    lines.append(f"{_ts(t)} [INFO]\t{_ts(t)}\t{rid}\t{text}")
                else:
                    lines.append(f"{_ts(t)} {text}")
            duration = max(1.0, rnd.gauss(typical_ms, typical_ms / 4))
            used = max(40, int(rnd.gauss(typical_mem, typical_mem / 10)))
            status = ""
            fate = rnd.random()
            if fate < 0.005:
                duration = timeout * 1000.0
                lines.append(f"{_ts(t)} {_ts(t)} {rid} Task timed out after {timeout:.2f} seconds")
                status = "\tStatus: timeout"
            elif fate < 0.007:
                used = memory
                lines.append(f"{_ts(t)} RequestId: {rid} Error: Runtime exited with error: signal: killed\n"
                             f"Runtime.ExitError")
                status = "\tStatus: error\tError Type: Runtime.OutOfMemory"
            elif fate < 0.017:
                lines.append(f"{_ts(t)} [ERROR] KeyError: 'order_id'\rTraceback (most recent call last):\r"
                             "\u00a0\u00a0File \"/var/task/app.py\", line 41, in handler\r"
                             "\u00a0\u00a0\u00a0\u00a0order = event['order_id']")
                status = "\tStatus: error\tError Type: KeyError"
            elif fate < 0.037:
                lines.append(f"{_ts(t)} [ERROR]\t{_ts(t)}\t{rid}\tdownstream returned 503, giving up on item")
            end = t + timedelta(milliseconds=duration)
            init = f"\tInit Duration: {rnd.uniform(180, 900):.2f} ms" if cold else ""
            init_ms = float(init.split(": ")[1][:-3]) if cold else 0.0
            billed = int(-(-(duration + init_ms) // 1))
            lines.append(f"{_ts(end)} END RequestId: {rid}")
            lines.append(f"{_ts(end)} REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: "
                         f"{billed} ms\tMemory Size: {memory} MB\tMax Memory Used: {used} MB{init}{status}\t")
            block = "\n\n".join(lines) + "\n\n"
            chunks.append(block)
            pending += len(block)
            if pending > 1 << 20:
                data = "".join(chunks)
                out.write(data)
                written += len(data.encode("utf-8"))
                chunks, pending = [], 0
        if chunks:
            out.write("".join(chunks))


def main() -> None:
    out = Path(sys.argv[1])
    size_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    out.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(20261122)
    specs = FUNCTIONS[:count]
    weights = [3, 1, 2, 1, 2, 1][:count]
    for spec, weight in zip(specs, weights, strict=True):
        write_function(out / f"{spec[0]}.log", spec, size_mb * (1 << 20) * weight // sum(weights), rnd)


if __name__ == "__main__":
    main()
