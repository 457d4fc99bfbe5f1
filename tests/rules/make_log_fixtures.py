"""Writes the log fixtures of tests/rules/LOG*/ and COST003/ (the files are committed; run this to change them).

START/END/REPORT lines in the shapes of the Lambda developer guide (facts.md §2.1), with the timestamp prefix of
an export to S3 where time matters. Each fail/ case is one branch of its rule; pass/ is the nearest silent case."""
import json
from pathlib import Path
R = Path(__file__).resolve().parent

def rid(i, tag):
    return f"{i:08x}-{tag:04x}-4e6a-939a-754dd98c7be3"

def ts(h, m, s, ms=0):
    return f"2026-11-01T{h:02d}:{m:02d}:{s:02d}.{ms:03d}Z"

def inv(i, tag, duration, billed, size, used, *, t=None, init=None, extra=(), status="", lines_before=()):
    r = rid(i, tag)
    pre = (lambda x: f"{t} {x}") if t else (lambda x: x)
    out = [pre(f"START RequestId: {r} Version: $LATEST")]
    out += [pre(l.replace("{rid}", r)) for l in lines_before]
    out.append(pre(f"END RequestId: {r}"))
    cold = f"\tInit Duration: {init:.2f} ms" if init is not None else ""
    out.append(pre(f"REPORT RequestId: {r}\tDuration: {duration:.2f} ms\tBilled Duration: {billed} ms\t"
                   f"Memory Size: {size} MB\tMax Memory Used: {used} MB{cold}{status}\t"))
    return out

def write(rule, side, name, lines):
    p = R / rule / side / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")

# LOG001: 60 invocations over an hour at 1024 MB peaking at 90 MB (a month projected); 3 with no times (per million)
lines = []
for i in range(60):
    lines += inv(i, 1, 180 + i % 40, 181 + i % 40, 1024, 60 + i % 31, t=ts(10, i, 0))
write("LOG001", "fail", "orders.log", lines)
write("LOG001", "fail", "reports.log", sum((inv(i, 2, 700.16, 701, 512, 15) for i in range(3)), []))
write("LOG001", "pass", "orders.log", sum((inv(i, 1, 180 + i % 40, 181 + i % 40, 128, 60 + i % 31, t=ts(10, i, 0))
                                          for i in range(60)), []))
# LOG002: out of memory; peak at 94 % of the size; pass at 70 %
write("LOG002", "fail", "resize.log", inv(0, 3, 3762.59, 3763, 1024, 1024, status="\tStatus: error\tError Type: Runtime.OutOfMemory")
      + inv(1, 3, 812.4, 813, 1024, 700))
write("LOG002", "fail", "thumbs.log", sum((inv(i, 4, 300, 301, 256, 200 + 20 * i) for i in range(3)), []))
write("LOG002", "pass", "thumbs.log", sum((inv(i, 4, 300, 301, 256, 150 + 15 * i) for i in range(3)), []))
# LOG003: a timed-out invocation (the runtime's line, then REPORT with Status: timeout)
write("LOG003", "fail", "pricing.log",
      inv(0, 5, 120.5, 121, 128, 60) + inv(1, 5, 3000.0, 3000, 128, 61, lines_before=(
          "2026-11-01T10:00:03.010Z {rid} Task timed out after 3.00 seconds",), status="\tStatus: timeout"))
write("LOG003", "pass", "pricing.log", inv(0, 5, 120.5, 121, 128, 60) + inv(1, 5, 2200.0, 2200, 128, 61))
# LOG004: the timeout from the template (checkout, 3 s) and from a 'Task timed out' line (pricing, 6 s)
write("LOG004", "fail", "checkout.log", sum((inv(i, 6, 2500 + 40 * i, 2501 + 40 * i, 512, 90) for i in range(10)), []))
write("LOG004", "fail", "pricing.log", sum((inv(i, 7, 5100 + 10 * i, 5101 + 10 * i, 512, 90) for i in range(9)), [])
      + inv(9, 7, 6000.0, 6000, 512, 90, lines_before=(
          "2026-11-01T10:00:06.010Z {rid} Task timed out after 6.00 seconds",), status="\tStatus: timeout"))
write("LOG004", "pass", "checkout.log", sum((inv(i, 6, 1000 + 40 * i, 1001 + 40 * i, 512, 90) for i in range(10)), []))
(R / "LOG004" / "template.yaml").write_text("""Transform: AWS::Serverless-2016-10-31
Resources:
  Checkout:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: checkout
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): pass"
      Timeout: 3
      MemorySize: 512
""", encoding="utf-8")
# LOG005: frequent (5 of 30 cold) and slow (p95 init 1.5 s); pass: 1 of 30 cold at 300 ms
write("LOG005", "fail", "frequent.log", sum((inv(i, 8, 40, 41, 256, 70, init=210.25 if i % 6 == 0 else None)
                                             for i in range(30)), []))
write("LOG005", "fail", "slow.log", sum((inv(i, 9, 40, 41, 256, 70, init=1512.75 if i == 0 else None)
                                         for i in range(10)), []))
write("LOG005", "pass", "warm.log", sum((inv(i, 8, 40, 41, 256, 70, init=300.5 if i == 0 else None)
                                         for i in range(30)), []))
# LOG006: a Python [ERROR] record in an invocation that reported success
write("LOG006", "fail", "worker.log", inv(0, 10, 120, 121, 128, 60) + inv(1, 10, 130, 131, 128, 60, lines_before=(
    "[ERROR]\t2026-11-01T10:00:01.120Z\t{rid}\tpayment declined for order 42",)))
write("LOG006", "pass", "worker.log", inv(0, 10, 120, 121, 128, 60) + inv(1, 10, 130, 131, 128, 60, lines_before=(
    "[INFO]\t2026-11-01T10:00:01.120Z\t{rid}\tpayment accepted for order 42",)))
# LOG007: 20 kB of logs per 2 ms invocation; pass: one short line
big = "[DEBUG]\t2026-11-01T10:00:01.000Z\t{rid}\tevent: " + json.dumps({"records": ["x" * 96] * 200})
write("LOG007", "fail", "chatty.log", sum((inv(i, 11, 1.8, 2, 128, 60, lines_before=(big,)) for i in range(5)), []))
write("LOG007", "pass", "chatty.log", sum((inv(i, 11, 1.8, 2, 128, 60, lines_before=(
    "[INFO]\t2026-11-01T10:00:01.000Z\t{rid}\tdone",)) for i in range(5)), []))
# COST003: 30 hours at a steady 12 invocations an hour (always-on alternative given); pass: the same with idle hours
def hours(pattern):
    out, n = [], 0
    for h, count in enumerate(pattern):
        for k in range(count):
            day, hour = divmod(h, 24)
            out += [l.replace("2026-11-01T", f"2026-11-{1 + day:02d}T") for l in
                    inv(n, 12, 1000, 1000, 512, 200, t=ts(hour, k * 4, 0))]
            n += 1
    return out
write("COST003", "fail", "api.log", hours([12] * 30))
write("COST003", "pass", "api.log", hours([12, 12, 0, 12, 24, 0] * 5))
for rule in ("COST003",):
    (R / rule / "options.json").write_text(json.dumps({"always_on_usd": "0.05"}) + "\n", encoding="utf-8")
