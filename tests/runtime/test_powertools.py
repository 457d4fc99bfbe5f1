"""A real layout: AWS Lambda Powertools for Python (Logger, Tracer, BatchProcessor) vendored into the package, run
through `simulate` on SQS with partial batch responses. Powertools is installed from PyPI into the test's package
(as `pip install -t src/` would); the test skips, saying why, when PyPI cannot be reached.

Sources: Powertools' documentation, "Batch Processing" (process_partial_response returns batchItemFailures for the
records whose handler raised) and "Tracer" (the tracer extra brings aws-xray-sdk: without it the import fails, on
Lambda as here).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

APP = '''
import json
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

logger = Logger(service="orders")
tracer = Tracer(service="orders")
processor = BatchProcessor(event_type=EventType.SQS)
SEEN = 0


@tracer.capture_method
def record_handler(record):
    global SEEN
    SEEN += 1
    if SEEN == 3:  # the third record processed fails once
        raise ValueError("cannot process this order")
    logger.info("processed", extra={"order": json.loads(record.body)["order"]})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
'''

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 1769
      Tracing: Active
  Jobs:
    Type: AWS::SQS::Queue
"""


def _install(target: Path, requirement: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--no-input", "--target", str(target), requirement], capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        pytest.skip(f"Powertools could not be installed from PyPI: {(done.stderr or done.stdout).strip()[-300:]}")


def _simulate(project: Path) -> tuple[dict[str, Any], str]:
    scenario = project / "scenario.yaml"
    scenario.write_text(yaml.safe_dump({
        "function": {"path": ".", "name": "Orders"},
        "trigger": {"type": "sqs", "batch_size": 5, "report_batch_item_failures": True, "max_receive_count": 3,
                    "visibility_timeout": 30},
        "traffic": {"count": 5, "rate": 0, "body": json.dumps({"order": 7})}}), encoding="utf-8")
    log = project / "log.txt"
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", str(scenario), "--format", "json",
                          "--log", str(log)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), log.read_text(encoding="utf-8")


def test_powertools_batch_processor_partial_failures_through_simulate(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    _install(tmp_path / "src", "aws-lambda-powertools>=3")  # without the tracer extra
    r, log = _simulate(tmp_path)
    # Tracer needs aws-xray-sdk, which the package lacks: the init fails as it would on Lambda
    assert "No module named 'aws_xray_sdk'" in log and r["succeeded"] == 0
    _install(tmp_path / "src", "aws-lambda-powertools[tracer]>=3")
    r, log = _simulate(tmp_path)
    # BatchProcessor reports the failed record; only it returns, after the 30 s visibility timeout, and succeeds
    assert [(e["records"], e["outcome"], round(e["t"])) for e in r["timeline"]] == [
        ([1, 2, 3, 4, 5], "success", 0), ([3], "success", 30)]
    assert (r["succeeded"], r["dead_lettered"], r["retried"]) == (5, 0, 1)
    processed = [json.loads(line) for line in log.splitlines() if '"message":"processed"' in line]
    assert len(processed) == 5  # four the first time, the failed one when it came back
    assert {(p["service"], p["function_name"], p["order"]) for p in processed} == {("orders", "Orders", 7)}
    assert processed[0]["cold_start"] is True and processed[-1]["cold_start"] is False
