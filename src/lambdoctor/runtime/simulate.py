"""``lambdoctor simulate``: the real handler driven through a trigger's documented semantics on a virtual clock.

Built so far: SQS and Kinesis/DynamoDB-stream event source mappings, asynchronous invocation and API Gateway's
synchronous calls (provisioned concurrency, the capacity planner and the recursive-loop stop are not built yet).

SQS (DG "Using Lambda with Amazon SQS", facts.md §4):
- pollers receive batches of up to ``batch_size`` visible messages; each receive makes the batch invisible for the
  queue's visibility timeout and counts one receive per message. Pollers start at 5 and add up to 300 a minute
  (to 1,250) while messages wait;
- a batch that fails (error, timeout) is not deleted: its messages become visible again when the visibility
  timeout ends and are delivered again — all of them, the ones already processed too, unless the mapping has
  ``ReportBatchItemFailures`` and the handler (or an injected fault) names the failed items. Without the setting
  Lambda ignores a ``batchItemFailures`` response;
- a receive beyond the redrive policy's ``maxReceiveCount`` moves the message to the dead-letter queue; without a
  redrive policy a failing message is retried until the retention period ends, then lost;
- a batch received when no concurrency is left is throttled: it counts a receive and returns after the visibility
  timeout (why the DG asks for maxReceiveCount ≥ 5).

Streams (DG "Using Lambda with Kinesis", "... DynamoDB Streams"; the sources' retry table: "blocks the stream until
success or data expiration"): records are read in order per shard; a failed batch is retried — the shard waits —
until it succeeds, ``maximum_retry_attempts`` (-1: no limit) or ``maximum_record_age`` (-1: the stream's 24-hour
retention) runs out; ``bisect_on_error`` halves a failing batch (without using a retry); exhausted batches go to the
on-failure destination as metadata (shard, sequence numbers) or are lost. Lambda does not document the interval
between stream retries: here 1 s, doubling to at most 60 s.

API Gateway (synchronous): a throttled call is a 429 for the client, a handler error a 502, and a call still running
at the 29 s integration timeout a 504 — while the function keeps running (and billing) to its own end.

Asynchronous invocation (DG "Asynchronous invocation"): an error is retried twice by default, 1 minute and then
2 minutes later; throttles are retried with back-off (1 s doubling to 5 minutes) without counting as retries; an
event older than ``maximum_event_age`` (6 h) is not retried; the failed event goes to the on-failure destination or
DLQ with its record, or is lost.

Each invocation really runs the handler, in one execution environment (``runtime/environment.py``), in virtual
time order; its measured duration (plus an injected slowdown) is its virtual duration. Simulated environments are
counted for cold starts and concurrency, but share the one real worker: module state is that worker's.
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import math
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lambdoctor.runtime import events
from lambdoctor.runtime.environment import ExecutionEnvironment, FunctionSpec, Invocation

ASYNC_RETRY_DELAYS_S = (60.0, 120.0)  # "waits one minute before the first retry, then two minutes"
THROTTLE_BACKOFF_MAX_S = 300.0
SQS_START_POLLERS, SQS_POLLERS_PER_MINUTE, SQS_MAX_POLLERS = 5, 300, 1250
STREAM_RETENTION_S = 86400.0  # Kinesis and DynamoDB streams keep records 24 h by default
STREAM_RETRY_MAX_S = 60.0
API_INTEGRATION_TIMEOUT_S = 29.0
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
    on_failure: bool = False  # async and streams: a DLQ or on-failure destination exists
    shards: int = 1
    maximum_record_age: float = -1  # streams: -1 is the stream's retention
    bisect_on_error: bool = False

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
    concurrency_limit: int = 1000  # account (or reserved) concurrency available to the function
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

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class _Item:
    n: int  # 1-based arrival order
    id: str
    payload: Any
    arrived: float
    receives: int = 0
    deliveries: int = 0
    visible_at: float = 0.0
    state: str = "queued"  # queued, done, dlq, lost
    attempts: int = 0  # async: attempts that ran
    outcomes: list[str] = field(default_factory=list)


class Simulator:
    def __init__(self, spec: FunctionSpec, scenario: Scenario, log: Any) -> None:
        self.spec = spec
        self.s = scenario
        self.env = ExecutionEnvironment(spec, log)
        self.report = Report()
        self.heap: list[tuple[float, int, str, Any]] = []
        self.seq = 0
        self.now = 0.0
        self.items: list[_Item] = []
        self.in_flight = 0
        self.idle_envs = 0
        self.idle_pollers = 0
        self.pollers = 0
        self.first_waiting: float | None = None
        self._sample: dict[int, int] = {}
        self.ready: list[tuple[float, int, _Item]] = []  # SQS: messages by the time they are visible
        self.shards: list[dict[str, Any]] = [
            {"items": [], "pos": 0, "busy": False, "retries": 0, "size": 0, "blocked_since": None,
             "backoff_until": 0.0, "halves": []} for _ in range(max(1, scenario.trigger.shards))]

    # -- the clock ------------------------------------------------------------------------------------------
    def at(self, t: float, kind: str, data: Any = None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, data))

    def run(self) -> Report:
        with self.env:
            for i in range(self.s.count):
                self.at(i / self.s.rate if self.s.rate > 0 else 0.0, "arrive", i + 1)
            if self.s.trigger.type == "sqs":
                self.pollers = self.idle_pollers = SQS_START_POLLERS
            while self.heap:
                t, _, kind, data = heapq.heappop(self.heap)
                if t > self.s.until:
                    break
                self.now = t
                getattr(self, f"_on_{kind}")(data)
        for shard in self.shards:
            if shard["blocked_since"] is not None:
                self.report.blocked_seconds += self.now - shard["blocked_since"]
        for item in self.items:
            if item.state == "queued":
                item.state = "lost" if self.now >= item.arrived + self.s.trigger.retention else "queued"
        self._finish()
        return self.report

    def _track(self, delta: int) -> None:
        self.in_flight += delta
        second = int(self.now)
        self._sample[second] = max(self._sample.get(second, 0), self.in_flight)

    # -- running the handler -----------------------------------------------------------------------------------
    def _execute(self, event: Any, items: list[_Item], fail_ids: set[str]) -> tuple[str, float, Invocation, set[str]]:
        """Run the real handler; (outcome, virtual duration ms, invocation, ids the response reports failed)."""
        inject = None
        if fail_ids and not (self.s.trigger.type == "sqs" and self.s.trigger.report_batch_item_failures):
            inject = f"injected failure of record {', '.join(str(i.n) for i in items if i.id in fail_ids)}"
        inv = self.env.invoke(json.dumps(event), inject_error=inject)
        duration = inv.duration_ms
        if self.s.slow and self.s.slow[0] <= self.now < self.s.slow[1]:
            duration += self.s.slow[2]
        if inv.status == "timeout" or duration >= self.spec.timeout_s * 1000:
            return "timeout", min(duration, self.spec.timeout_s * 1000), inv, set()
        if inv.status != "success":
            return "error", duration, inv, set()
        reported: set[str] = set(fail_ids)
        if self.s.trigger.type == "sqs" and self.s.trigger.report_batch_item_failures:
            try:
                body = json.loads(inv.response or "null")
                listed = body.get("batchItemFailures", []) if isinstance(body, dict) else []
                reported |= {str(x.get("itemIdentifier")) for x in listed if isinstance(x, dict)}
            except ValueError:
                pass
        return "success", duration, inv, reported

    @staticmethod
    def _billed(inv: Invocation, duration_ms: float) -> int:
        """Billed for the virtual duration (with an injected slowdown), init included (since 2025-08-01)."""
        return math.ceil(duration_ms + (inv.init_ms or 0.0))

    def _start_invocation(self) -> bool:
        if self.in_flight >= self.s.concurrency_limit:
            self.report.throttled += 1
            return False
        if self.idle_envs:
            self.idle_envs -= 1
        else:
            self.report.cold_starts += 1
        self._track(+1)
        return True

    def _end_invocation(self, billed_ms: int) -> None:
        self._track(-1)
        self.idle_envs += 1
        self.report.attempts += 1
        self.report.billed_ms += billed_ms

    # -- SQS ----------------------------------------------------------------------------------------------------
    def _on_arrive(self, n: int) -> None:
        t = self.s.trigger
        body = self.s.body
        if body is None:
            body = f"message {n}" if t.type == "sqs" else {"record": n}
        item = _Item(n, str(uuid.uuid4()), body, self.now, visible_at=self.now)
        self.items.append(item)
        if t.type == "sqs":
            heapq.heappush(self.ready, (item.visible_at, item.n, item))
            self.at(self.now + t.retention, "expire", item)
            self._wake_pollers()
        elif t.type in ("kinesis", "dynamodb"):
            shard = self.shards[(n - 1) % len(self.shards)]
            shard["items"].append(item)
            if not shard["busy"]:
                self.at(self.now, "shard_poll", shard)
        elif t.type == "api":
            self._api_call(item)
        else:
            self._async_attempt(item, 0)

    def _wake_pollers(self) -> None:
        if self.first_waiting is None:
            self.first_waiting = self.now
        while self.idle_pollers:
            self.idle_pollers -= 1
            self.at(self.now, "poll")
        # scale up while messages wait: up to 300 more pollers a minute
        minutes = (self.now - self.first_waiting) / 60
        target = min(SQS_MAX_POLLERS, SQS_START_POLLERS + int(minutes * SQS_POLLERS_PER_MINUTE))
        while self.pollers < target:
            self.pollers += 1
            self.at(self.now, "poll")

    def _next_visible(self) -> _Item | None:
        """The next message that is visible now (by the time it became visible, then arrival order)."""
        while self.ready and self.ready[0][0] <= self.now:
            visible_at, _, item = heapq.heappop(self.ready)
            if item.state == "queued" and item.visible_at == visible_at:
                return item
        return None

    def _on_poll(self, _: Any) -> None:
        t = self.s.trigger
        batch: list[_Item] = []
        while len(batch) < t.batch_size:
            found = self._next_visible()
            if found is None:
                break
            item = found
            item.receives += 1
            if t.max_receive_count is not None and item.receives > t.max_receive_count:
                item.state = "dlq"  # SQS moves it on the receive that exceeds maxReceiveCount
                self.report.dead_lettered += 1
                self.report.dlq.append({"messageId": item.id, "record": item.n, "body": item.payload,
                                        "receives": item.receives - 1})
                continue
            item.visible_at = self.now + t.visibility_timeout
            heapq.heappush(self.ready, (item.visible_at, item.n, item))
            self.at(item.visible_at, "reappear", item)
            batch.append(item)
        if not batch:
            self.idle_pollers += 1
            if not self.ready:
                self.first_waiting = None
            return
        if not self._start_invocation():
            self.report.timeline.append({"t": round(self.now, 3), "records": [i.n for i in batch],
                                         "outcome": "throttled"})
            self.at(self.now + 1.0, "poll")  # the poller backs off; the batch returns after the visibility timeout
            return
        for item in batch:
            item.deliveries += 1
        event = {"Records": [events.sqs(str(i.payload), receive_count=i.receives, message_id=i.id)["Records"][0]
                             for i in batch]}
        fail_ids = {i.id for i in batch if i.n in self.s.fail_records}
        outcome, duration, inv, reported = self._execute(event, batch, fail_ids)
        self.at(self.now + duration / 1000, "sqs_done", (batch, outcome, reported, self._billed(inv, duration)))

    def _on_sqs_done(self, data: tuple[list[_Item], str, set[str], int]) -> None:
        batch, outcome, reported, billed = data
        self._end_invocation(billed)
        self.report.timeline.append({"t": round(self.now, 3), "records": [i.n for i in batch], "outcome": outcome})
        if outcome == "success":
            for item in batch:
                if item.id not in reported and item.state == "queued":
                    item.state = "done"
        else:
            self.report.failed += 1
        self.at(self.now, "poll")

    def _on_reappear(self, item: _Item) -> None:
        if item.state == "queued" and item.visible_at <= self.now:
            self._wake_pollers()

    def _on_expire(self, item: _Item) -> None:
        if item.state == "queued":
            item.state = "lost"

    # -- asynchronous invocation -------------------------------------------------------------------------------
    def _async_attempt(self, item: _Item, throttles: int) -> None:
        t = self.s.trigger
        if self.now - item.arrived > t.maximum_event_age:
            self._async_give_up(item, "EventAgeExceeded")
            return
        if not self._start_invocation():
            delay = min(THROTTLE_BACKOFF_MAX_S, 2.0 ** throttles)
            self.at(self.now + delay, "async_retry", (item, throttles + 1))
            return
        item.attempts += 1
        item.deliveries += 1
        event = item.payload
        outcome, duration, inv, _ = self._execute(event, [item], {item.id} if item.n in self.s.fail_records
                                                  else set())
        self.at(self.now + duration / 1000, "async_done", (item, outcome, inv, self._billed(inv, duration)))

    def _on_async_retry(self, data: tuple[_Item, int]) -> None:
        self._async_attempt(*data)

    def _on_async_done(self, data: tuple[_Item, str, Invocation, int]) -> None:
        item, outcome, inv, billed = data
        self._end_invocation(billed)
        self.report.timeline.append({"t": round(self.now, 3), "records": [item.n], "outcome": outcome})
        if outcome == "success":
            item.state = "done"
            return
        self.report.failed += 1
        retries_done = item.attempts - 1
        if retries_done < self.s.trigger.retries():
            delay = ASYNC_RETRY_DELAYS_S[min(retries_done, len(ASYNC_RETRY_DELAYS_S) - 1)]
            if self.now + delay - item.arrived <= self.s.trigger.maximum_event_age:
                self.at(self.now + delay, "async_retry", (item, 0))
                return
            self._async_give_up(item, "EventAgeExceeded", inv)
            return
        self._async_give_up(item, "RetriesExhausted", inv)

    def _async_give_up(self, item: _Item, condition: str, inv: Invocation | None = None) -> None:
        if not self.s.trigger.on_failure:
            item.state = "lost"
            return
        item.state = "dlq"
        self.report.dead_lettered += 1
        # The on-failure destination's record (DG "Capturing records of asynchronous invocations").
        self.report.dlq.append({
            "version": "1.0", "requestContext": {
                "requestId": inv.request_id if inv else None,
                "functionArn": f"arn:aws:lambda:{self.spec.region}:{self.spec.account}:function:{self.spec.name}"
                               f":{self.spec.version}",
                "condition": condition, "approximateInvokeCount": item.attempts},
            "requestPayload": item.payload,
            "responseContext": {"statusCode": 200, "executedVersion": self.spec.version,
                                "functionError": "Unhandled"},
            "responsePayload": json.loads(inv.response) if inv and inv.response else None})

    # -- streams --------------------------------------------------------------------------------------------------
    def _stream_event(self, batch: list[_Item], shard_no: int) -> dict[str, Any]:
        records = []
        for item in batch:
            if self.s.trigger.type == "kinesis":
                record = events.kinesis(str(item.payload), sequence=item.n)["Records"][0]
                record["eventID"] = f"shardId-{shard_no:012d}:{record['kinesis']['sequenceNumber']}"
            else:
                record = events.dynamodb({"pk": {"S": str(item.n)}}, sequence=item.n)["Records"][0]
            records.append(record)
        return {"Records": records}

    def _on_shard_poll(self, shard: dict[str, Any]) -> None:
        t = self.s.trigger
        if shard["busy"] or self.now < shard["backoff_until"]:
            return  # an arrival does not cut a retry's wait short
        pending = [i for i in shard["items"][shard["pos"]:] if i.arrived <= self.now]
        # records past their maximum age are skipped (to the destination); past the stream's retention they are gone
        limit = t.maximum_record_age if t.maximum_record_age >= 0 else STREAM_RETENTION_S
        expired: list[_Item] = []
        for item in pending:
            if self.now - item.arrived <= limit:
                break
            expired.append(item)
        if expired:
            self._stream_give_up(shard, expired, "RecordAgeExceeded", to_destination=t.maximum_record_age >= 0)
            self.at(self.now, "shard_poll", shard)
            return
        if not pending:
            return
        size = shard["size"] or t.batch_size
        batch = pending[:size]
        if not self._start_invocation():
            self.at(self.now + 1.0, "shard_poll", shard)
            return
        shard["busy"] = True
        for item in batch:
            item.deliveries += 1
        fail_ids = {i.id for i in batch if i.n in self.s.fail_records}
        outcome, duration, inv, _ = self._execute(self._stream_event(batch, self.shards.index(shard)), batch,
                                                  fail_ids)
        self.at(self.now + duration / 1000, "shard_done", (shard, batch, outcome, self._billed(inv, duration)))

    def _on_shard_done(self, data: tuple[dict[str, Any], list[_Item], str, int]) -> None:
        shard, batch, outcome, billed = data
        t = self.s.trigger
        self._end_invocation(billed)
        shard["busy"] = False
        self.report.timeline.append({"t": round(self.now, 3), "records": [i.n for i in batch], "outcome": outcome})
        if outcome == "success":
            for item in batch:
                item.state = "done"
            self._advance(shard, len(batch))
            self.at(self.now, "shard_poll", shard)
            return
        self.report.failed += 1
        if shard["blocked_since"] is None:
            shard["blocked_since"] = self.now
        if t.bisect_on_error and len(batch) > 1:
            # halving does not use a retry; the second half is tried after the first
            first = (len(batch) + 1) // 2
            shard["size"] = first
            shard["halves"].insert(0, len(batch) - first)
            self.at(self.now, "shard_poll", shard)
            return
        shard["size"] = len(batch)  # the same batch is retried, not a larger one
        shard["retries"] += 1
        if 0 <= t.retries() < shard["retries"]:
            self._stream_give_up(shard, batch, "RetryAttemptsExhausted")
            self.at(self.now, "shard_poll", shard)
            return
        delay = min(STREAM_RETRY_MAX_S, 2.0 ** min(shard["retries"] - 1, 10))
        shard["backoff_until"] = self.now + delay
        self.at(self.now + delay, "shard_poll", shard)

    def _advance(self, shard: dict[str, Any], n: int) -> None:
        shard["pos"] += n
        shard["retries"] = 0
        shard["size"] = shard["halves"].pop(0) if shard["halves"] else 0
        if shard["blocked_since"] is not None:
            self.report.blocked_seconds += self.now - shard["blocked_since"]
            shard["blocked_since"] = None

    def _stream_give_up(self, shard: dict[str, Any], batch: list[_Item], condition: str,
                        to_destination: bool = True) -> None:
        t = self.s.trigger
        sent = t.on_failure and to_destination
        for item in batch:
            item.state = "dlq" if sent else "lost"
        if sent:
            self.report.dead_lettered += len(batch)
            key = "KinesisBatchInfo" if t.type == "kinesis" else "DDBStreamBatchInfo"
            self.report.dlq.append({"requestContext": {"condition": condition,
                                                       "approximateInvokeCount": max(1, shard["retries"])},
                                    key: {"shardId": f"shardId-{self.shards.index(shard):012d}",
                                          "startSequenceNumber": str(batch[0].n), "endSequenceNumber": str(batch[-1].n),
                                          "batchSize": len(batch)}})
        self._advance(shard, len(batch))

    # -- API Gateway (synchronous) ---------------------------------------------------------------------------
    def _api_call(self, item: _Item) -> None:
        def answer(code: str) -> None:
            self.report.responses[code] = self.report.responses.get(code, 0) + 1

        if not self._start_invocation():
            answer("429")
            item.state = "lost"
            return
        item.deliveries += 1
        event = events.api("POST", "/", json.dumps(item.payload) if not isinstance(item.payload, str)
                           else item.payload)
        outcome, duration, inv, _ = self._execute(event, [item], {item.id} if item.n in self.s.fail_records
                                                  else set())
        if duration / 1000 > API_INTEGRATION_TIMEOUT_S:
            answer("504")  # the client gave up at 29 s; the function runs on
            item.state = "lost"
        elif outcome != "success":
            answer("502")
            item.state = "lost"
        else:
            body = json.loads(inv.response or "null")
            code = body.get("statusCode", 200) if isinstance(body, dict) else 200
            answer(str(code))
            item.state = "done"
        self.at(self.now + duration / 1000, "api_done", (item, outcome, self._billed(inv, duration)))

    def _on_api_done(self, data: tuple[_Item, str, int]) -> None:
        item, outcome, billed = data
        self._end_invocation(billed)
        if outcome != "success":
            self.report.failed += 1
        self.report.timeline.append({"t": round(self.now, 3), "records": [item.n], "outcome": outcome})

    # -- the result ------------------------------------------------------------------------------------------------
    def _finish(self) -> None:
        r = self.report
        r.succeeded = sum(1 for i in self.items if i.state == "done")
        r.lost = sum(1 for i in self.items if i.state == "lost")
        r.retried = sum(1 for i in self.items if i.deliveries > 1)
        r.duplicates_delivered = sum(max(0, i.deliveries - 1) for i in self.items)
        r.concurrency = [[float(s), float(n)] for s, n in sorted(self._sample.items())]
        r.cost_usd = str(_cost(r.attempts, r.billed_ms, self.spec.memory_mb))


def _cost(requests: int, billed_ms: int, memory_mb: int) -> Decimal:
    from lambdoctor.cost.model import cents
    from lambdoctor.cost.prices import table

    prices = table()
    gb_s = Decimal(billed_ms) / 1000 * Decimal(memory_mb) / 1024
    rate = prices.duration_tiers["x86_64"][0][1]
    return cents(Decimal(requests) * prices.request_usd + gb_s * rate) if requests else Decimal("0.00")


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
        scenario = Scenario(
            trigger, count=int(traffic.get("count", 10)), rate=float(traffic.get("rate", 1.0)),
            body=traffic.get("body"), fail_records=frozenset(int(x) for x in faults.get("fail_records", [])),
            slow=(float(slow["from"]), float(slow["to"]), float(slow["extra_ms"])) if slow else None,
            concurrency_limit=int((doc.get("concurrency") or {}).get("limit", 1000)),
            until=float(doc.get("until", 7 * 86400)))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ScenarioError(f"scenario: {exc}") from None
    if scenario.count < 0 or scenario.rate < 0 or trigger.batch_size < 1 or not math.isfinite(scenario.until):
        raise ScenarioError("traffic.count ≥ 0, traffic.rate ≥ 0 (0: all at once) and trigger.batch_size ≥ 1")
    return scenario


def simulate(spec: FunctionSpec, scenario: Scenario, log: Any) -> Report:
    return Simulator(spec, scenario, log).run()

