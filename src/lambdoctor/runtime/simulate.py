"""``lambdoctor simulate``: the real handler driven through a trigger's documented semantics on a virtual clock.

Triggers: SQS and Kinesis/DynamoDB-stream event source mappings, asynchronous invocation and API Gateway's
synchronous calls; the handler's own AWS calls (``runtime/aws_capture.py``) are answered here, so a message it sends
to its own queue, or a function it invokes, is part of the simulation.

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

Concurrency (DG "Lambda function scaling", facts.md §4): a function with reserved concurrency has exactly that
many; the others share the account's quota minus all reservations; at most 1,000 new environments per function
every 10 s; provisioned environments are initialized before the traffic (no cold start) and bill their capacity.
A throttle is a 429 for a synchronous caller (which botocore retries, for a handler's Invoke), a back-off for
asynchronous events and stream pollers, a receive that returns after the visibility timeout for SQS.

Recursive loops (DG "Lambda recursive loop detection"): every event carries its lineage; the 17th invocation of
one lineage is not made — an SQS message goes to the queue's dead-letter queue if it has one, an asynchronous event
to its destination, a synchronous Invoke gets RecursiveInvocationException — unless the function's RecursiveLoop
is Allow.

Synchronous chains: a handler's Invoke runs the callee now, in its own environment; the caller waits the callee's
virtual duration. Past the caller's client read timeout (botocore: 60 s) the SDK stops waiting and retries — the
callee runs on; past the caller's own timeout the caller is stopped (its environment reset) while the callee runs
on. A downstream database (``downstream.connections``) gets one connection per execution environment, opened at
init: an environment past the limit fails its init ("too many clients") and is discarded.

Each invocation really runs the handler, in virtual time order; its measured duration (plus an injected slowdown
and the virtual time of its AWS calls) is its virtual duration. Simulated environments are counted for cold starts,
concurrency and connections, but share one real worker per function (one more per level of nested calls to the
same function): module state is that worker's. ``in_process`` (``simulate --in-process``, runtime/inprocess.py)
calls the handlers in this process instead: the same semantics, ~5x faster, not isolated.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import json
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lambdoctor.runtime import aws_capture, events, local_aws
from lambdoctor.runtime.environment import Environment, ExecutionEnvironment, FunctionSpec, Invocation

if TYPE_CHECKING:
    from lambdoctor.runtime.inprocess import SharedRuntime

ASYNC_RETRY_DELAYS_S = (60.0, 120.0)  # "waits one minute before the first retry, then two minutes"
THROTTLE_BACKOFF_MAX_S = 300.0
SQS_START_POLLERS, SQS_POLLERS_PER_MINUTE, SQS_MAX_POLLERS = 5, 300, 1250
STREAM_RETENTION_S = 86400.0  # Kinesis and DynamoDB streams keep records 24 h by default
STREAM_RETRY_MAX_S = 60.0
API_INTEGRATION_TIMEOUT_S = 29.0
RECURSION_LIMIT = 16  # "stops ... after 16 invocations" (DG invocation-recursion; boto3 issue #3899)
SCALING_ENVIRONMENTS, SCALING_WINDOW_S = 1000, 10.0  # per function (DG "Lambda scaling behavior", Nov 2023)
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
    depth: int = 1  # the invocations in this event's lineage so far, this one included (recursion detection)
    fn: str = ""  # async: the function it invokes (a handler's Invoke of another function)
    md5: str = ""

    def digest(self) -> str:
        """The MD5 of the SQS body (the record's md5OfBody), computed once however often it is delivered."""
        if not self.md5:
            self.md5 = hashlib.md5(str(self.payload).encode(), usedforsecurity=False).hexdigest()
        return self.md5


@dataclass
class _Fn:
    """One function in the simulation: its real workers and its simulated execution environments."""

    spec: FunctionSpec
    reserved: int | None
    provisioned: int
    real: list[Environment] = field(default_factory=list)  # one more per nesting level of calls to it
    nesting: int = 0
    in_flight: int = 0
    idle: int = 0  # warm simulated environments
    alive: int = 0  # simulated environments, idle or busy (each holds a downstream connection)
    created: deque[float] = field(default_factory=deque)  # cold starts in the last 10 s (the scaling rate)
    stats: dict[str, int] = field(default_factory=lambda: {
        "attempts": 0, "succeeded": 0, "errors": 0, "timeouts": 0, "throttled": 0, "cold_starts": 0,
        "peak_concurrency": 0, "billed_ms": 0, "provisioned_billed_ms": 0})


class Simulator:
    def __init__(self, spec: FunctionSpec, scenario: Scenario, log: Any,
                 others: tuple[FunctionSpec, ...] = (), in_process: bool = False) -> None:
        self.spec = spec
        self._inprocess: SharedRuntime | None = None
        if in_process:  # runtime/inprocess.py: fast, not isolated
            from lambdoctor.runtime.inprocess import SharedRuntime

            self._inprocess = SharedRuntime(log)
        self.s = scenario
        self.log = log
        self.fns: dict[str, _Fn] = {}
        for f in (spec, *others):
            entry = f is spec
            reserved = scenario.reserved if entry and scenario.reserved is not None else f.reserved_concurrency
            provisioned = scenario.provisioned if entry and scenario.provisioned is not None else (
                f.provisioned_concurrency)
            fn = _Fn(dataclasses.replace(f, capture_aws=True), reserved, provisioned)
            fn.idle = fn.alive = provisioned  # provisioned environments are initialized before any traffic
            self.fns[f.name] = fn
        self.entry = self.fns[spec.name]
        self.reserved_total = sum(f.reserved for f in self.fns.values() if f.reserved is not None)
        self.unreserved_in_flight = 0  # invocations of functions without reserved concurrency
        self.report = Report()
        self._ids = random.Random(0)  # message and request IDs: the same on every run of a scenario
        self.heap: list[tuple[float, int, str, Any]] = []
        self.seq = 0
        self.now = 0.0
        # the end of the last invocation: provisioned capacity bills until then (the clock itself runs on to
        # events that cost nothing, such as an SQS message's expiry four days after it was deleted)
        self.last_activity = 0.0
        self.depth = 1  # the lineage depth of the invocation running now (its AWS calls are one deeper)
        self.items: list[_Item] = []
        self.in_flight = 0
        self.idle_pollers = 0
        self.polls_pending = 0  # polls scheduled and not yet run
        self.pollers = 0
        self.first_waiting: float | None = None
        self._sample: dict[int, int] = {}
        self.connections_peak = 0
        self.connections_refused = 0
        self.ready: list[tuple[float, int, _Item]] = []  # SQS: messages by the time they are visible
        self.shards: list[dict[str, Any]] = [
            {"items": [], "pos": 0, "busy": False, "retries": 0, "size": 0, "blocked_since": None,
             "backoff_until": 0.0, "halves": []} for _ in range(max(1, scenario.trigger.shards))]

    def _uuid(self) -> str:
        """A version-4 UUID from the run's own generator (uuid.uuid4 reads the OS's randomness: slower, and
        different on every run)."""
        h = f"{self._ids.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    # -- the clock ------------------------------------------------------------------------------------------
    def at(self, t: float, kind: str, data: Any = None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, data))

    def run(self) -> Report:
        try:
            for i in range(self.s.count):
                self.at(i / self.s.rate if self.s.rate > 0 else 0.0, "arrive", i + 1)
            if self.s.trigger.type == "sqs":
                self.pollers = self.idle_pollers = SQS_START_POLLERS
            handlers: dict[str, Any] = {}
            heap, pop, until = self.heap, heapq.heappop, self.s.until
            while heap:
                t, _, kind, data = pop(heap)
                if t > until:
                    break
                self.now = t
                handler = handlers.get(kind)
                if handler is None:
                    handler = handlers[kind] = getattr(self, f"_on_{kind}")
                handler(data)
                heap = self.heap  # _settle_calls replaces the list
        finally:
            for fn in self.fns.values():
                for env in fn.real:
                    env.close()
            if self._inprocess is not None:
                self._inprocess.close()
        for shard in self.shards:
            if shard["blocked_since"] is not None:
                self.report.blocked_seconds += self.now - shard["blocked_since"]
        for item in self.items:
            if item.state == "queued":
                item.state = "lost" if self.now >= item.arrived + self.s.trigger.retention else "queued"
        self._finish()
        return self.report

    def _track(self, fn: _Fn, delta: int) -> None:
        self.in_flight += delta
        fn.in_flight += delta
        if fn.reserved is None:
            self.unreserved_in_flight += delta
        if fn.in_flight > fn.stats["peak_concurrency"]:
            fn.stats["peak_concurrency"] = fn.in_flight
        second = int(self.now)
        if self.in_flight > self._sample.get(second, 0):
            self._sample[second] = self.in_flight

    # -- running the handler -----------------------------------------------------------------------------------
    def _real_env(self, fn: _Fn) -> Environment:
        """The real worker for this nesting level: a function invoked while it is itself waiting (a synchronous
        call to itself) needs a second one."""
        while len(fn.real) <= fn.nesting:
            if self._inprocess is not None:
                from lambdoctor.runtime.inprocess import InProcessEnvironment

                self._inprocess.capture()
                env: Environment = InProcessEnvironment(fn.spec, self.log, self._inprocess)
            else:
                env = ExecutionEnvironment(fn.spec, self.log)
            env.on_call = lambda call, fn=fn: self._on_aws_call(fn, call)
            fn.real.append(env)
        return fn.real[fn.nesting]

    def _execute(self, fn: _Fn, event: Any, items: list[_Item], fail_ids: set[str], cold: bool,
                 depth: int) -> tuple[str, float, Invocation, set[str]]:
        """Run the real handler; (outcome, virtual duration ms, invocation, ids the response reports failed)."""
        self.report.max_chain = max(self.report.max_chain, depth)
        if cold and self.s.connections is not None and self._connections() > self.s.connections:
            # The new environment's init cannot open its connection: the invocation fails, the environment is
            # discarded (PostgreSQL's message; MySQL says "Too many connections").
            fn.alive -= 1
            self.connections_refused += 1
            error = {"errorMessage": "FATAL: sorry, too many clients already", "errorType": "OperationalError"}
            return "refused", 1.0, Invocation(self._uuid(), "error", json.dumps(error), "OperationalError",
                                              1.0, 1, None, 0), set()
        self.connections_peak = max(self.connections_peak, self._connections())
        batch_failures = self.s.trigger.type == "sqs" and self.s.trigger.report_batch_item_failures and (
            fn is self.entry)
        inject = None
        if fail_ids and not batch_failures:
            inject = f"injected failure of record {', '.join(str(i.n) for i in items if i.id in fail_ids)}"
        env = self._real_env(fn)
        saved = self.depth
        self.depth = depth
        fn.nesting += 1
        try:
            inv = env.invoke(json.dumps(event), request_id=self._uuid(), inject_error=inject)
        finally:
            fn.nesting -= 1
            self.depth = saved
        duration = inv.virtual_ms
        slow_fn = self.s.slow_function or self.spec.name
        if self.s.slow and fn.spec.name == slow_fn and self.s.slow[0] <= self.now < self.s.slow[1]:
            duration += self.s.slow[2]
        if inv.status == "timeout" or duration >= fn.spec.timeout_s * 1000:
            return "timeout", min(duration, fn.spec.timeout_s * 1000), inv, set()
        if inv.status != "success":
            return "error", duration, inv, set()
        reported: set[str] = set(fail_ids)
        if batch_failures:
            try:
                body = json.loads(inv.response or "null")
                listed = body.get("batchItemFailures", []) if isinstance(body, dict) else []
                reported |= {str(x.get("itemIdentifier")) for x in listed if isinstance(x, dict)}
            except ValueError:
                pass
        return "success", duration, inv, reported

    def _connections(self) -> int:
        return sum(fn.alive for fn in self.fns.values())

    @staticmethod
    def _billed(inv: Invocation, duration_ms: float) -> int:
        """Billed for the virtual duration (with an injected slowdown), init included (since 2025-08-01)."""
        return math.ceil(duration_ms + (inv.init_ms or 0.0))

    def _start_invocation(self, fn: _Fn) -> str | None:
        """Take a unit of concurrency: "warm" or "cold" (a new environment), None when throttled — by the
        function's reserved concurrency, the account's unreserved pool, or the scaling rate (1,000 new
        environments per function every 10 s, DG "Lambda scaling behavior")."""
        if fn.reserved is not None:
            allowed = fn.in_flight < fn.reserved
        else:
            allowed = self.unreserved_in_flight < self.s.concurrency_limit - self.reserved_total
        state = "warm" if fn.idle else "cold"
        if allowed and state == "cold":
            while fn.created and fn.created[0] <= self.now - SCALING_WINDOW_S:
                fn.created.popleft()
            allowed = len(fn.created) < SCALING_ENVIRONMENTS
        if not allowed:
            self.report.throttled += 1
            fn.stats["throttled"] += 1
            return None
        if state == "warm":
            fn.idle -= 1
        else:
            fn.created.append(self.now)
            fn.alive += 1
            self.report.cold_starts += 1
            fn.stats["cold_starts"] += 1
        self._track(fn, +1)
        return state

    def _end_invocation(self, billed_ms: int, fn: _Fn, outcome: str) -> None:
        on_provisioned = fn.in_flight <= fn.provisioned
        self._track(fn, -1)
        if outcome in ("success", "error"):
            fn.idle += 1
        elif outcome == "timeout":  # Lambda resets the environment: the next invocation there is a cold start
            fn.alive -= 1
        # "refused": the environment never came up (its init could not connect)
        self.report.attempts += 1
        self.report.billed_ms += billed_ms
        self.last_activity = self.now
        fn.stats["attempts"] += 1
        fn.stats["provisioned_billed_ms" if on_provisioned else "billed_ms"] += billed_ms
        fn.stats["succeeded" if outcome == "success" else "timeouts" if outcome == "timeout" else "errors"] += 1

    def _stopped_by_recursion(self, fn: _Fn, depth: int) -> bool:
        """Lambda stops the 17th invocation in one event's lineage unless the function allows loops."""
        if depth > RECURSION_LIMIT and fn.spec.recursive_loop != "Allow":
            self.report.recursion_stopped += 1
            return True
        return False

    # -- the handler's AWS calls ---------------------------------------------------------------------------------
    def _on_aws_call(self, caller: _Fn, call: dict[str, Any]) -> dict[str, Any]:
        service, operation = str(call.get("service")), str(call.get("operation"))
        params = call.get("params") or {}
        key = f"{service}.{operation}"
        self.report.aws_calls[key] = self.report.aws_calls.get(key, 0) + 1
        when = self.now + float(call.get("elapsed_ms", 0.0)) / 1000
        if service == "lambda" and operation == "Invoke":
            return self._on_invoke(params, when, float(call.get("read_timeout", 60.0)))
        if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
            entries = params.get("Entries", []) if operation == "SendMessageBatch" else [params]
            name = str(params.get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1]
            for entry in entries:
                if self.s.trigger.type == "sqs" and name == self.s.trigger.queue:
                    self.at(when, "sent", (str(entry.get("MessageBody", "")), self.depth + 1))
                else:
                    self.report.sent[name] = self.report.sent.get(name, 0) + 1
            return local_aws.answer(call, self._uuid)
        if service == "sns" and operation == "Publish":
            topic = str(params.get("TopicArn") or params.get("TargetArn") or "").rsplit(":", 1)[-1]
            if self.s.trigger.type == "async" and topic == self.s.trigger.topic:
                self.at(when, "sent", (params.get("Message"), self.depth + 1))
            else:
                self.report.sent[topic] = self.report.sent.get(topic, 0) + 1
            return local_aws.answer(call, self._uuid)
        if service == "events" and operation == "PutEvents":
            self.report.sent["events"] = self.report.sent.get("events", 0) + len(params.get("Entries", []))
            return local_aws.answer(call, self._uuid)
        if service == "s3" and operation == "PutObject":
            bucket = str(params.get("Bucket", ""))
            self.report.sent[bucket] = self.report.sent.get(bucket, 0) + 1
            return local_aws.answer(call, self._uuid)
        if service == "dynamodb":
            return local_aws.answer(call, self._uuid)
        return {"raise": "NotSimulated", "message": f"lambdoctor simulate does not answer {key}"}

    def _function_named(self, name: str) -> _Fn | None:
        # a name, an ARN (arn:aws:lambda:region:account:function:NAME[:qualifier]) or a partial ARN
        parts = name.split(":")
        if "function" in parts:
            name = parts[parts.index("function") + 1]
        return self.fns.get(name)

    def _on_invoke(self, params: dict[str, Any], when: float, read_timeout: float) -> dict[str, Any]:
        target = self._function_named(str(params.get("FunctionName", "")))
        if target is None:
            return aws_capture.json_answer({"Type": "User", "message": f"Function not found: "
                                            f"{params.get('FunctionName')}"}, 404, "ResourceNotFoundException",
                                           "application/json")
        payload = params.get("Payload") or "{}"
        try:
            event = json.loads(payload) if isinstance(payload, str) else payload
        except ValueError:
            return aws_capture.json_answer({"Type": "User", "message": "Could not parse request body into json"},
                                           400, "InvalidRequestContentException", "application/json")
        kind = params.get("InvocationType", "RequestResponse")
        if kind == "DryRun":
            return {"status": 204, "body": b""}
        if kind == "Event":
            item = _Item(len(self.items) + 1, self._uuid(), event, when, depth=self.depth + 1,
                         fn=target.spec.name)
            self.items.append(item)
            self.at(when, "async_retry", (item, 0))
            return {"status": 202, "body": b""}
        if self._stopped_by_recursion(target, self.depth + 1):
            return aws_capture.json_answer({"Type": "User", "message": "Recursive invocation chain detected"},
                                           400, "RecursiveInvocationException", "application/json")
        self._settle_calls(when)
        saved = self.now
        self.now = when
        try:
            state = self._start_invocation(target)
            if state is None:
                reason = ("ReservedFunctionConcurrentInvocationLimitExceeded" if target.reserved is not None
                          else "ConcurrentInvocationLimitExceeded")
                return aws_capture.json_answer({"Type": "User", "message": "Rate Exceeded.", "Reason": reason},
                                               429, "TooManyRequestsException", "application/json")
            outcome, duration, inv, _ = self._execute(target, event, [], set(), state == "cold", self.depth + 1)
            self.at(when + duration / 1000, "call_done", (target, outcome, self._billed(inv, duration)))
        finally:
            self.now = saved
        if duration / 1000 >= read_timeout:
            # the caller's SDK stops waiting (and, by default, tries again); the function runs on and bills
            return {"raise": "read_timeout", "virtual_ms": read_timeout * 1000}
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": target.spec.version}
        if outcome != "success":
            headers["X-Amz-Function-Error"] = "Unhandled"
        return {"status": 200, "headers": headers, "body": inv.response or "null", "virtual_ms": duration}

    def _settle_calls(self, until: float) -> None:
        """End the nested invocations due by ``until`` before another starts: a caller's later call (an SDK retry)
        happens after its earlier callees finished, though the main loop is still inside the caller."""
        due = sorted(e for e in self.heap if e[2] == "call_done" and e[0] <= until)
        if not due:
            return
        self.heap = [e for e in self.heap if not (e[2] == "call_done" and e[0] <= until)]
        heapq.heapify(self.heap)
        saved = self.now
        for t, _, _, data in due:
            self.now = t
            self._on_call_done(data)
        self.now = saved

    def _on_call_done(self, data: tuple[_Fn, str, int]) -> None:
        fn, outcome, billed = data
        self._end_invocation(billed, fn, outcome)
        if outcome != "success":
            self.report.failed += 1
        self.report.timeline.append({"t": round(self.now, 3), "function": fn.spec.name, "records": [],
                                     "outcome": outcome})

    def _on_sent(self, data: tuple[Any, int]) -> None:
        """A message the handler sent to its own trigger arrives."""
        body, depth = data
        item = _Item(len(self.items) + 1, self._uuid(), body, self.now, visible_at=self.now, depth=depth)
        self._admit(item)

    # -- arrivals ---------------------------------------------------------------------------------------------
    def _on_arrive(self, n: int) -> None:
        t = self.s.trigger
        body = self.s.body
        if body is None:
            body = f"message {n}" if t.type == "sqs" else {"record": n}
        self._admit(_Item(n, self._uuid(), body, self.now, visible_at=self.now))

    def _admit(self, item: _Item) -> None:
        t = self.s.trigger
        self.items.append(item)
        n = item.n
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
        # scale up while messages wait: up to 300 more pollers a minute
        minutes = (self.now - self.first_waiting) / 60
        target = min(SQS_MAX_POLLERS, SQS_START_POLLERS + int(minutes * SQS_POLLERS_PER_MINUTE))
        if self.pollers < target:
            self.idle_pollers += target - self.pollers
            self.pollers = target
        # Idle pollers long-poll all the time; one acts now, and each poll that leaves visible messages behind
        # wakes the next (the others would receive nothing).
        if self.idle_pollers and not self.polls_pending:
            self.idle_pollers -= 1
            self._poll_at(self.now)

    def _poll_at(self, t: float) -> None:
        self.polls_pending += 1
        self.at(t, "poll")

    def _next_visible(self) -> _Item | None:
        """The next message that is visible now (by the time it became visible, then arrival order)."""
        while self.ready and self.ready[0][0] <= self.now:
            visible_at, _, item = heapq.heappop(self.ready)
            if item.state == "queued" and item.visible_at == visible_at:
                return item
        return None

    def _more_visible(self) -> bool:
        """Whether a message is visible now (entries of deleted or re-received messages are dropped)."""
        while self.ready and self.ready[0][0] <= self.now:
            visible_at, _, item = self.ready[0]
            if item.state == "queued" and item.visible_at == visible_at:
                return True
            heapq.heappop(self.ready)
        return False

    def _on_poll(self, _: Any) -> None:
        self.polls_pending -= 1
        t = self.s.trigger
        batch: list[_Item] = []
        while len(batch) < t.batch_size:
            found = self._next_visible()
            if found is None:
                break
            item = found
            if self._stopped_by_recursion(self.entry, item.depth):
                # received, not delivered: to the queue's dead-letter queue if it has one, else dropped
                item.state = "dlq" if t.max_receive_count is not None else "lost"
                if item.state == "dlq":
                    self.report.dead_lettered += 1
                    self.report.dlq.append({"messageId": item.id, "record": item.n, "body": item.payload,
                                            "receives": item.receives, "reason": "RecursiveInvocationException"})
                continue
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
            if not self._more_visible():
                self.first_waiting = None
            return
        if self.idle_pollers and self._more_visible():
            self.idle_pollers -= 1
            self._poll_at(self.now)
        state = self._start_invocation(self.entry)
        if state is None:
            self.report.timeline.append({"t": round(self.now, 3), "records": [i.n for i in batch],
                                         "outcome": "throttled"})
            self._poll_at(self.now + 1.0)  # the poller backs off; the batch returns after the visibility timeout
            return
        for item in batch:
            item.deliveries += 1
        sent_ms = str(int(time.time() * 1000))
        event = {"Records": [events.sqs_record(str(i.payload), sent_ms, "queue", i.receives, i.id,
                                               f"{self._ids.getrandbits(128):032x}", i.digest()) for i in batch]}
        fail_ids = {i.id for i in batch if i.n in self.s.fail_records}
        outcome, duration, inv, reported = self._execute(self.entry, event, batch, fail_ids, state == "cold",
                                                         max(i.depth for i in batch))
        self.at(self.now + duration / 1000, "sqs_done", (batch, outcome, reported, self._billed(inv, duration)))

    def _on_sqs_done(self, data: tuple[list[_Item], str, set[str], int]) -> None:
        batch, outcome, reported, billed = data
        self._end_invocation(billed, self.entry, outcome)
        self.report.timeline.append({"t": round(self.now, 3), "records": [i.n for i in batch], "outcome": outcome})
        if outcome == "success":
            for item in batch:
                if item.id not in reported and item.state == "queued":
                    item.state = "done"
        else:
            self.report.failed += 1
        self._poll_at(self.now)

    def _on_reappear(self, item: _Item) -> None:
        if item.state == "queued" and item.visible_at <= self.now:
            self._wake_pollers()

    def _on_expire(self, item: _Item) -> None:
        if item.state == "queued":
            item.state = "lost"

    # -- asynchronous invocation -------------------------------------------------------------------------------
    def _async_fn(self, item: _Item) -> tuple[_Fn, Trigger]:
        """The function an asynchronous event is for and its settings (a function the handler invoked with
        InvocationType Event has Lambda's defaults: 2 retries, 6 hours, no destination)."""
        if item.fn and item.fn != self.spec.name:
            return self.fns[item.fn], Trigger(type="async")
        return self.entry, self.s.trigger

    def _async_attempt(self, item: _Item, throttles: int) -> None:
        fn, t = self._async_fn(item)
        if self.now - item.arrived > t.maximum_event_age:
            self._async_give_up(item, "EventAgeExceeded")
            return
        if item.attempts == 0 and self._stopped_by_recursion(fn, item.depth):
            self._async_give_up(item, "RecursiveInvocationException")
            return
        state = self._start_invocation(fn)
        if state is None:
            delay = min(THROTTLE_BACKOFF_MAX_S, 2.0 ** throttles)
            self.at(self.now + delay, "async_retry", (item, throttles + 1))
            return
        item.attempts += 1
        item.deliveries += 1
        event = item.payload
        failing = {item.id} if item.n in self.s.fail_records and fn is self.entry else set()
        outcome, duration, inv, _ = self._execute(fn, event, [item], failing, state == "cold", item.depth)
        self.at(self.now + duration / 1000, "async_done", (item, outcome, inv, self._billed(inv, duration)))

    def _on_async_retry(self, data: tuple[_Item, int]) -> None:
        self._async_attempt(*data)

    def _on_async_done(self, data: tuple[_Item, str, Invocation, int]) -> None:
        item, outcome, inv, billed = data
        fn, t = self._async_fn(item)
        self._end_invocation(billed, fn, outcome)
        entry = {"t": round(self.now, 3), "records": [item.n], "outcome": outcome}
        if fn is not self.entry:
            entry["function"] = fn.spec.name
        self.report.timeline.append(entry)
        if outcome == "success":
            item.state = "done"
            return
        self.report.failed += 1
        retries_done = item.attempts - 1
        if retries_done < t.retries():
            delay = ASYNC_RETRY_DELAYS_S[min(retries_done, len(ASYNC_RETRY_DELAYS_S) - 1)]
            if self.now + delay - item.arrived <= t.maximum_event_age:
                self.at(self.now + delay, "async_retry", (item, 0))
                return
            self._async_give_up(item, "EventAgeExceeded", inv)
            return
        self._async_give_up(item, "RetriesExhausted", inv)

    def _async_give_up(self, item: _Item, condition: str, inv: Invocation | None = None) -> None:
        fn, t = self._async_fn(item)
        if not t.on_failure:
            item.state = "lost"
            return
        item.state = "dlq"
        self.report.dead_lettered += 1
        spec = fn.spec
        # The on-failure destination's record (DG "Capturing records of asynchronous invocations").
        self.report.dlq.append({
            "version": "1.0", "requestContext": {
                "requestId": inv.request_id if inv else None,
                "functionArn": f"arn:aws:lambda:{spec.region}:{spec.account}:function:{spec.name}:{spec.version}",
                "condition": condition, "approximateInvokeCount": item.attempts},
            "requestPayload": item.payload,
            "responseContext": {"statusCode": 200, "executedVersion": spec.version,
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
        state = self._start_invocation(self.entry)
        if state is None:
            self.at(self.now + 1.0, "shard_poll", shard)
            return
        shard["busy"] = True
        for item in batch:
            item.deliveries += 1
        fail_ids = {i.id for i in batch if i.n in self.s.fail_records}
        outcome, duration, inv, _ = self._execute(self.entry, self._stream_event(batch, self.shards.index(shard)),
                                                  batch, fail_ids, state == "cold", 1)
        self.at(self.now + duration / 1000, "shard_done", (shard, batch, outcome, self._billed(inv, duration)))

    def _on_shard_done(self, data: tuple[dict[str, Any], list[_Item], str, int]) -> None:
        shard, batch, outcome, billed = data
        t = self.s.trigger
        self._end_invocation(billed, self.entry, outcome)
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

        state = self._start_invocation(self.entry)
        if state is None:
            answer("429")
            item.state = "lost"
            return
        item.deliveries += 1
        event = events.api("POST", "/", json.dumps(item.payload) if not isinstance(item.payload, str)
                           else item.payload)
        outcome, duration, inv, _ = self._execute(self.entry, event, [item], {item.id} if item.n in
                                                  self.s.fail_records else set(), state == "cold", item.depth)
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
        self._end_invocation(billed, self.entry, outcome)
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
        r.cost_usd = str(_cost(list(self.fns.values()), self.last_activity))
        if len(self.fns) > 1 or any(f.provisioned or f.reserved is not None for f in self.fns.values()):
            r.functions = {name: dict(fn.stats) for name, fn in self.fns.items()}
        if self.s.connections is not None:
            r.downstream = {"connection_limit": self.s.connections, "peak_connections": self.connections_peak,
                            "refused": self.connections_refused}


def _cost(fns: list[_Fn], seconds: float) -> Decimal:
    """On-demand requests and duration (x86, first tier) per function's memory; provisioned environments bill
    their capacity for the simulated time and their invocations at the provisioned duration price."""
    from lambdoctor.cost.prices import table
    from lambdoctor.units import cents

    prices = table()
    total = Decimal(0)
    for fn in fns:
        gb = Decimal(fn.spec.memory_mb) / 1024
        total += Decimal(fn.stats["attempts"]) * prices.request_usd
        total += Decimal(fn.stats["billed_ms"]) / 1000 * gb * prices.duration_tiers["x86_64"][0][1]
        if fn.provisioned:
            total += Decimal(fn.provisioned) * gb * Decimal(str(round(seconds, 3))) * (
                prices.provisioned_usd_per_gb_s["x86_64"])
            total += Decimal(fn.stats["provisioned_billed_ms"]) / 1000 * gb * (
                prices.provisioned_duration_usd_per_gb_s["x86_64"])
    return cents(total)


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


def simulate(spec: FunctionSpec, scenario: Scenario, log: Any, others: tuple[FunctionSpec, ...] = (),
             in_process: bool = False) -> Report:
    """Run ``scenario`` against ``spec``'s handler; ``others``: the functions its handler may invoke;
    ``in_process``: call the handlers in this process (runtime/inprocess.py) instead of worker processes."""
    return Simulator(spec, scenario, log, others, in_process).run()

