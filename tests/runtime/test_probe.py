"""lambdoctor probe: the runtime footguns one execution environment shows, on real handlers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Timeout: 1
"""

LEAKY = '''
import logging, time
SEEN = set()

def handler(event, context):
    record = event["Records"][0]
    with open(f"/tmp/{record['messageId']}", "w") as fh:
        fh.write("x" * 2048)
    if record["messageId"] in SEEN:
        raise RuntimeError("already processed")
    SEEN.add(record["messageId"])
    try:
        1 / 0
    except ZeroDivisionError:
        logging.error("could not compute, carrying on")
    time.sleep(0.85 if len(SEEN) == 3 else 0)
    return {"ok": True}
'''

CLEAN = '''
def handler(event, context):
    return {"id": event["Records"][0]["messageId"]}
'''


def _probe(tmp_path: Path, code: str) -> tuple[int, dict[str, object]]:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text(code, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "probe", str(tmp_path), "Consumer", "--event-type", "sqs",
                          "--count", "6", "--format", "json"], capture_output=True, timeout=120)
    return out.returncode, json.loads(out.stdout)


def test_probe_reports_each_runtime_footgun(tmp_path: Path) -> None:
    code, doc = _probe(tmp_path, LEAKY)
    assert code == 1
    runs = doc["invocations"]
    assert [(r["event"], r["status"], r["cold"]) for r in runs] == [  # type: ignore[index,union-attr]
        ("first", "success", True), ("redelivery", "error", False), ("event 2", "success", False),
        ("event 3", "success", False), ("event 4", "success", False), ("redelivery", "error", False)]
    kinds = {o["kind"]: o["message"] for o in doc["observations"]}  # type: ignore[index,union-attr]
    assert set(kinds) == {"state", "tmp-growth", "swallowed-error", "near-timeout", "not-idempotent"}
    assert kinds["state"].startswith("module globals change from one warm invocation to the next: SEEN (3x)")
    assert kinds["swallowed-error"] == "[ERROR] records in invocations that succeeded: #1, #3, #4, #5"
    assert kinds["near-timeout"].startswith("durations at or above 80 % of the 1 s timeout: #4 ")
    assert kinds["not-idempotent"] == ('the same event delivered again (#2) gave error (RuntimeError) where the first '
                                       'delivery gave {"ok": true}')
    assert kinds["tmp-growth"] == ("/tmp grows by about 1.2 KB per invocation (2,048 → 8,192 bytes over 6 "
                                   "invocations): the 512 MB fill after about 436,900 more")


def test_a_stateless_idempotent_handler_shows_nothing(tmp_path: Path) -> None:
    code, doc = _probe(tmp_path, CLEAN)
    assert code == 0 and doc["observations"] == []
