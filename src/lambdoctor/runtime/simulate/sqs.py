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
import json
import time
from collections.abc import Iterator
from typing import Any

from lambdoctor.runtime import events
from lambdoctor.runtime.simulate.core import Core, Item
from lambdoctor.runtime.simulate.limits import (
    PAYLOAD_LIMIT,
    SQS_MAX_POLLERS,
    SQS_POLLERS_PER_MINUTE,
    SQS_START_POLLERS,
)

# A record's envelope around its body, in bytes: an SQS record of an empty body as `events.sqs_record` builds it.
RECORD_ENVELOPE = len(json.dumps(events.sqs_record("", "1700000000000", "queue", 1, "0" * 36, "0" * 32)))
# FIFO records carry a 20-digit SequenceNumber (DG "Using Lambda with Amazon SQS", the FIFO event example:
# "18849496460467696128"); here it grows from that example's by one per message.
FIFO_SEQUENCE_BASE = 18849496460467696128


class SqsMapping(Core):
    def _wake_pollers(self) -> None:
        if self.gathering is not None:
            self._fill_gathering()
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
        if self.s.trigger.fifo:
            return self._available_group() is not None
        while self.ready and self.ready[0][0] <= self.now:
            visible_at, _, item = self.ready[0]
            if item.state == "queued" and item.visible_at == visible_at:
                return True
            heapq.heappop(self.ready)
        return False

    def _on_poll(self, _: Any) -> None:
        self.polls_pending -= 1
        t = self.s.trigger
        if self.gathering is not None:  # the visible messages go to the batch a batching window gathers first
            self.idle_pollers += 1
            self._fill_gathering()
            return
        if t.maximum_concurrency is not None and self.sqs_in_flight >= t.maximum_concurrency:
            # ScalingConfig.MaximumConcurrency: the mapping stops receiving until one of its invocations ends (its
            # end polls again); no message is received only to be throttled (API ScalingConfig; the
            # 2023-01-12 "Introducing maximum concurrency of AWS Lambda functions when using Amazon SQS" post)
            self.idle_pollers += 1
            return
        batch = self._receive([])
        if not batch:
            self.idle_pollers += 1
            if not self._more_visible():
                self.first_waiting = None
            return
        if t.batching_window > 0 and not self._full(batch):
            # MaximumBatchingWindowInSeconds (DG "Lambda event source mappings", "Batching behavior"): the batch
            # waits for more messages until it is full, reaches 6 MB or the window ends; what it holds stays
            # received (invisible, its visibility timeout running) meanwhile
            self.gathering = batch
            self.at(self.now + t.batching_window, "gather_end", batch)
            return
        self._dispatch(batch)

    def _full(self, batch: list[Item]) -> bool:
        return len(batch) >= self.s.trigger.batch_size or self._payload(batch) >= PAYLOAD_LIMIT

    @staticmethod
    def _payload(batch: list[Item]) -> int:
        """The event's size: each record's body and its envelope (attributes, IDs, digest, ARN)."""
        return sum(len(str(i.payload).encode()) + RECORD_ENVELOPE for i in batch)

    def _fill_gathering(self) -> None:
        batch = self.gathering
        assert batch is not None
        self._receive(batch)
        if self._full(batch):
            self.gathering = None
            self._dispatch(batch)

    def _on_gather_end(self, batch: list[Item]) -> None:
        if self.gathering is batch:
            self.gathering = None
            self._dispatch(batch)

    def _receive(self, batch: list[Item]) -> list[Item]:
        """Receive visible messages into ``batch`` until it is full: each receive counts, hides the message for
        the visibility timeout, and past maxReceiveCount moves it to the dead-letter queue instead."""
        t = self.s.trigger
        candidates = self._candidates(batch)
        while len(batch) < t.batch_size:
            item = next(candidates, None)
            if item is None:
                break
            if batch and self._payload(batch) + self._payload([item]) > PAYLOAD_LIMIT:
                if not t.fifo:  # not received: it stays visible for the next batch
                    heapq.heappush(self.ready, (item.visible_at, item.n, item))
                break
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
            if not t.fifo:
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
        return batch

    def _candidates(self, batch: list[Item]) -> Iterator[Item]:
        """The messages a receive may take next. A standard queue: any visible one. A FIFO queue (DG "Using Lambda
        with Amazon SQS": "Lambda sorts the messages into groups and sends only one batch at a time for a group"):
        the messages of one group, in order, from its first one not yet deleted — and only while that one is
        visible; a group whose first message is in flight or waiting out its visibility timeout is blocked."""
        if not self.s.trigger.fifo:
            while (found := self._next_visible()) is not None:
                yield found
            return
        if batch:
            group, after = batch[0].group, batch[-1].n
        else:
            name = self._available_group()
            if name is None:
                return
            group, after = name, 0
        messages = self.groups[group]
        for k in range(self.group_head[group], len(messages)):
            item = messages[k]
            if item.state != "queued" or item.n <= after:
                continue
            if item.visible_at > self.now or item.arrived > self.now:
                return  # order: nothing behind a message that is not visible
            yield item

    def _available_group(self) -> str | None:
        """The FIFO message group whose first waiting message is visible and oldest."""
        best: Item | None = None
        for name, messages in self.groups.items():
            k = self.group_head[name]
            while k < len(messages) and messages[k].state != "queued":
                k += 1
            self.group_head[name] = k
            if k < len(messages):
                head = messages[k]
                if head.visible_at <= self.now and head.arrived <= self.now and (best is None or head.n < best.n):
                    best = head
        return best.group if best is not None else None

    def _dispatch(self, batch: list[Item]) -> None:
        t = self.s.trigger
        if self.idle_pollers and self._more_visible() and (
                t.maximum_concurrency is None or self.sqs_in_flight + 1 < t.maximum_concurrency):
            self.idle_pollers -= 1
            self._poll_at(self.now)
        state = self._start_invocation(self.entry)
        if state is None:
            self.report.timeline.append({"t": round(self.now, 3), "records": [i.n for i in batch],
                                         "outcome": "throttled"})
            self._poll_at(self.now + 1.0)  # the poller backs off; the batch returns after the visibility timeout
            return
        self.sqs_in_flight += 1
        for item in batch:
            item.deliveries += 1
        sent_ms = str(int(time.time() * 1000))
        queue = "queue.fifo" if t.fifo else "queue"  # a FIFO queue's name ends in .fifo
        event = {"Records": [events.sqs_record(
            str(i.payload), sent_ms, queue, i.receives, i.id, f"{self._ids.getrandbits(128):032x}", i.digest(),
            fifo=(i.group, FIFO_SEQUENCE_BASE + i.n, i.id) if t.fifo else None) for i in batch]}
        fail_ids = {i.id for i in batch if i.n in self.s.fail_records}
        if t.fifo and fail_ids and t.report_batch_item_failures:
            # a FIFO consumer "should stop processing messages after the first failure and return all failed and
            # unprocessed messages" (same page, "Implementing partial batch responses"): an injected failure is
            # reported with every message behind it
            first = next(k for k, i in enumerate(batch) if i.id in fail_ids)
            fail_ids = {i.id for i in batch[first:]}
        outcome, duration, inv, reported = self._execute(self.entry, event, batch, fail_ids, state == "cold",
                                                         max(i.depth for i in batch))
        self.at(self.now + duration / 1000, "sqs_done", (batch, outcome, reported, self._billed(inv, duration)))

    def _on_sqs_done(self, data: tuple[list[Item], str, set[str], int]) -> None:
        batch, outcome, reported, billed = data
        self.sqs_in_flight -= 1
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
