"""The normalized model of a Lambda application: what every loader builds and every rule reads.

Everything is a frozen dataclass. Every element carries the :class:`SourceRef` it came from. A value a loader
could not resolve (a parameter without default, an intrinsic it cannot evaluate) is :data:`UNKNOWN`, never a
guess; a value nobody set carries the platform's default and says so through :class:`Value.origin`.
This module imports only :class:`SourceRef` (``refs``) and, for their types, the code facts (``facts``), which
import nothing of the model: the bottom layer has no cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from lambdoctor.refs import SourceRef as SourceRef

if TYPE_CHECKING:  # the code facts are built after the model; only their types are named here
    from lambdoctor.facts import CodeFacts, Suppression

T = TypeVar("T")


class Unknown:
    """A value that exists but could not be resolved statically."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = Unknown()

# Where a value came from: written in the source, the platform's default (Lambda/SQS/API Gateway), or the
# deployment framework's own default (the Serverless Framework's 6 s timeout, for example).
Origin = Literal["set", "platform-default", "framework-default"]


@dataclass(frozen=True, slots=True)
class Value(Generic[T]):
    """A setting with its provenance."""

    value: T | Unknown
    origin: Origin = "set"
    ref: SourceRef | None = None

    @property
    def known(self) -> bool:
        return not isinstance(self.value, Unknown)

    @property
    def is_default(self) -> bool:
        return self.origin != "set"


def known_int(v: Value[int] | None) -> int | None:
    """The integer inside ``v`` when it is known, else None."""
    if v is None or isinstance(v.value, Unknown):
        return None
    return v.value


@dataclass(frozen=True, slots=True)
class Target:
    """Something a setting points at: a resource of the same application (``ref``) or an external ARN."""

    ref: str | None = None  # logical ID inside the application
    arn: str | None = None  # literal ARN or name when it is not a resource of this application
    unresolved: bool = False

    @property
    def display(self) -> str:
        return self.ref or self.arn or "an unresolved target"


InvocationMode = Literal["sync", "async", "poll"]


@dataclass(frozen=True, slots=True)
class EventSource:
    """One trigger of one function, with the settings the platform applies to it."""

    id: str
    function: str
    kind: str  # sqs, kinesis, dynamodb, msk, mq, kafka, s3, sns, api, http_api, schedule, eventbridge, ...
    mode: InvocationMode
    ref: SourceRef
    source: Target | None = None
    batch_size: Value[int] | None = None
    batching_window: Value[int] | None = None
    report_batch_item_failures: bool = False
    maximum_retry_attempts: Value[int] | None = None
    maximum_record_age: Value[int] | None = None
    bisect_on_error: bool = False
    on_failure: Target | None = None
    maximum_concurrency: Value[int] | None = None
    parallelization_factor: Value[int] | None = None  # Kinesis and DynamoDB streams: batches per shard at once
    filter_criteria: bool = False  # an event source mapping's FilterCriteria (records that do not match are dropped)
    tumbling_window: Value[int] | None = None  # streams: TumblingWindowInSeconds (the handler gets a state)
    integration_timeout_ms: Value[int] | None = None  # API Gateway integrations only
    api: str | None = None  # logical ID of the API resource, where known
    filtered: bool = False  # an S3 notification with a key prefix/suffix filter


@dataclass(frozen=True, slots=True)
class Statement:
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...]
    resources: tuple[str, ...]  # literal resource patterns ("*", "arn:aws:s3:::b/*")
    resource_refs: frozenset[str]  # logical IDs the resources point at (Ref, GetAtt, ${X} in Sub)
    ref: SourceRef
    not_actions: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    unresolved: bool = False  # some action or resource could not be evaluated
    origin: str = ""  # "inline", a SAM policy template name, or a managed policy ARN
    symbolic_resources: tuple[str, ...] = ()  # unresolved resources with deploy-time parts as ${X}
    conditional: bool = False  # has a Condition (set for AWS managed policies' statements)


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    ref: SourceRef
    statements: tuple[Statement, ...] = ()
    managed_policy_arns: tuple[str, ...] = ()
    generated: bool = False  # created by SAM/the framework for one function


