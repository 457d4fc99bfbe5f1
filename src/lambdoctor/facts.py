"""Code facts: what the static analysis of a Python handler found, as rules read it.

Part of the model layer (imports only :mod:`lambdoctor.refs`). Built by :mod:`lambdoctor.code` from the AST;
nothing here was obtained by importing or running the user's code. A fact that could not be established
statically is absent, and :attr:`CodeFacts.complete` says whether every AWS SDK use could be followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lambdoctor.refs import SourceRef


@dataclass(frozen=True, slots=True)
class ArgValue:
    """Where an argument's value comes from, as far as the AST tells."""

    literal: str | None = None  # a string written in the code
    env: str | None = None  # read from this environment variable
    event: bool = False  # derived from the invocation's event (an S3 record's bucket, say)

    @property
    def known(self) -> bool:
        return self.literal is not None or self.env is not None or self.event


@dataclass(frozen=True, slots=True)
class SdkCall:
    """One AWS API call (or a boto3 helper that makes some) reachable from the handler."""

    service: str  # boto3 client name: s3, dynamodb, sqs, lambda ...
    operation: str  # API operation name (PutObject); for boto3 helpers, the operation they make
    method: str  # the method as written (upload_file, batch_writer, put_item ...)
    ref: SourceRef
    resource: ArgValue | None = None  # the bucket / table / queue / topic / function it acts on
    invocation_type: ArgValue | None = None  # Lambda Invoke only
    # IAM actions the call needs: each inner tuple must be allowed, any one of its actions suffices.
    # None: not known statically (PartiQL statements, an unknown service).
    actions: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True, slots=True)
class Creation:
    """An SDK client/resource, a database connection or a secret fetch."""

    kind: Literal["client", "connection", "secret"]
    what: str  # as the user would recognise it: boto3.client('s3'), psycopg2.connect, get_secret_value
    ref: SourceRef
    per_invocation: bool  # made on every invocation (inside the handler's call graph, not cached)


ExceptAction = Literal["pass", "log", "return-error", "return-success", "record-failure", "reraise", "other"]


@dataclass(frozen=True, slots=True)
class ExceptClause:
    ref: SourceRef
    caught: str  # as written: "Exception", "(KeyError, ValueError)", "" for a bare except
    broad: bool  # catches Exception/BaseException/ClientError/everything
    action: ExceptAction


@dataclass(frozen=True, slots=True)
class TmpWrite:
    ref: SourceRef
    what: str  # open('/tmp/...', 'w'), download_file, mkstemp ...
    unique_names: bool  # the name differs per invocation (or appends), so files accumulate
    cleaned: bool  # removed (os.remove/unlink/rmtree in the same function) or a self-deleting temp object


@dataclass(frozen=True, slots=True)
class GlobalWrite:
    ref: SourceRef
    target: str  # the module-level name or class attribute written


@dataclass(frozen=True, slots=True)
class BatchItem:
    """A dict put into the list returned as ``batchItemFailures``."""

    ref: SourceRef
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HardcodedValue:
    """A hard-coded account ID, ARN, endpoint or resource name."""

    ref: SourceRef
    kind: Literal["account-id", "arn", "endpoint", "resource-name"]
    value: str


@dataclass(frozen=True, slots=True)
class Setting:
    """A value written in code: an idempotency expiry, a log level."""

    ref: SourceRef
    value: str


@dataclass(frozen=True, slots=True)
class CodeFacts:
    function: str  # logical ID
    file: str  # the handler's file, as reported
    handler: str  # the handler's name in that file
    def_ref: SourceRef | None  # None when the handler is not a plain def (an adapter object, say)
    files: tuple[str, ...] = ()  # every project file analyzed for this function
    sdk_calls: tuple[SdkCall, ...] = ()
    creations: tuple[Creation, ...] = ()
    excepts: tuple[ExceptClause, ...] = ()
    tmp_writes: tuple[TmpWrite, ...] = ()
    global_writes: tuple[GlobalWrite, ...] = ()
    returns_batch_failures: SourceRef | None = None  # where the handler returns batchItemFailures
    batch_items: tuple[BatchItem, ...] = ()
    batch_utility: bool = False  # Powertools batch processing (it builds batchItemFailures itself)
    returns_unknown: bool = False  # the handler returns what an unanalyzable call returns
    unprotected: SourceRef | None = None  # first handler statement that can raise outside a catch-all
    unprotected_raise: bool = False  # ...and it is an explicit raise
    error_framework: bool = False  # a web framework adapter or decorator turns errors into responses
    idempotency: Setting | None = None  # value: expires_after_seconds
    log_levels: tuple[Setting, ...] = ()
    literals: tuple[HardcodedValue, ...] = ()
    complete: bool = True  # every AWS SDK use was followed (no getattr, unknown factory, non-literal service)


@dataclass(frozen=True, slots=True)
class Suppression:
    """``# lambdoctor: ignore[ID,...]`` on a line, or on a def (then for the def's whole body)."""

    start: int
    end: int
    rules: frozenset[str]  # empty: every rule
