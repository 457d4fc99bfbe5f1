"""The simulator: the core with every trigger, and where an arriving event goes."""

from __future__ import annotations

import heapq
import json
from typing import Any

from lambdoctor.runtime import events
from lambdoctor.runtime.environment import FunctionSpec
from lambdoctor.runtime.simulate.api import ApiGateway
from lambdoctor.runtime.simulate.async_invoke import AsyncInvocation
from lambdoctor.runtime.simulate.core import Item
from lambdoctor.runtime.simulate.scenario import Report, Scenario
from lambdoctor.runtime.simulate.sqs import SqsMapping
from lambdoctor.runtime.simulate.streams import StreamMapping


class Simulator(SqsMapping, StreamMapping, AsyncInvocation, ApiGateway):
    """One run of a scenario."""

    def _on_sent(self, data: tuple[Any, int, str]) -> None:
        """A message the handler sent to its own trigger arrives (in the message group it named, FIFO)."""
        body, depth, group = data
        item_id = self._uuid()
        item = Item(len(self.items) + 1, item_id, self._delivered(body, item_id), self.now, visible_at=self.now,
                    depth=depth, group=group or "1")
        self._admit(item)

    def _delivered(self, body: Any, item_id: str) -> Any:
        """What the function receives for a message: through an SNS topic, the notification record that wraps it
        (DG "Invoking Lambda functions with Amazon SNS notifications": `{"Records": [{"EventSource": "aws:sns",
        "Sns": {"Message": "<the message, a string>", …}}]}`), not the bare message."""
        t = self.s.trigger
        if t.type == "async" and t.topic:
            message = body if isinstance(body, str) else json.dumps(body)
            return events.sns(message, topic=t.topic, message_id=item_id)
        return body

    # -- arrivals ---------------------------------------------------------------------------------------------
    def _on_arrive(self, n: int) -> None:
        t = self.s.trigger
        body = self.s.body
        if body is None:
            body = f"message {n}" if t.type == "sqs" else {"record": n}
        item_id = self._uuid()
        s = self.s
        self._admit(Item(n, item_id, self._delivered(body, item_id), self.now, visible_at=self.now,
                         group=str((n - 1) % s.message_groups + 1),
                         key=(n - 1) % s.partition_keys if s.partition_keys else n - 1))

    def _admit(self, item: Item) -> None:
        t = self.s.trigger
        self.items.append(item)
        if t.type == "sqs":
            if t.fifo:
                self.groups.setdefault(item.group, []).append(item)
                self.group_head.setdefault(item.group, 0)
            else:
                heapq.heappush(self.ready, (item.visible_at, item.n, item))
            self.at(self.now + t.retention, "expire", item)
            self._wake_pollers()
        elif t.type in ("kinesis", "dynamodb"):
            factor = max(1, t.parallelization_factor)
            shards = len(self.shards) // factor
            shard = self.shards[(item.key % shards) * factor + (item.key // shards) % factor]
            if not shard["busy"] and shard["pos"] == len(shard["items"]) and shard["window_end"] <= self.now:
                # an idle shard's batching window begins with its first record
                shard["window_end"] = self.now + t.batching_window
            shard["items"].append(item)
            if not shard["busy"]:
                self.at(self.now, "shard_poll", shard)
        elif t.type == "api":
            self._api_call(item)
        else:
            self._async_attempt(item, 0)


def simulate(spec: FunctionSpec, scenario: Scenario, log: Any, others: tuple[FunctionSpec, ...] = (),
             in_process: bool = False) -> Report:
    """Run ``scenario`` against ``spec``'s handler; ``others``: the functions its handler may invoke;
    ``in_process``: call the handlers in this process (runtime/inprocess.py) instead of worker processes."""
    return Simulator(spec, scenario, log, others, in_process).run()