@dataclass(frozen=True, slots=True)
class VpcConfig:
    subnets: tuple[Target, ...]
    security_groups: tuple[Target, ...]
    ref: SourceRef


@dataclass(frozen=True, slots=True)
class AsyncConfig:
    maximum_retry_attempts: Value[int] | None
    maximum_event_age: Value[int] | None
    on_failure: Target | None
    on_success: Target | None
    ref: SourceRef


@dataclass(frozen=True, slots=True)
class DeploymentPreference:
    type: str | Unknown
    alarms: tuple[Target, ...]
    ref: SourceRef
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class EnvVar:
    name: str
    literal: str | None  # the literal text, when the value is a plain scalar
    dynamic_reference: str | None  # '{{resolve:...}}' found in the value
    is_reference: bool  # Ref / GetAtt / ImportValue / Sub of references only: names where a value lives
    ref: SourceRef
    refs: frozenset[str] = frozenset()  # logical IDs the value points at
    # a reference CloudFormation resolves to a secret, whose plain text then sits in the configuration: a NoEcho
    # parameter, a Cognito user-pool client's ClientSecret (what it is, for the message)
    secret_source: str | None = None
    parameter: str | None = None  # the template parameter a Ref names
    # the intrinsic as written (JSON), for the local runtime to give the value CloudFormation would (runtime/cfn_values)
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """The code artifact on disk (measured by the loader; rules never touch the file system)."""

    path: str
    size_bytes: int
    files: int
    bundled: tuple[str, ...] = ()  # top-level entries the runtime already has, or that do not belong
    complete: bool = True  # False when the walk stopped at its file limit


