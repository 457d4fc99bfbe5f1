"""One way to make boto3 clients: profile, Region, endpoint (AWS_ENDPOINT_URL is honoured by botocore itself),
adaptive retries, which slow down on throttling instead of failing, and Lambda's documented control-plane rates."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

# Lambda quotas page, "API request rate": GetFunction 100 requests/s, GetPolicy 15/s, every other control-plane
# call 15/s together, per Region (facts.md §3). Invocations are not control-plane calls and are never made here.
LAMBDA_RATES: dict[str, float] = {"GetFunction": 100.0, "GetPolicy": 15.0}
LAMBDA_SHARED_RATE = 15.0


class RateLimiter:
    """A token bucket per quota: a call waits for its token instead of being throttled and retried."""

    def __init__(self, rates: dict[str, float], shared_rate: float,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._rates = dict(rates)
        self._shared = shared_rate
        self._next: dict[str, float] = {}

    def wait(self, operation: str) -> None:
        bucket = operation if operation in self._rates else "*"
        interval = 1.0 / (self._rates.get(bucket, self._shared))
        with self._lock:
            now = self._clock()
            at = max(now, self._next.get(bucket, now))
            self._next[bucket] = at + interval
        if at > now:
            self._sleep(at - now)


def client(service: str, region: str | None, profile: str | None, endpoint_url: str | None,
           rate_limited: bool = False, retry_mode: str = "adaptive") -> Any:
    """``rate_limited``: pace Lambda calls to the documented quotas (for AWS itself; a local emulator has none).
    ``retry_mode``: botocore's; "adaptive" also slows the client down after throttles (CUBIC), "standard" only
    backs off between retries."""
    import boto3
    import botocore.session
    from botocore.config import Config

    core = botocore.session.Session(profile=profile)
    # 10 attempts unless the user's AWS configuration says otherwise (AWS_MAX_ATTEMPTS or max_attempts in the
    # profile, botocore's own settings): a user who wants fewer retries, or a test, can say so the usual way.
    attempts = core.get_config_variable("max_attempts") or 10
    session = boto3.Session(botocore_session=core, region_name=region)
    made = session.client(service, endpoint_url=endpoint_url,
                          config=Config(retries={"mode": retry_mode, "max_attempts": int(attempts)},
                                        max_pool_connections=32))
    if rate_limited and service == "lambda":
        limiter = RateLimiter(LAMBDA_RATES, LAMBDA_SHARED_RATE)

        def pace(model: Any, **_: Any) -> None:
            limiter.wait(model.name)

        made.meta.events.register("before-call.lambda", pace)
    return made


def is_aws_error(exc: BaseException) -> bool:
    """An error botocore raised (no credentials, no Region, an unreachable endpoint, a refused call), which the
    commands report as a message; anything else is a bug and propagates."""
    return type(exc).__module__.startswith("botocore")
