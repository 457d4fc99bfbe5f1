"""One way to make boto3 clients: profile, Region, endpoint (AWS_ENDPOINT_URL is honoured by botocore itself),
and adaptive retries, which slow down on throttling instead of failing (Lambda's control plane allows 15 calls a
second for some reads, e.g. GetPolicy)."""

from __future__ import annotations

from typing import Any


def client(service: str, region: str | None, profile: str | None, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=profile, region_name=region)
    return session.client(service, endpoint_url=endpoint_url,
                          config=Config(retries={"mode": "adaptive", "max_attempts": 8}))


def is_aws_error(exc: BaseException) -> bool:
    """An error botocore raised (no credentials, no Region, an unreachable endpoint, a refused call), which the
    commands report as a message; anything else is a bug and propagates."""
    return type(exc).__module__.startswith("botocore")
