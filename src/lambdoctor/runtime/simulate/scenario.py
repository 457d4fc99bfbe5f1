"""What a scenario says (trigger, traffic, faults, concurrency, downstream) and what a run reports."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

TRIGGER_TYPES = ("sqs", "async", "kinesis", "dynamodb", "api")


class ScenarioError(ValueError):
    pass


@dataclass
class Trigger:
    type: str  # sqs, async, kinesis, dynamodb, api
    batch_size: int = 10
    visibility_timeout: float = 30.0
    max_receive_count: int | None = None  # a redrive policy to a DLQ
    report_batch_item_failures: bool = False
    retention: float = 345600.0
    maximum_retry_attempts: int | None = None  # async: 2 by default; streams: -1 (until the records expire)
    maximum_event_age: float = 21600.0
    on_failure: bool = False  # async and streams: an on-failure destination exists (it gets an invocation record)
    dead_letter: bool = False  # async: the function's DeadLetterConfig (it gets the event as it was, with attributes)
    shards: int = 1
    maximum_record_age: float = -1  # streams: -1 is the stream's retention
    bisect_on_error: bool = False
    queue: str | None = None  # sqs: the queue's name (or logical ID): a message the handler sends there arrives
    topic: str | None = None  # async: an SNS topic whose messages invoke the function

    def retries(self) -> int:
        if self.maximum_retry_attempts is not None:
            return self.maximum_retry_attempts
        return 2 if self.type == "async" else -1


@dataclass
class Scenario:
    trigger: Trigger
    count: int = 10  # events/messages
    rate: float = 1.0  # arrivals per virtual second; 0: all at once
    body: Any = None  # SQS body (a string) or the async event
    fail_records: frozenset[int] = frozenset()  # 1-based: these always fail
    slow: tuple[float, float, float] | None = None  # (from s, to s, extra ms)
    slow_function: str | None = None  # the function the slow window applies to (default: the triggered one)
    concurrency_limit: int = 1000  # the account's concurrency quota in the Region
    reserved: int | None = None  # the triggered function's reserved concurrency (over the template's)
    provisioned: int | None = None  # its provisioned concurrency (over the template's)
    functions: tuple[str, ...] = ()  # other functions of the template the handler may invoke
    connections: int | None = None  # a downstream database's connection limit: one per execution environment
    until: float = 7 * 86400.0


@dataclass
class Report:
    attempts: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    dead_lettered: int = 0
    throttled: int = 0
    cold_starts: int = 0
    duplicates_delivered: int = 0
    lost: int = 0
    dlq: list[Any] = field(default_factory=list)
    concurrency: list[list[float]] = field(default_factory=list)  # [virtual second, in-flight invocations]
    billed_ms: int = 0
    cost_usd: str = "0"
    responses: dict[str, int] = field(default_factory=dict)  # api: status code → calls
    blocked_seconds: float = 0.0  # streams: time shards waited on failing batches
    timeline: list[dict[str, Any]] = field(default_factory=list)  # every attempt: t, items, outcome
    recursion_stopped: int = 0  # events Lambda's recursive-loop detection stopped (the 17th invocation)
    max_chain: int = 0  # the longest chain of invocations one original event caused
    aws_calls: dict[str, int] = field(default_factory=dict)  # "service.Operation" → calls the handlers made
    sent: dict[str, int] = field(default_factory=dict)  # queue/topic/bus/bucket → messages sent outside
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)  # per function: attempts, outcomes ...
    downstream: dict[str, int] = field(default_factory=dict)  # connections: limit, peak, refused

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_scenario(doc: Any) -> Scenario:
    """A scenario from its YAML mapping; every mistake is a ScenarioError naming the field."""
    if not isinstance(doc, dict):
        raise ScenarioError("a scenario is a mapping with trigger, traffic and optional faults")
    trig = doc.get("trigger")
    if not isinstance(trig, dict) or trig.get("type") not in TRIGGER_TYPES:
        raise ScenarioError(f"trigger.type must be one of {', '.join(TRIGGER_TYPES)}")
    known = {f for f in Trigger.__dataclass_fields__}
    unknown = set(trig) - known
    if unknown:
        raise ScenarioError(f"trigger: unknown field(s) {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(known))})")
    try:
        trigger = Trigger(**trig)
        traffic = doc.get("traffic") or {}
        faults = doc.get("faults") or {}
        slow = faults.get("slow")
        concurrency = doc.get("concurrency") or {}
        unknown = set(concurrency) - {"account", "limit", "reserved", "provisioned"}
        if unknown:
            raise ScenarioError(f"concurrency: unknown field(s) {', '.join(sorted(unknown))} "
                                "(known: account, reserved, provisioned)")
        downstream = doc.get("downstream") or {}
        scenario = Scenario(
            trigger, count=int(traffic.get("count", 10)), rate=float(traffic.get("rate", 1.0)),
            body=traffic.get("body"), fail_records=frozenset(int(x) for x in faults.get("fail_records", [])),
            slow=(float(slow["from"]), float(slow["to"]), float(slow["extra_ms"])) if slow else None,
            slow_function=str(slow["function"]) if slow and slow.get("function") else None,
            concurrency_limit=int(concurrency.get("account", concurrency.get("limit", 1000))),
            reserved=int(concurrency["reserved"]) if concurrency.get("reserved") is not None else None,
            provisioned=int(concurrency["provisioned"]) if concurrency.get("provisioned") is not None else None,
            functions=tuple(str(f) for f in doc.get("functions") or ()),
            connections=int(downstream["connections"]) if downstream.get("connections") is not None else None,
            until=float(doc.get("until", 7 * 86400)))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ScenarioError(f"scenario: {exc}") from None
    if scenario.count < 0 or scenario.rate < 0 or trigger.batch_size < 1 or not math.isfinite(scenario.until):
        raise ScenarioError("traffic.count ≥ 0, traffic.rate ≥ 0 (0: all at once) and trigger.batch_size ≥ 1")
    return scenario
