"""lambdoctor simulate: a real handler through SQS and asynchronous-invocation semantics on a virtual clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from conftest import ROOT

POISON = ROOT / "examples" / "scenarios" / "poison-sqs"


def _simulate(scenario: Path) -> tuple[int, dict[str, Any], str]:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "simulate", str(scenario), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    return out.returncode, json.loads(out.stdout) if out.stdout else {}, out.stderr


def _variant(tmp_path: Path, changes: dict[str, Any]) -> Path:
    doc = yaml.safe_load((POISON / "scenario.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        doc[key] = {**doc.get(key, {}), **value} if isinstance(value, dict) else value
    doc["function"]["path"] = str(POISON)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_poison_message_without_partial_batch_responses_takes_its_batch_down() -> None:
    code, r, _ = _simulate(POISON / "scenario.yaml")
    assert code == 0
    # the whole batch fails at each receive (t = 0, then after each 60 s visibility timeout), three times
    assert [(e["t"] // 1, e["records"], e["outcome"]) for e in r["timeline"]] == [
        (0, list(range(1, 11)), "error"), (60, list(range(1, 11)), "error"), (120, list(range(1, 11)), "error")]
    assert (r["attempts"], r["failed"], r["succeeded"], r["dead_lettered"], r["lost"]) == (3, 3, 0, 10, 0)
    assert r["duplicates_delivered"] == 20  # every good message processed three times
    assert [(d["record"], d["receives"]) for d in r["dlq"]] == [(n, 3) for n in range(1, 11)]
    assert r["cold_starts"] == 1 and r["concurrency"][0] == [0.0, 1.0]


def test_with_report_batch_item_failures_only_the_poison_message_returns(tmp_path: Path) -> None:
    code, r, _ = _simulate(_variant(tmp_path, {"trigger": {"report_batch_item_failures": True}}))
    assert code == 0
    assert [(e["t"] // 1, e["records"], e["outcome"]) for e in r["timeline"]] == [
        (0, list(range(1, 11)), "success"), (60, [7], "success"), (120, [7], "success")]
    assert (r["succeeded"], r["dead_lettered"], r["duplicates_delivered"]) == (9, 1, 2)
    assert r["dlq"][0]["record"] == 7 and r["dlq"][0]["body"] == "message 7"


def test_without_a_redrive_policy_the_poison_message_is_retried_until_it_expires(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"trigger": {"report_batch_item_failures": True, "max_receive_count": None,
                                           "retention": 600}})
    code, r, _ = _simulate(path)
    assert code == 0 and r["lost"] == 1 and r["dead_lettered"] == 0 and r["succeeded"] == 9
    assert r["attempts"] == 10  # t = 0, 60, ..., 540: then the 10-minute retention ends


def test_async_retries_twice_one_then_two_minutes_later_then_the_destination(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"trigger": {"type": "async", "on_failure": True}, "traffic": {"count": 1, "rate": 1,
                                                                                            "body": {"order": 42}},
                               "faults": {"fail_records": [1]}})
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("batch_size", "visibility_timeout", "max_receive_count", "report_batch_item_failures"):
        doc["trigger"].pop(key)
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, r, _ = _simulate(path)
    assert code == 0
    assert [(round(e["t"]), e["outcome"]) for e in r["timeline"]] == [(0, "error"), (60, "error"), (180, "error")]
    [record] = r["dlq"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"order": 42}
    assert record["responsePayload"]["errorType"] == "KeyError"  # this SQS consumer cannot read the event
    assert (r["attempts"], r["retried"], r["dead_lettered"], r["succeeded"]) == (3, 1, 1, 0)


def test_a_low_reserved_concurrency_throttles_sqs_batches(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"traffic": {"count": 100, "rate": 0}, "faults": {"fail_records": []},
                               "concurrency": {"limit": 1}, "trigger": {"batch_size": 1, "max_receive_count": 5}})
    code, r, _ = _simulate(path)
    assert code == 0
    assert r["throttled"] > 0 and r["succeeded"] + r["dead_lettered"] == 100
    assert max(n for _, n in r["concurrency"]) == 1


def test_bad_scenarios_are_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    for text, message in (("trigger: {type: kinesis}\n", "trigger.type must be sqs or async"),
                          ("trigger: {type: sqs, batchsize: 3}\n", "unknown field(s) batchsize"),
                          ("trigger: {type: sqs}\n", "function: {path: <template folder>, name: <function>}"),
                          ("[1, 2\n", "while parsing")):
        bad.write_text(text, encoding="utf-8")
        code, _, err = _simulate(bad)
        assert code == 2 and message in err, (text, err)