@dataclass(frozen=True, slots=True)
class Function:
    id: str
    resource_type: str
    ref: SourceRef
    name: str | None = None
    runtime: str | Unknown | None = None  # None: container image
    handler: str | Unknown | None = None
    code_uri: str | None = None  # local path of the code, relative to the current directory
    code: CodeInfo | None = None
    inline_code: str | None = None
    inline_code_ref: SourceRef | None = None  # the InlineCode/ZipFile key
    package_type: str = "Zip"
    memory: Value[int] = field(default_factory=lambda: Value(128, "platform-default"))
    timeout: Value[int] = field(default_factory=lambda: Value(3, "platform-default"))
    ephemeral_storage: Value[int] = field(default_factory=lambda: Value(512, "platform-default"))
    architecture: str | Unknown = "x86_64"
    environment: tuple[EnvVar, ...] = ()
    role: Target | None = None
    vpc: VpcConfig | None = None
    layers: tuple[Target, ...] = ()
    reserved_concurrency: Value[int] | None = None
    provisioned_concurrency: Value[int] | None = None
    tracing: str | Unknown | None = None
    dead_letter: Target | None = None
    async_config: AsyncConfig | None = None
    recursive_loop: str | Unknown | None = None
    publishes_versions: bool = False
    # the ServiceToken of a CloudFormation custom resource: it runs during deployments, not in production
    custom_resource_handler: bool = False
    alias: str | None = None
    deployment_preference: DeploymentPreference | None = None
    snapstart: bool = False
    log_group: Target | None = None
    log_level: str | None = None  # LoggingConfig.ApplicationLogLevel or a LOG_LEVEL-like variable
    log_level_ref: SourceRef | None = None
    log_format: str | None = None  # LoggingConfig.LogFormat (Text or JSON), when literal
    application_log_level: str | None = None  # LoggingConfig.ApplicationLogLevel, when literal
    ignored_rules: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Queue:
    id: str
    ref: SourceRef
    visibility_timeout: Value[int] = field(default_factory=lambda: Value(30, "platform-default"))
    dead_letter: Target | None = None
    max_receive_count: Value[int] | None = None
    fifo: bool = False
    # SQS keeps a message 4 days unless MessageRetentionPeriod says otherwise; retries end there at the latest.
    retention_period: Value[int] = field(default_factory=lambda: Value(345600, "platform-default"))
    name: str | None = None  # QueueName, when literal


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource the rules only need to know exists (topic, stream, table, bucket, database, API ...)."""

    id: str
    type: str
    ref: SourceRef
    name: str | Unknown | None = None
    stream_enabled: bool = False  # DynamoDB tables
    symbolic_name: str | None = None  # the name with deploy-time parts as ${X} (Resolver.symbolic), when not literal
    # a layer version's content as a local folder (SAM ContentUri, a packaged Content path), relative to the current
    # directory, and whether SAM builds it from that folder (Metadata BuildMethod pythonX.Y: the folder is python/)
    content_path: str | None = None
    content_built: bool = False
    retention_hours: int | None = None  # a Kinesis stream's RetentionPeriodHours, when literal (24 by default)


@dataclass(frozen=True, slots=True)
class BucketNotification:
    bucket: str
    function: Target
    ref: SourceRef


@dataclass(frozen=True, slots=True)
class Permission:
    id: str
    function: Target
    principal: str | Unknown
    action: str | Unknown
    ref: SourceRef
    has_source_arn: bool = False
    has_source_account: bool = False
    function_url_auth_type: str | None = None


@dataclass(frozen=True, slots=True)
class FunctionUrl:
    id: str
    function: str
    auth_type: str | Unknown
    ref: SourceRef


@dataclass(frozen=True, slots=True)
class MetricRef:
    namespace: str | Unknown
    metric_name: str | Unknown
    functions: frozenset[str]  # logical IDs named by the FunctionName dimension
    function_names: frozenset[str]  # literal FunctionName dimension values
    resources: frozenset[str]  # other logical IDs in dimensions (queues, for DLQ depth)
    stat: str | None


@dataclass(frozen=True, slots=True)
class Alarm:
    id: str
    ref: SourceRef
    metrics: tuple[MetricRef, ...]
    threshold: float | Unknown | None
    comparison: str | None
    has_actions: bool
    actions_unknown: bool = False
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmIndex:
    by_function: dict[str, list[Alarm]]
    by_name: dict[str, list[Alarm]]
    account_wide: list[Alarm]


@dataclass(frozen=True, slots=True)
class LogGroup:
    id: str
    ref: SourceRef
    name: str | Unknown | None
    function: str | None  # logical ID of the function whose log group this is
    retention_days: Value[int] | None


@dataclass(frozen=True, slots=True)
class Alias:
    id: str
    function: str
    ref: SourceRef
    name: str | Unknown | None = None


@dataclass(frozen=True, slots=True)
class Route:
    destination: str | Unknown
    nat_gateway: bool
    internet_gateway: bool


@dataclass(frozen=True, slots=True)
class RouteTable:
    id: str
    ref: SourceRef
    routes: tuple[Route, ...]
    subnets: frozenset[str]


@dataclass(frozen=True, slots=True)
class VpcEndpoint:
    id: str
    service: str | Unknown
    ref: SourceRef
    route_tables: frozenset[str] = frozenset()
    subnets: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class VersionUse:
    """A published version as the live account has it."""

    version: str
    size_bytes: int
    in_use: str | None  # what uses it ("alias live points here"); "" when nothing does; None when unknown


@dataclass(frozen=True, slots=True)
class FunctionMetrics:
    """Daily sums (maxima for the concurrency metrics) over the look-back window, oldest day first."""

    days: tuple[str, ...]
    invocations: tuple[float, ...]
    errors: tuple[float, ...]
    throttles: tuple[float, ...]
    dead_letter_errors: tuple[float, ...]
    destination_delivery_failures: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What only a live account knows (``lambdoctor audit``): storage, concurrency, versions in use, metrics."""

    region: str
    ref: SourceRef
    lookback_days: int
    code_storage_bytes: int | None = None  # GetAccountSettings; None when it could not be read
    code_storage_quota: int | None = None
    concurrency_limit: int | None = None
    unreserved_concurrency: int | None = None
    versions: Mapping[str, tuple[VersionUse, ...]] = field(default_factory=dict)  # function logical ID → versions
    metrics: Mapping[str, FunctionMetrics] = field(default_factory=dict)  # absent: metrics not read


