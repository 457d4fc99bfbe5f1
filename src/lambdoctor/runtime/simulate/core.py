"""The simulation's core: the virtual clock, the functions and their execution environments, running the real
handler, and the handler's own AWS calls (an Invoke runs the callee now; a message sent to a simulated queue
arrives there).

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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lambdoctor.runtime import aws_capture, local_aws
from lambdoctor.runtime.environment import Environment, ExecutionEnvironment, FunctionSpec, Invocation
from lambdoctor.runtime.simulate.batch_response import reported_failures
from lambdoctor.runtime.simulate.limits import (
    RECURSION_LIMIT,
    SCALING_ENVIRONMENTS,
    SCALING_WINDOW_S,
    SQS_START_POLLERS,
)
from lambdoctor.runtime.simulate.scenario import Report, Scenario

if TYPE_CHECKING:
    from lambdoctor.runtime.inprocess import SharedRuntime


@dataclass
class Item:
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
    stopped: bool = False  # Lambda's loop detection stopped it (SQS: it stays in the queue)
    fn: str = ""  # async: the function it invokes (a handler's Invoke of another function)
    md5: str = ""
    group: str = ""  # SQS FIFO: its message group ID
    key: int = 0  # streams: its partition key (records of one key are read in order, by one batch at a time)

    def digest(self) -> str:
        """The MD5 of the SQS body (the record's md5OfBody), computed once however often it is delivered."""
        if not self.md5:
            self.md5 = hashlib.md5(str(self.payload).encode(), usedforsecurity=False).hexdigest()
        return self.md5


@dataclass
class Fn:
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

class Core:
    """The clock, the functions, their environments and the handler's AWS calls; the triggers are mixins over it."""

    def __init__(self, spec: FunctionSpec, scenario: Scenario, log: Any,
                 others: tuple[FunctionSpec, ...] = (), in_process: bool = False) -> None:
        self.spec = spec
        self._inprocess: SharedRuntime | None = None
        if in_process:  # runtime/inprocess.py: fast, not isolated
            from lambdoctor.runtime.inprocess import SharedRuntime

            self._inprocess = SharedRuntime(log)
        self.s = scenario
        self.log = log
        self.fns: dict[str, Fn] = {}
        for f in (spec, *others):
            entry = f is spec
            reserved = scenario.reserved if entry and scenario.reserved is not None else f.reserved_concurrency
            provisioned = scenario.provisioned if entry and scenario.provisioned is not None else (
                f.provisioned_concurrency)
            fn = Fn(dataclasses.replace(f, capture_aws=True), reserved, provisioned)
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
        self.items: list[Item] = []
        self.in_flight = 0
        self.idle_pollers = 0
        self.polls_pending = 0  # polls scheduled and not yet run
        self.pollers = 0
        self.first_waiting: float | None = None
        self._sample: dict[int, int] = {}
        self.connections_peak = 0
        self.connections_refused = 0
        self.ready: list[tuple[float, int, Item]] = []  # SQS: messages by the time they are visible
        self.groups: dict[str, list[Item]] = {}  # SQS FIFO: each message group's messages in order
        self.group_head: dict[str, int] = {}  # ... and the index of its first message not yet gone
        self.gathering: list[Item] | None = None  # SQS: the batch a batching window is gathering
        self.sqs_in_flight = 0  # SQS: the mapping's invocations running (ScalingConfig.MaximumConcurrency)
        # Streams: one lane per shard and parallelization slot; a record's partition key picks its shard and, with
        # ParallelizationFactor > 1, its lane in the shard — records of one key stay in one lane, in order.
        t = scenario.trigger
        self.shards: list[dict[str, Any]] = [
            {"items": [], "pos": 0, "busy": False, "retries": 0, "size": 0, "blocked_since": None,
             "backoff_until": 0.0, "halves": [], "no": no, "window_end": 0.0, "window_wait": False}
            for no in range(max(1, t.shards)) for _ in range(max(1, t.parallelization_factor))]

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

    def _track(self, fn: Fn, delta: int) -> None:
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
    def _real_env(self, fn: Fn) -> Environment:
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

    def _execute(self, fn: Fn, event: Any, items: list[Item], fail_ids: set[str], cold: bool,
                 depth: int, identifier: Callable[[Item], str] | None = None
                 ) -> tuple[str, float, Invocation, set[str]]:
        """Run the real handler; (outcome, virtual duration ms, invocation, ids the response reports failed).
        ``identifier``: what the response names a record by (SQS: its message ID, the item's id; a stream: its
        sequence number)."""
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
        batch_failures = self.s.trigger.type in ("sqs", "kinesis", "dynamodb") and (
            self.s.trigger.report_batch_item_failures) and (
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
            # an invalid response is a complete failure: every message of the batch returns (batch_response.py)
            named = {(identifier or (lambda i: i.id))(i): i.id for i in items}
            found = reported_failures(inv.response, named)
            reported |= {i.id for i in items} if isinstance(found, str) else {named[x] for x in found}
        return "success", duration, inv, reported

    def _connections(self) -> int:
        return sum(fn.alive for fn in self.fns.values())

    @staticmethod
    def _billed(inv: Invocation, duration_ms: float) -> int:
        """Billed for the virtual duration (with an injected slowdown), init included (since 2025-08-01)."""
        return math.ceil(duration_ms + (inv.init_ms or 0.0))

    def _start_invocation(self, fn: Fn) -> str | None:
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

    def _end_invocation(self, billed_ms: int, fn: Fn, outcome: str) -> None:
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

    def _stopped_by_recursion(self, fn: Fn, depth: int, again: bool = False) -> bool:
        """Lambda stops the 17th invocation in one event's lineage unless the function allows loops (counted once
        per event: ``again`` for an event stopped before, an SQS message received once more)."""
        if depth > RECURSION_LIMIT and fn.spec.recursive_loop != "Allow":
            if not again:
                self.report.recursion_stopped += 1
            return True
        return False

    # -- the handler's AWS calls ---------------------------------------------------------------------------------
    def _on_aws_call(self, caller: Fn, call: dict[str, Any]) -> dict[str, Any]:
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
                    self.at(when, "sent", (str(entry.get("MessageBody", "")), self.depth + 1,
                                           str(entry.get("MessageGroupId") or "")))
                else:
                    self.report.sent[name] = self.report.sent.get(name, 0) + 1
            return local_aws.answer(call, self._uuid)
        if service == "sns" and operation == "Publish":
            topic = str(params.get("TopicArn") or params.get("TargetArn") or "").rsplit(":", 1)[-1]
            if self.s.trigger.type == "async" and topic == self.s.trigger.topic:
                self.at(when, "sent", (params.get("Message"), self.depth + 1, ""))
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

    def _function_named(self, name: str) -> Fn | None:
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
            item = Item(len(self.items) + 1, self._uuid(), event, when, depth=self.depth + 1,
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

    def _on_call_done(self, data: tuple[Fn, str, int]) -> None:
        fn, outcome, billed = data
        self._end_invocation(billed, fn, outcome)
        if outcome != "success":
            self.report.failed += 1
        self.report.timeline.append({"t": round(self.now, 3), "function": fn.spec.name, "records": [],
                                     "outcome": outcome})

    # -- the result ------------------------------------------------------------------------------------------------
    def _finish(self) -> None:
        r = self.report
        r.succeeded = sum(1 for i in self.items if i.state == "done")
        r.lost = sum(1 for i in self.items if i.state == "lost")
        r.retried = sum(1 for i in self.items if i.deliveries > 1)
        r.duplicates_delivered = sum(max(0, i.deliveries - 1) for i in self.items)
        r.concurrency = [[float(s), float(n)] for s, n in sorted(self._sample.items())]
        r.cost_usd = str(cost_usd(list(self.fns.values()), self.last_activity))
        if len(self.fns) > 1 or any(f.provisioned or f.reserved is not None for f in self.fns.values()):
            r.functions = {name: dict(fn.stats) for name, fn in self.fns.items()}
        if self.s.connections is not None:
            r.downstream = {"connection_limit": self.s.connections, "peak_connections": self.connections_peak,
                            "refused": self.connections_refused}


def cost_usd(fns: list[Fn], seconds: float) -> Decimal:
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
