"""API Gateway (synchronous, a REST API's Lambda proxy integration). DG "Using Lambda with API Gateway", "Handling
errors" (awsdocs/aws-lambda-developer-guide doc_source/services-apigateway.md at 38e9014, line 210): "If the Lambda
API rejects the invocation request, API Gateway returns a 500 error code. If the function runs but returns an
error, or returns a response in the wrong format, API Gateway returns a 502." So a throttled call is a 500 (the
client never sees Lambda's 429), a handler error or a proxy response without an integer ``statusCode`` a 502, and a
call still running at the 29 s integration timeout a 504 — while the function keeps running (and billing) to its own
end.
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
            answer("500")  # Lambda's 429 (TooManyRequestsException) becomes an internal error
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
            try:
                body = json.loads(inv.response or "null")
            except ValueError:
                body = None
            code = body.get("statusCode") if isinstance(body, dict) else None
            if isinstance(code, bool) or not isinstance(code, int):
                answer("502")  # "Malformed Lambda proxy response"
            else:
                answer(str(code))
            item.state = "done"
        self.at(self.now + duration / 1000, "api_done", (item, outcome, self._billed(inv, duration)))

    def _on_api_done(self, data: tuple[Item, str, int]) -> None:
        item, outcome, billed = data
        self._end_invocation(billed, self.entry, outcome)
        if outcome != "success":
            self.report.failed += 1
        self.report.timeline.append({"t": round(self.now, 3), "records": [item.n], "outcome": outcome})
