"""Lambda's documented numbers the simulation runs on, each with where it is written."""

from __future__ import annotations

ASYNC_RETRY_DELAYS_S = (60.0, 120.0)  # "waits one minute before the first retry, then two minutes"
# async throttles are retried from 1 s, doubling to 5 minutes (DG "Asynchronous invocation")
THROTTLE_BACKOFF_MAX_S = 300.0
# SQS event source mapping pollers: 5 at first, up to 300 more a minute, to 1,250 (DG "Using Lambda with Amazon SQS")
SQS_START_POLLERS, SQS_POLLERS_PER_MINUTE, SQS_MAX_POLLERS = 5, 300, 1250
STREAM_RETRY_MAX_S = 60.0  # not documented: stream retries here start at 1 s and double to this (docs/conformance.md)
API_INTEGRATION_TIMEOUT_S = 29.0  # API Gateway's default integration timeout (API Gateway quotas page)
RECURSION_LIMIT = 16  # "stops ... after 16 invocations" (DG invocation-recursion; boto3 issue #3899)
SCALING_ENVIRONMENTS, SCALING_WINDOW_S = 1000, 10.0  # per function (DG "Lambda scaling behavior", Nov 2023)
# the synchronous invocation payload quota: an event source mapping's batch stops growing there (DG "Lambda quotas")
PAYLOAD_LIMIT = 6 * 1024 * 1024
