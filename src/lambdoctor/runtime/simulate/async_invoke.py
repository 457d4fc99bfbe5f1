"""Asynchronous invocation (DG "Asynchronous invocation"): an error is retried twice by default, 1 minute and then
2 minutes later; throttles are retried with back-off (1 s doubling to 5 minutes) without counting as retries; an
event older than ``maximum_event_age`` (6 h) is not retried; the failed event goes to the on-failure destination or
DLQ with its record, or is lost.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from lambdoctor.runtime.environment import Invocation
from lambdoctor.runtime.simulate.core import Core, Fn, Item
from lambdoctor.runtime.simulate.limits import (
    ASYNC_RETRY_DELAYS_S,
    THROTTLE_BACKOFF_MAX_S,
)
from lambdoctor.runtime.simulate.scenario import Trigger


class AsyncInvocation(Core):
    # -- asynchronous invocation -------------------------------------------------------------------------------
    def _async_fn(self, item: Item) -> tuple[Fn, Trigger]:
        """The function an asynchronous event is for and its settings (a function the handler invoked with
        InvocationType Event has Lambda's defaults: 2 retries, 6 hours, no destination)."""
        if item.fn and item.fn != self.spec.name:
            return self.fns[item.fn], Trigger(type="async")
        return self.entry, self.s.trigger

    def _async_attempt(self, item: Item, throttles: int) -> None:
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

    def _on_async_retry(self, data: tuple[Item, int]) -> None:
        self._async_attempt(*data)

    def _on_async_done(self, data: tuple[Item, str, Invocation, int]) -> None:
        item, outcome, inv, billed = data
        fn, t = self._async_fn(item)
        self._end_invocation(billed, fn, outcome)
        entry = {"t": round(self.now, 3), "records": [item.n], "outcome": outcome}
        if fn is not self.entry:
            entry["function"] = fn.spec.name
        self.report.timeline.append(entry)
        if outcome == "success":
            item.state = "done"
            if t.on_success:
                # The on-success destination gets the invocation record too (DG "Asynchronous invocation",
                # "Configuring destinations"), with condition Success and no functionError.
                self.report.on_success.append(self._invocation_record(fn, item, "Success", inv))
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

    @staticmethod
    def _invocation_record(fn: Fn, item: Item, condition: str, inv: Invocation | None) -> dict[str, Any]:
        """A destination's invocation record (DG "Asynchronous invocation", "Example invocation record":
        doc_source/invocation-async.md at 38e9014, lines 126-152); a success has no functionError."""
        spec = fn.spec
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": spec.version}
        if condition != "Success":
            response_context["functionError"] = "Unhandled"
        return {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": inv.request_id if inv else None,
                "functionArn": f"arn:aws:lambda:{spec.region}:{spec.account}:function:{spec.name}:{spec.version}",
                "condition": condition, "approximateInvokeCount": item.attempts},
            "requestPayload": item.payload,
            "responseContext": response_context,
            "responsePayload": json.loads(inv.response) if inv and inv.response else None}

    def _async_give_up(self, item: Item, condition: str, inv: Invocation | None = None) -> None:
        fn, t = self._async_fn(item)
        if not t.on_failure and not t.dead_letter:
            item.state = "lost"
            return
        item.state = "dlq"
        self.report.dead_lettered += 1
        request_id = inv.request_id if inv else None
        response = json.loads(inv.response) if inv and inv.response else None
        if t.on_failure:
            self.report.dlq.append(self._invocation_record(fn, item, condition, inv))
        if t.dead_letter:
            # A dead-letter queue gets the event as it was, with three message attributes (same page, "Dead-letter
            # queues", lines 257-262): RequestID, ErrorCode (the HTTP status code: 200 for a function error, which
            # Invoke returns with X-Amz-Function-Error) and the first 1 KB of the error message. An event that never
            # ran (too old, a stopped loop) has no status code of its own: the guide is silent; none is given.
            message = response.get("errorMessage") if isinstance(response, dict) else None
            attributes: dict[str, Any] = {"RequestID": request_id}
            if inv is not None:
                attributes["ErrorCode"] = 200
            attributes["ErrorMessage"] = str(message if message is not None else condition).encode()[:1024].decode(
                "utf-8", "ignore")
            self.report.dlq.append({"body": json.dumps(item.payload), "attributes": attributes})
