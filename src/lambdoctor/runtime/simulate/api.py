"""API Gateway (synchronous): a throttled call is a 429 for the client, a handler error a 502, and a call still running
at the 29 s integration timeout a 504 — while the function keeps running (and billing) to its own end.
"""

from __future__ import annotations

import json

from lambdoctor.runtime import events
from lambdoctor.runtime.simulate.core import Core, Item
from lambdoctor.runtime.simulate.limits import (
    API_INTEGRATION_TIMEOUT_S,
)


class ApiGateway(Core):
    # -- API Gateway (synchronous) ---------------------------------------------------------------------------
    def _api_call(self, item: Item) -> None:
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

    def _on_api_done(self, data: tuple[Item, str, int]) -> None:
        item, outcome, billed = data
        self._end_invocation(billed, self.entry, outcome)
        if outcome != "success":
            self.report.failed += 1
        self.report.timeline.append({"t": round(self.now, 3), "records": [item.n], "outcome": outcome})
