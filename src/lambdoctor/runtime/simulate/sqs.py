"""SQS (DG "Using Lambda with Amazon SQS", facts.md §4):
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
"""

from __future__ import annotations

import heapq
import time
from typing import Any

from lambdoctor.runtime import events
from lambdoctor.runtime.simulate.core import Core, Item
from lambdoctor.runtime.simulate.limits import (
    SQS_MAX_POLLERS,
    SQS_POLLERS_PER_MINUTE,
    SQS_START_POLLERS,
)


class SqsMapping(Core):
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

    def _next_visible(self) -> Item | None:
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
        batch: list[Item] = []
        while len(batch) < t.batch_size:
            found = self._next_visible()
            if found is None:
                break
            item = found
            item.receives += 1
            if t.max_receive_count is not None and item.receives > t.max_receive_count:
                item.state = "dlq"  # SQS moves it on the receive that exceeds maxReceiveCount
                self.report.dead_lettered += 1
                entry = {"messageId": item.id, "record": item.n, "body": item.payload, "receives": item.receives - 1}
                if item.stopped:
                    entry["reason"] = "RecursiveInvocationException"
                self.report.dlq.append(entry)
                continue
            item.visible_at = self.now + t.visibility_timeout
            heapq.heappush(self.ready, (item.visible_at, item.n, item))
            self.at(item.visible_at, "reappear", item)
            if self._stopped_by_recursion(self.entry, item.depth, again=item.stopped):
                # received, not delivered: it stays in the queue, is received again after each visibility timeout
                # and reaches the dead-letter queue past maxReceiveCount; without a redrive policy it stays until
                # the retention period ends (DG "Lambda recursive loop detection")
                item.stopped = True
                self.report.timeline.append({"t": round(self.now, 3), "records": [item.n], "outcome": "stopped"})
                continue
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

    def _on_sqs_done(self, data: tuple[list[Item], str, set[str], int]) -> None:
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

    def _on_reappear(self, item: Item) -> None:
        if item.state == "queued" and item.visible_at <= self.now:
            self._wake_pollers()

    def _on_expire(self, item: Item) -> None:
        if item.state == "queued":
            item.state = "lost"
