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
    fifo: bool = False  # sqs: a FIFO queue (one batch in flight per message group, order kept)
    maximum_concurrency: int | None = None  # sqs: the mapping's ScalingConfig.MaximumConcurrency (2-1,000)
    batching_window: float = 0.0  # sqs and streams: MaximumBatchingWindowInSeconds (0-300)
    parallelization_factor: int = 1  # streams: concurrent batches per shard (1-10)
    on_success: bool = False  # async: an on-success destination exists (it gets a "Success" invocation record)
    # the stream's retention: Kinesis keeps records 24 h unless RetentionPeriodHours says more (to 8,760 h, 365
    # days); a DynamoDB stream always 24 h (DG "Using Lambda with Kinesis", "... with DynamoDB")
    stream_retention: float = 86400.0

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
    message_groups: int = 1  # sqs FIFO: messages are spread over this many message group IDs, in turn
    partition_keys: int | None = None  # streams: distinct partition keys, in turn (None: one per record)


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
    on_success: list[Any] = field(default_factory=list)  # async: the on-success destination's invocation records
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
            until=float(doc.get("until", 7 * 86400)),
            message_groups=int(traffic.get("message_groups", 1)),
            partition_keys=int(traffic["partition_keys"]) if traffic.get("partition_keys") is not None else None)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ScenarioError(f"scenario: {exc}") from None
    if scenario.count < 0 or scenario.rate < 0 or trigger.batch_size < 1 or not math.isfinite(scenario.until):
        raise ScenarioError("traffic.count ≥ 0, traffic.rate ≥ 0 (0: all at once) and trigger.batch_size ≥ 1")
    _check_limits(scenario)
    return scenario


def _check_limits(s: Scenario) -> None:
    """Lambda's and SQS's own bounds on the settings (the API reference's valid ranges): a scenario outside them
    describes a mapping AWS would refuse to create."""
    t = s.trigger
    problems = []
    if t.fifo and t.type != "sqs":
        problems.append("trigger.fifo is for an sqs trigger")
    if t.fifo and t.batch_size > 10:  # DG "Using Lambda with Amazon SQS": "For FIFO queues, the maximum is 10"
        problems.append(f"trigger.batch_size {t.batch_size}: a FIFO queue's mapping takes at most 10")
    if t.maximum_concurrency is not None and (t.type != "sqs" or not 2 <= t.maximum_concurrency <= 1000):
        problems.append("trigger.maximum_concurrency is for an sqs trigger, 2 to 1000 (API ScalingConfig)")
    if not 0 <= t.batching_window <= 300 or (t.batching_window and t.type not in ("sqs", "kinesis", "dynamodb")):
        problems.append("trigger.batching_window is 0 to 300 seconds, for sqs, kinesis and dynamodb triggers")
    if t.type == "sqs" and not t.fifo and t.batch_size > 10 and t.batching_window < 1:
        # "For a batch size over 10, you must also set the MaximumBatchingWindowInSeconds parameter to at least
        # 1 second" (same page, "Configuring a queue as an event source")
        problems.append(f"trigger.batch_size {t.batch_size} over 10 needs trigger.batching_window ≥ 1 (as Lambda "
                        "requires)")
    if not 1 <= t.parallelization_factor <= 10 or (t.parallelization_factor > 1
                                                   and t.type not in ("kinesis", "dynamodb")):
        problems.append("trigger.parallelization_factor is 1 to 10, for kinesis and dynamodb triggers")
    if t.on_success and t.type != "async":
        problems.append("trigger.on_success is for an async trigger (event source mappings have none)")
    if t.type == "kinesis" and not 86400 <= t.stream_retention <= 365 * 86400:
        problems.append("trigger.stream_retention is 86400 (24 h) to 31536000 (365 days) seconds")
    if t.type == "dynamodb" and t.stream_retention != 86400:
        problems.append("trigger.stream_retention: a DynamoDB stream keeps its records 24 hours, no other period")
    if s.message_groups < 1 or (s.partition_keys is not None and s.partition_keys < 1):
        problems.append("traffic.message_groups and traffic.partition_keys are ≥ 1")
    if problems:
        raise ScenarioError("; ".join(problems))