@dataclass(frozen=True)  # no slots: the indexes below are cached on the instance
class Application:
    """One deployable unit: a template (stack), a serverless.yml service or a Terraform module."""

    source: str  # the file or folder it was read from
    kind: str  # "sam", "cloudformation", "cdk", ...
    functions: Mapping[str, Function] = field(default_factory=dict)
    event_sources: tuple[EventSource, ...] = ()
    queues: Mapping[str, Queue] = field(default_factory=dict)
    resources: Mapping[str, Resource] = field(default_factory=dict)
    bucket_notifications: tuple[BucketNotification, ...] = ()
    roles: Mapping[str, Role] = field(default_factory=dict)
    permissions: tuple[Permission, ...] = ()
    function_urls: tuple[FunctionUrl, ...] = ()
    alarms: tuple[Alarm, ...] = ()
    log_groups: tuple[LogGroup, ...] = ()
    aliases: tuple[Alias, ...] = ()
    route_tables: Mapping[str, RouteTable] = field(default_factory=dict)
    vpc_endpoints: tuple[VpcEndpoint, ...] = ()
    version_pruning: bool = False  # something in the application prunes old versions
    ignored: Mapping[str, frozenset[str]] = field(default_factory=dict)  # per-resource suppressions
    types: Mapping[str, str] = field(default_factory=dict)  # every logical ID → its resource type
    code: Mapping[str, CodeFacts] = field(default_factory=dict)  # function logical ID → its handler's facts
    code_missing: Mapping[str, str] = field(default_factory=dict)  # function logical ID → why no code was read
    code_suppressions: Mapping[str, tuple[Suppression, ...]] = field(default_factory=dict)  # by .py file
    account: AccountFacts | None = None  # only for an application read from a live account
    # template parameters with a known value (a default, or --var)
    parameters: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def _sources_by_function(self) -> dict[str, list[EventSource]]:
        index: dict[str, list[EventSource]] = {}
        for e in self.event_sources:
            index.setdefault(e.function, []).append(e)
        return index

    def sources_of(self, function_id: str) -> list[EventSource]:
        return self._sources_by_function.get(function_id, [])

    @cached_property
    def alarm_index(self) -> dict[tuple[str, str], AlarmIndex]:
        """(namespace, metric) → which alarms watch it, by function logical ID, by literal name, account-wide."""
        index: dict[tuple[str, str], AlarmIndex] = {}
        for alarm in self.alarms:
            for m in alarm.metrics:
                if not isinstance(m.namespace, str) or not isinstance(m.metric_name, str):
                    continue
                entry = index.setdefault((m.namespace, m.metric_name), AlarmIndex({}, {}, []))
                for fid in m.functions:
                    entry.by_function.setdefault(fid, []).append(alarm)
                for name in m.function_names:
                    entry.by_name.setdefault(name, []).append(alarm)
                if not m.functions and not m.function_names and not m.resources:
                    entry.account_wide.append(alarm)
        return index

    def resource_type(self, logical_id: str) -> str | None:
        if logical_id in self.types:
            return self.types[logical_id]
        if logical_id in self.functions:
            return self.functions[logical_id].resource_type
        if logical_id in self.queues:
            return "AWS::SQS::Queue"
        res = self.resources.get(logical_id)
        return res.type if res else None
