"""The builder every loader ends in: a CloudFormation-shaped document (decoded with positions) → :class:`Application`.

CloudFormation, SAM and CDK templates are such documents already; `serverless.py` and `terraform.py` compile their
inputs to one (the resources CloudFormation would deploy, with the positions of the lines they came from) and hand
it here, so every source gives the same model for the same application. SAM resources are expanded the way the SAM
transform expands them (Globals merged, a role per function from ``Policies``, an event source per event), so that
SAM and plain CloudFormation give the same model.

One ``_res_<Type>`` method per resource type it models (``AWS::SQS::Queue`` → ``_res_AWS_SQS_Queue``); a type
without one is kept as a plain resource when rules need it (``_PLAIN_RESOURCE_TYPES``), else skipped.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from lambdoctor.loaders import iam, openapi
from lambdoctor.loaders.code_info import code_location, measure_code, original_source
from lambdoctor.loaders.decode import MAX_FILE_BYTES, DecodeError, Node, decode_bytes, read_regular
from lambdoctor.loaders.intrinsics import SUB_VAR, Resolver, file_of, pos, ref_at
from lambdoctor.loaders.sam_events import (
    ARN_SERVICE_KIND,
    DEFAULT_BATCH_SIZE,
    DEFAULT_INTEGRATION_TIMEOUT_MS,
    SAM_EVENT_TYPES,
    SAM_SOURCE_PROPERTY,
    SOURCE_TYPE_KIND,
    principal_kind,
)
from lambdoctor.model import (
    UNKNOWN,
    Alarm,
    Alias,
    Application,
    AsyncConfig,
    BucketNotification,
    CodeInfo,
    DeploymentPreference,
    EnvVar,
    EventSource,
    Function,
    FunctionUrl,
    LogGroup,
    MetricRef,
    Origin,
    Permission,
    Queue,
    Resource,
    Role,
    Route,
    RouteTable,
    SourceRef,
    Statement,
    Target,
    Unknown,
    Value,
    VpcConfig,
    VpcEndpoint,
)

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
# Resources that hold a limited number of connections (REL009).
DATABASE_TYPES = frozenset(
    {
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::ElastiCache::CacheCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::Redshift::Cluster",
        "AWS::DocDB::DBCluster",
        "AWS::Neptune::DBCluster",
    }
)
_PLAIN_RESOURCE_TYPES = frozenset(
    {
        "AWS::SNS::Topic",
        "AWS::S3::Bucket",
        "AWS::Kinesis::Stream",
        "AWS::DynamoDB::Table",
        "AWS::Serverless::SimpleTable",
        "AWS::Serverless::Api",
        "AWS::Serverless::HttpApi",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGatewayV2::Api",
        "AWS::RDS::DBProxy",
        "AWS::EC2::Subnet",
        "AWS::EC2::NatGateway",
        "AWS::MSK::Cluster",
        "AWS::Serverless::LayerVersion",
        "AWS::Lambda::LayerVersion",
        *DATABASE_TYPES,
    }
)

def _parameter_of(raw: Any, parameters: Any) -> str | None:
    """The parameter a ``{"Ref": X}`` names, when X is one of the template's parameters."""
    name = raw.get("Ref") if isinstance(raw, dict) else None
    return name if isinstance(name, str) and isinstance(parameters, dict) and name in parameters else None



def _upper(value: Any) -> str | None:
    return value.upper() if isinstance(value, str) else None


def _log_format(value: Any) -> str | None:
    return {"json": "JSON", "text": "Text"}.get(value.lower()) if isinstance(value, str) else None


def _expression(raw: Any) -> str | None:
    """An intrinsic as JSON text (YAML's short forms are already the long ones), None for a plain value."""
    if not isinstance(raw, (dict, list)):
        return None
    try:
        return json.dumps(raw, default=str)
    except (TypeError, ValueError):
        return None


def _ignored_rules(resource: Any) -> frozenset[str]:
    """``Metadata: {lambdoctor: {ignore: [REL004]}}`` on a resource."""
    meta = resource.get("Metadata") if isinstance(resource, dict) else None
    cfg = meta.get("lambdoctor") if isinstance(meta, dict) else None
    ignore = cfg.get("ignore") if isinstance(cfg, dict) else None
    if isinstance(ignore, str):
        ignore = [ignore]
    if isinstance(ignore, list):
        return frozenset(str(i).strip() for i in ignore if isinstance(i, (str, int)))
    return frozenset()


def _merge_globals(global_props: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals merge: maps merge, lists are prepended, scalars are overridden by the resource."""
    merged: dict[str, Any] = dict(global_props)
    for key, value in props.items():
        g = merged.get(key)
        if isinstance(g, dict) and isinstance(value, dict) and not _is_intrinsic(g) and not _is_intrinsic(value):
            merged[key] = _merge_globals(g, value)
        elif isinstance(g, list) and isinstance(value, list):
            merged[key] = g + value
        else:
            merged[key] = value
    if isinstance(props, Node):
        node = Node(props.line, props.column)
        node.update(merged)
        node.key_pos = {**getattr(global_props, "key_pos", {}), **props.key_pos}
        return node
    return merged


def _is_intrinsic(d: dict[str, Any]) -> bool:
    return len(d) == 1 and next(iter(d)).startswith(("Fn::", "Ref"))


class ApplicationBuilder:
    """One document → one Application: ``ApplicationBuilder(path, document, overrides).build(kind)``.

    ``path`` names the file findings point at (a node's own file, when it came from an included one, wins);
    ``overrides`` are parameter values given on the command line; ``kind`` is what the Application says it was
    built from (``sam``, ``cloudformation``, ``cdk``, ``serverless``, ``terraform``...).
    """

    def __init__(self, path: str, data: dict[str, Any], overrides: dict[str, Any] | None) -> None:
        self.file = path
        self.base_dir = os.path.dirname(path)
        self.data = data
        resources = data.get("Resources")
        self.resources: dict[str, Any] = resources if isinstance(resources, dict) else {}
        params = data.get("Parameters")
        mappings = data.get("Mappings")
        self.r = Resolver(
            params if isinstance(params, dict) else {},
            mappings if isinstance(mappings, dict) else {},
            self.resources,
            overrides,
        )
        globs = data.get("Globals")
        fglobs = globs.get("Function") if isinstance(globs, dict) else None
        self.function_globals: dict[str, Any] = fglobs if isinstance(fglobs, dict) else {}
        self.functions: dict[str, Function] = {}
        self.function_names: dict[str, str] = {}  # literal FunctionName → logical ID
        self.name_of: dict[str, str] = {}  # logical ID → literal FunctionName
        self.event_sources: list[EventSource] = []
        self.queues: dict[str, Queue] = {}
        self.plain: dict[str, Resource] = {}
        self.notifications: list[BucketNotification] = []
        self.roles: dict[str, Role] = {}
        self.extra_role_statements: dict[str, list[Statement]] = {}
        self.extra_role_managed: dict[str, list[str]] = {}
        self.permissions: list[Permission] = []
        self.urls: list[FunctionUrl] = []
        self.alarms: list[Alarm] = []
        self.log_groups: list[LogGroup] = []
        self.aliases: list[Alias] = []
        self.route_tables: dict[str, dict[str, Any]] = {}
        self.endpoints: list[VpcEndpoint] = []
        self.ignored: dict[str, frozenset[str]] = {}
        self.fn_updates: dict[str, dict[str, Any]] = {}

    # -- helpers ------------------------------------------------------------------------------------------------
    def at(self, node: Any, key: str | None = None) -> SourceRef:
        return ref_at(file_of(node, self.file), pos(node, key))

    def type_of(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        t = res.get("Type") if isinstance(res, dict) else None
        return t if isinstance(t, str) else None

    def int_setting(self, props: dict[str, Any], key: str, default: int | None,
                    origin: Origin = "platform-default") -> Value[int] | None:
        if key in props:
            return Value(self.r.int_value(props[key]), "set", self.at(props, key))
        if default is None:
            return None
        return Value(default, origin, None)

    def function_of(self, node: Any) -> str | None:
        """The function a FunctionName/Arn/alias/version reference points at."""
        for ref in self.r.refs_in(node):
            rtype = self.type_of(ref)
            if rtype in FUNCTION_TYPES:
                return ref
            if rtype in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                inner = self.resources[ref].get("Properties", {})
                if isinstance(inner, dict):
                    return self.function_of(inner.get("FunctionName"))
        # SAM: `!Ref MyFunction.Alias` / `!Ref MyFunctionAliaslive`
        if isinstance(node, dict) and isinstance(node.get("Ref"), str):
            name = str(node["Ref"]).split(".", 1)[0]
            if self.type_of(name) in FUNCTION_TYPES:
                return name
        literal = self.r.value(node)
        if isinstance(literal, str):
            # ".../functions/arn:aws:lambda:...:function:NAME/invocations" (an API integration URI) names NAME too
            name = literal.rsplit(":function:", 1)[-1].split(":", 1)[0].split("/", 1)[0]
            return self.function_names.get(name)
        return None

    def fn_update(self, fid: str, **changes: Any) -> None:
        self.fn_updates.setdefault(fid, {}).update(changes)

    # -- entry ----------------------------------------------------------------------------------------------
    def build(self, kind: str) -> Application:
        items = [(k, v) for k, v in self.resources.items() if isinstance(v, dict)]
        # Names first, so that literal FunctionName references resolve whatever the resource order.
        for lid, res in items:
            if res.get("Type") in FUNCTION_TYPES:
                props = res.get("Properties") if isinstance(res.get("Properties"), dict) else {}
                name = self.r.value(props.get("FunctionName")) if isinstance(props, dict) else None
                if isinstance(name, str):
                    self.function_names[name] = lid
                    self.name_of[lid] = name
        for lid, res in items:
            rtype = res.get("Type")
            if not isinstance(rtype, str):
                continue  # CloudFormation rejects it too; nothing to model
            props = res.get("Properties")
            if not isinstance(props, dict):
                props = Node(*(pos(res) or (1, 1)))
            ignored = _ignored_rules(res)
            if ignored:
                self.ignored[lid] = ignored
            if rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource":
                fid = self.function_of(props.get("ServiceToken"))
                if fid:
                    self.fn_update(fid, custom_resource_handler=True)
                continue
            handler = getattr(self, "_res_" + str(rtype).replace("::", "_"), None)
            if handler is not None:
                handler(lid, res, props)
            elif rtype in _PLAIN_RESOURCE_TYPES:
                self._plain(lid, res, props)
        for fid, changes in self.fn_updates.items():
            if fid in self.functions:
                self.functions[fid] = dataclasses.replace(self.functions[fid], **changes)
        roles = dict(self.roles)
        for rid, extra in self.extra_role_statements.items():
            if rid in roles:
                roles[rid] = dataclasses.replace(roles[rid], statements=roles[rid].statements + tuple(extra))
        for rid, managed in self.extra_role_managed.items():
            if rid in roles:
                roles[rid] = dataclasses.replace(
                    roles[rid], managed_policy_arns=roles[rid].managed_policy_arns + tuple(managed)
                )
        return Application(
            source=self.file,
            kind=kind,
            functions=self.functions,
            event_sources=tuple(self._dedupe_sources()),
            queues=self.queues,
            resources=self.plain,
            bucket_notifications=tuple(self.notifications),
            roles=roles,
            permissions=tuple(self.permissions),
            function_urls=tuple(self.urls),
            alarms=tuple(self.alarms),
            log_groups=tuple(self.log_groups),
            aliases=tuple(self.aliases),
            route_tables={
                rid: RouteTable(rid, rt["ref"], tuple(rt["routes"]), frozenset(rt["subnets"]))
                for rid, rt in self.route_tables.items()
            },
            vpc_endpoints=tuple(self.endpoints),
            ignored=self.ignored,
            types={k: str(v.get("Type")) for k, v in items},
            parameters={k: str(v) for k, v in self.r.params.items()
                        if isinstance(v, (str, int, float)) and not isinstance(v, bool)},
        )

    def _dedupe_sources(self) -> list[EventSource]:
        """A bucket notification and its permission describe one trigger: keep the richer record."""
        described = {(e.function, e.kind) for e in self.event_sources if not e.id.startswith("permission:")}
        # events.amazonaws.com serves schedules too: a permission for a rule already described adds nothing
        described_sources = {(e.function, e.source.ref) for e in self.event_sources
                             if not e.id.startswith("permission:") and e.source and e.source.ref}
        seen: set[tuple[str, str, str | None]] = set()
        result: list[EventSource] = []
        for es in self.event_sources:
            if es.id.startswith("permission:"):
                key = (es.function, es.kind, es.source.ref if es.source else None)
                if key in seen or (es.function, es.kind) in described or (es.function, key[2]) in described_sources:
                    continue
                seen.add(key)
            result.append(es)
        return result

    def _plain(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        rtype = str(res.get("Type"))
        stream = False
        if rtype in ("AWS::DynamoDB::Table",):
            spec = props.get("StreamSpecification")
            stream = isinstance(spec, dict) and "StreamViewType" in spec
        name_key = {"AWS::S3::Bucket": "BucketName", "AWS::SNS::Topic": "TopicName",
                    "AWS::DynamoDB::Table": "TableName", "AWS::Kinesis::Stream": "Name"}.get(rtype)
        name = self.r.str_value(props.get(name_key)) if name_key else None
        symbolic = self.r.symbolic(props.get(name_key)) if name_key and not isinstance(name, str) else None
        content, built = None, False
        if rtype in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            # a local folder: SAM's ContentUri, or Content as `aws cloudformation package` takes it
            raw = props.get("ContentUri" if rtype == "AWS::Serverless::LayerVersion" else "Content")
            # (or the folder or zip Metadata aws:asset:path names: CDK's asset, Terraform's filename)
            content = code_location(self.file, res, raw if isinstance(raw, str) else None, True)
            meta = res.get("Metadata")
            method = meta.get("BuildMethod") if isinstance(meta, dict) else None
            built = isinstance(method, str) and method.startswith("python")
        retention = self.r.int_value(props.get("RetentionPeriodHours")) if rtype == "AWS::Kinesis::Stream" else None
        self.plain[lid] = Resource(lid, rtype, self.at(res), name, stream, symbolic, content, built,
                                   retention if isinstance(retention, int) else None)
        if rtype == "AWS::S3::Bucket":
            self._bucket_notifications(lid, props)
        elif rtype == "AWS::SNS::Topic":
            subs = props.get("Subscription")
            for sub in subs if isinstance(subs, list) else []:
                if isinstance(sub, dict) and self.r.value(sub.get("Protocol")) == "lambda":
                    self._sns_subscription(lid, sub.get("Endpoint"), sub)

    # -- functions ------------------------------------------------------------------------------------------
    def _res_AWS_Serverless_Function(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        if self.function_globals:
            props = _merge_globals(self.function_globals, props)
        self._function(lid, res, props, sam=True)

    def _res_AWS_Lambda_Function(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        self._function(lid, res, props, sam=False)

    def _function(self, lid: str, res: dict[str, Any], props: dict[str, Any], sam: bool) -> None:
        """An AWS::Lambda::Function, or a SAM function (``sam``: its own property names, a generated role, its
        URL and events)."""
        r = self.r
        code_uri, code_info, inline, inline_at = self._function_code(res, props, sam)
        package_type = r.str_value(props.get("PackageType")) or ("Image" if props.get("ImageUri") else "Zip")
        env = self._environment(props.get("Environment"))
        layers = props.get("Layers")
        dlq_node = props.get("DeadLetterQueue") if sam else props.get("DeadLetterConfig")
        logging = props.get("LoggingConfig")
        log_level, log_level_ref = self._log_level(logging, env)
        snap = props.get("SnapStart")
        alias = r.str_value(props.get("AutoPublishAlias")) if sam else None
        self.functions[lid] = Function(
            id=lid,
            resource_type=str(res.get("Type")),
            ref=self.at(res),
            name=self.name_of.get(lid),
            runtime=r.str_value(props.get("Runtime")),
            handler=r.str_value(props.get("Handler")),
            code_uri=code_uri,
            code=code_info,
            inline_code=inline if isinstance(inline, str) else None,
            inline_code_ref=inline_at if isinstance(inline, str) else None,
            package_type=package_type if isinstance(package_type, str) else "Zip",
            memory=self.int_setting(props, "MemorySize", 128) or Value(128, "platform-default"),
            timeout=self.int_setting(props, "Timeout", 3) or Value(3, "platform-default"),
            ephemeral_storage=self._ephemeral_storage(props),
            architecture=self._architecture(props),
            environment=env,
            role=self._function_role(lid, res, props, sam),
            vpc=self._vpc_config(props),
            layers=tuple(t for t in (r.target(x) for x in (layers if isinstance(layers, list) else [])) if t),
            reserved_concurrency=self.int_setting(props, "ReservedConcurrentExecutions", None),
            provisioned_concurrency=self._provisioned_concurrency(props) if sam else None,
            tracing=self._tracing(props, sam),
            dead_letter=r.target(dlq_node.get("TargetArn")) if isinstance(dlq_node, dict) else None,
            async_config=self._async_config(props.get("EventInvokeConfig"), props) if sam else None,
            recursive_loop=r.str_value(props.get("RecursiveLoop")),
            # SAM retains each AutoPublishAlias version unless VersionDeletionPolicy is Delete, which puts
            # DeletionPolicy: Delete on the AWS::Lambda::Version (SAM translator test
            # function_with_alias_version_deletion_policy): CloudFormation then deletes the replaced one.
            publishes_versions=bool(alias) and r.str_value(props.get("VersionDeletionPolicy")) != "Delete",
            alias=alias if isinstance(alias, str) else None,
            deployment_preference=self._deployment_preference(props) if sam else None,
            snapstart=isinstance(snap, dict) and r.value(snap.get("ApplyOn")) == "PublishedVersions",
            log_group=(r.target(logging.get("LogGroup")) if isinstance(logging, dict) and "LogGroup" in logging
                       else None),
            log_level=log_level,
            log_level_ref=log_level_ref,
            log_format=_log_format(r.str_value(logging.get("LogFormat")) if isinstance(logging, dict) else None),
            application_log_level=_upper(r.str_value(logging.get("ApplicationLogLevel"))
                                         if isinstance(logging, dict) else None),
            ignored_rules=_ignored_rules(res),
        )
        if sam:
            url = props.get("FunctionUrlConfig")
            if isinstance(url, dict):
                self.urls.append(FunctionUrl(f"{lid}Url", lid, r.str_value(url.get("AuthType")) or UNKNOWN,
                                             self.at(props, "FunctionUrlConfig")))
            events = props.get("Events")
            if isinstance(events, dict):
                for name, ev in events.items():
                    if isinstance(ev, dict):
                        self._sam_event(lid, name, ev)

    def _function_code(self, res: dict[str, Any], props: dict[str, Any], sam: bool
                       ) -> tuple[str | None, CodeInfo | None, Any, SourceRef | None]:
        """(the code folder to analyze, the package as deployed, inline code, where the inline code is)."""
        code = props.get("CodeUri") if sam else props.get("Code")
        inline = props.get("InlineCode") if sam else (code.get("ZipFile") if isinstance(code, dict) else None)
        inline_at = self.at(props, "InlineCode") if sam else (self.at(code, "ZipFile") if isinstance(code, dict)
                                                               else None)
        code_uri = code_location(self.file, res, code, sam)
        if (sam and code_uri is None and code is None and inline is None
                and self.r.value(props.get("PackageType")) != "Image"):
            # SAM CLI builds a function without CodeUri from the template's folder (SamBaseProvider.DEFAULT_CODEURI
            # = "." in aws-sam-cli's samcli/lib/providers/sam_base_provider.py)
            code_uri = os.path.normpath(self.base_dir or ".")
        code_info = measure_code(code_uri) if code_uri else None  # the package as deployed
        if code_uri and os.path.basename(os.path.dirname(code_uri)) == "cdk.out":
            code_uri = original_source(code_uri) or code_uri  # analyze the user's files, not cdk.out's copy
        return code_uri, code_info, inline, inline_at

    def _architecture(self, props: dict[str, Any]) -> str | Unknown:
        arch = props.get("Architectures")
        if isinstance(arch, list) and arch:
            a = self.r.str_value(arch[0])
            return a if a is not None else "x86_64"
        return "x86_64"

    def _ephemeral_storage(self, props: dict[str, Any]) -> Value[int]:
        storage = props.get("EphemeralStorage")
        if isinstance(storage, dict) and "Size" in storage:
            return Value(self.r.int_value(storage.get("Size")), "set", self.at(props, "EphemeralStorage"))
        return Value(512, "platform-default")

    def _function_role(self, lid: str, res: dict[str, Any], props: dict[str, Any], sam: bool) -> Target | None:
        """The role named by ``Role``; for a SAM function without one, the role SAM generates from ``Policies``."""
        if "Role" in props:
            return self.r.target(props.get("Role"))
        if not sam:
            return None
        statements, managed = iam.expand_sam_policies(self.r, props.get("Policies"), self.file)
        # SAM attaches AWSLambdaBasicExecutionRole to every role it generates.
        managed = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", *managed]
        if props.get("VpcConfig"):
            managed.append("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
        self.roles[f"{lid}Role"] = Role(
            f"{lid}Role", self.at(props, "Policies") if "Policies" in props else self.at(res),
            tuple(statements), tuple(managed), generated=True,
        )
        return Target(ref=f"{lid}Role")

    def _vpc_config(self, props: dict[str, Any]) -> VpcConfig | None:
        vpc = props.get("VpcConfig")
        if not isinstance(vpc, dict):
            return None
        r = self.r
        subnets = vpc.get("SubnetIds")
        groups = vpc.get("SecurityGroupIds")
        sub_targets = tuple(t for t in (r.target(s) for s in (subnets if isinstance(subnets, list) else [])) if t)
        if not isinstance(subnets, list) and subnets is not None:
            sub_targets = (Target(unresolved=True),)
        return VpcConfig(
            sub_targets,
            tuple(t for t in (r.target(g) for g in (groups if isinstance(groups, list) else [])) if t),
            self.at(props, "VpcConfig"),
        )

    def _tracing(self, props: dict[str, Any], sam: bool) -> str | Unknown | None:
        if sam:
            return self.r.str_value(props.get("Tracing"))
        tc = props.get("TracingConfig")
        return self.r.str_value(tc.get("Mode")) if isinstance(tc, dict) else None

    def _log_level(self, logging: Any, env: tuple[EnvVar, ...]) -> tuple[str | None, SourceRef | None]:
        """LoggingConfig's ApplicationLogLevel, else a log-level environment variable of a well-known name."""
        if isinstance(logging, dict) and "ApplicationLogLevel" in logging:
            lvl = self.r.str_value(logging.get("ApplicationLogLevel"))
            if isinstance(lvl, str):
                return lvl.upper(), self.at(logging, "ApplicationLogLevel")
        found: tuple[str | None, SourceRef | None] = (None, None)
        for var in env:  # the last such variable wins
            if var.name.upper() in ("LOG_LEVEL", "LOGLEVEL", "POWERTOOLS_LOG_LEVEL", "LOGGING_LEVEL",
                                    "AWS_LAMBDA_LOG_LEVEL") and var.literal:
                found = var.literal.upper(), var.ref
        return found

    def _provisioned_concurrency(self, props: dict[str, Any]) -> Value[int] | None:
        pc = props.get("ProvisionedConcurrencyConfig")
        if not isinstance(pc, dict):
            return None
        return Value(self.r.int_value(pc.get("ProvisionedConcurrentExecutions")), "set",
                     self.at(props, "ProvisionedConcurrencyConfig"))

    def _deployment_preference(self, props: dict[str, Any]) -> DeploymentPreference | None:
        dp = props.get("DeploymentPreference")
        if not isinstance(dp, dict):
            return None
        r = self.r
        alarms = dp.get("Alarms")
        return DeploymentPreference(
            r.str_value(dp.get("Type")) or UNKNOWN,
            tuple(t for t in (r.target(a) for a in (alarms if isinstance(alarms, list) else [])) if t),
            self.at(props, "DeploymentPreference"),
            enabled=r.bool_value(dp.get("Enabled"), default=True),
        )

    def _environment(self, node: Any) -> tuple[EnvVar, ...]:
        variables = node.get("Variables") if isinstance(node, dict) else None
        if not isinstance(variables, dict):
            return ()
        out: list[EnvVar] = []
        for name, raw in variables.items():
            at = self.at(variables, name)
            literal = raw if isinstance(raw, str) else str(raw) if isinstance(raw, (int, float)) else None
            dynamic = None
            text = raw if isinstance(raw, str) else raw.get("Fn::Sub") if isinstance(raw, dict) else None
            if isinstance(text, list) and text:
                text = text[0]
            if isinstance(text, str) and "{{resolve:" in text:
                dynamic = text[text.index("{{resolve:"):].split("}}", 1)[0] + "}}"
            is_ref = isinstance(raw, dict) and not dynamic
            if isinstance(raw, dict) and "Fn::Sub" not in raw and "Ref" not in raw and "Fn::GetAtt" not in raw:
                value = self.r.value(raw)  # e.g. FindInMap/Join that resolve to a literal
                if isinstance(value, str):
                    literal, is_ref = value, False
            if isinstance(raw, dict) and "Ref" in raw:
                # A Ref to a parameter names where the value comes from (often NoEcho): not a literal.
                is_ref = True
            out.append(EnvVar(str(name), literal if not is_ref else None, dynamic, is_ref, at,
                              frozenset(self.r.refs_in(raw)) if isinstance(raw, dict) else frozenset(),
                              self._secret_source(raw), _parameter_of(raw, self.data.get("Parameters")),
                              _expression(raw)))
        return tuple(out)

    def _secret_source(self, raw: Any) -> str | None:
        """A Ref (or ${X} in a Sub) of a NoEcho parameter, or the GetAtt of a user-pool client's ClientSecret: the
        value CloudFormation puts in the function's configuration is the secret itself."""
        if not isinstance(raw, dict):
            return None
        params = self.data.get("Parameters")
        params = params if isinstance(params, dict) else {}
        names: list[str] = []
        if isinstance(raw.get("Ref"), str):
            names = [raw["Ref"]]
        elif "Fn::Sub" in raw:
            text = raw["Fn::Sub"][0] if isinstance(raw["Fn::Sub"], list) and raw["Fn::Sub"] else raw["Fn::Sub"]
            names = [n.strip() for n in SUB_VAR.findall(text)] if isinstance(text, str) else []
        for name in names:
            spec = params.get(name)
            if isinstance(spec, dict) and str(spec.get("NoEcho", "")).lower() == "true":
                return f"the NoEcho parameter {name}"
        att = raw.get("Fn::GetAtt")
        if isinstance(att, list) and len(att) == 2 and att[1] == "ClientSecret":
            res = self.resources.get(att[0])
            if isinstance(res, dict) and res.get("Type") == "AWS::Cognito::UserPoolClient":
                return f"the client secret of {att[0]}"
        return None

    def _async_config(self, node: Any, parent: dict[str, Any]) -> AsyncConfig | None:
        if not isinstance(node, dict):
            return None
        dest = node.get("DestinationConfig")
        on_failure = on_success = None
        if isinstance(dest, dict):
            of = dest.get("OnFailure")
            os_ = dest.get("OnSuccess")
            if isinstance(of, dict):
                on_failure = self.r.target(of.get("Destination")) or Target(unresolved=True)
            if isinstance(os_, dict):
                on_success = self.r.target(os_.get("Destination")) or Target(unresolved=True)
        return AsyncConfig(
            self.int_setting(node, "MaximumRetryAttempts", 2),
            self.int_setting(node, "MaximumEventAgeInSeconds", 21600),
            on_failure,
            on_success,
            self.at(parent, "EventInvokeConfig") if "EventInvokeConfig" in parent else self.at(node),
        )

    # -- SAM events -------------------------------------------------------------------------------------------
    def _sam_event(self, fid: str, name: str, ev: dict[str, Any]) -> None:
        etype = self.r.value(ev.get("Type"))
        props = ev.get("Properties")
        if not isinstance(props, dict):
            props = Node(*(pos(ev) or (1, 1)))
        if not isinstance(etype, str) or etype not in SAM_EVENT_TYPES:
            return
        kind, mode = SAM_EVENT_TYPES[etype]
        source_key = SAM_SOURCE_PROPERTY.get(etype)
        source = self.r.target(props.get(source_key)) if source_key and source_key in props else None
        at = self.at(ev)
        if kind in ("api", "http_api"):
            timeout = self.int_setting(props, "TimeoutInMillis", DEFAULT_INTEGRATION_TIMEOUT_MS[kind])
            api_id = source.ref if source else None
            self.event_sources.append(EventSource(
                f"{fid}.{name}", fid, kind, mode, at, source=source, integration_timeout_ms=timeout, api=api_id))
            return
        if mode == "poll":
            self.event_sources.append(self._mapping_source(f"{fid}.{name}", fid, kind, props, at, source))
            return
        if kind == "s3" and source and source.ref:
            self.notifications.append(BucketNotification(source.ref, Target(ref=fid), at))
        self.event_sources.append(EventSource(f"{fid}.{name}", fid, kind, mode, at, source=source,
                                              filtered=kind == "s3" and bool(props.get("Filter"))))

    def _mapping_source(
        self, sid: str, fid: str, kind: str, props: dict[str, Any], at: SourceRef, source: Target | None
    ) -> EventSource:
        r = self.r
        frt = props.get("FunctionResponseTypes")
        frt_values = [r.value(x) for x in frt] if isinstance(frt, list) else []
        dest = props.get("DestinationConfig")
        on_failure = None
        if isinstance(dest, dict):
            of = dest.get("OnFailure")
            if isinstance(of, dict):
                on_failure = r.target(of.get("Destination")) or Target(unresolved=True)
        scaling = props.get("ScalingConfig")
        return EventSource(
            sid,
            fid,
            kind,
            "poll",
            at,
            source=source,
            batch_size=self.int_setting(props, "BatchSize", DEFAULT_BATCH_SIZE.get(kind)),
            batching_window=self.int_setting(props, "MaximumBatchingWindowInSeconds", 0),
            report_batch_item_failures="ReportBatchItemFailures" in frt_values,
            maximum_retry_attempts=self.int_setting(props, "MaximumRetryAttempts", -1)
            if kind in ("kinesis", "dynamodb") else None,
            maximum_record_age=self.int_setting(props, "MaximumRecordAgeInSeconds", -1)
            if kind in ("kinesis", "dynamodb") else None,
            bisect_on_error=r.bool_value(props.get("BisectBatchOnFunctionError")),
            on_failure=on_failure,
            maximum_concurrency=self.int_setting(scaling, "MaximumConcurrency", None)
            if isinstance(scaling, dict) else None,
            parallelization_factor=self.int_setting(props, "ParallelizationFactor", 1)
            if kind in ("kinesis", "dynamodb") else None,
            filter_criteria=isinstance(props.get("FilterCriteria"), dict),
            tumbling_window=self.int_setting(props, "TumblingWindowInSeconds", None),
        )

    # -- Lambda resources ---------------------------------------------------------------------------------------
    def _res_AWS_Lambda_EventSourceMapping(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fid = self.function_of(props.get("FunctionName"))
        if fid is None:
            return
        src_node = props.get("EventSourceArn")
        source = self.r.target(src_node) if src_node is not None else None
        kind = None
        if source and source.ref:
            kind = SOURCE_TYPE_KIND.get(self.type_of(source.ref) or "")
        elif source and source.arn and source.arn.startswith("arn:"):
            parts = source.arn.split(":")
            kind = ARN_SERVICE_KIND.get(parts[2]) if len(parts) > 2 else None
        if kind is None and "SelfManagedEventSource" in props:
            kind = "kafka"
        if kind is None:
            kind = "unknown"
        self.event_sources.append(self._mapping_source(lid, fid, kind, props, self.at(res), source))

    def _res_AWS_Lambda_Permission(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fn = props.get("FunctionName")
        fid = self.function_of(fn)
        principal = self.r.str_value(props.get("Principal")) or UNKNOWN
        url_auth = self.r.str_value(props.get("FunctionUrlAuthType"))
        self.permissions.append(Permission(
            lid,
            Target(ref=fid) if fid else (self.r.target(fn) or Target(unresolved=True)),
            principal,
            self.r.str_value(props.get("Action")) or UNKNOWN,
            self.at(res),
            has_source_arn="SourceArn" in props,
            # PrincipalOrgID limits the callers to the accounts of one organization, like SourceAccount does to one
            has_source_account="SourceAccount" in props or "PrincipalOrgID" in props,
            function_url_auth_type=url_auth if isinstance(url_auth, str) else None,
        ))
        if fid and isinstance(principal, str) and url_auth is None:
            pk = principal_kind(principal)
            if pk:
                source = self.r.target(props.get("SourceArn")) if "SourceArn" in props else None
                self.event_sources.append(EventSource(f"permission:{lid}", fid, pk[0], pk[1], self.at(res),
                                                      source=source))

    def _res_AWS_Lambda_Url(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fid = self.function_of(props.get("TargetFunctionArn"))
        if fid:
            self.urls.append(FunctionUrl(lid, fid, self.r.str_value(props.get("AuthType")) or UNKNOWN,
                                         self.at(res)))

    def _res_AWS_Lambda_EventInvokeConfig(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fid = self.function_of(props.get("FunctionName"))
        if fid:
            cfg = self._async_config(props, props)
            if cfg:
                self.fn_update(fid, async_config=dataclasses.replace(cfg, ref=self.at(res)))

    def _res_AWS_Lambda_Version(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fid = self.function_of(props.get("FunctionName"))
        if fid is None:
            return
        # A Version whose logical ID changes is replaced, and CloudFormation deletes the old one unless it is
        # retained (CDK's currentVersion retains by default; SAM's AutoPublishAlias versions are retained).
        retained = "Retain" in (res.get("DeletionPolicy"), res.get("UpdateReplacePolicy"))
        changes: dict[str, Any] = {}
        if retained:
            changes["publishes_versions"] = True
        pc = props.get("ProvisionedConcurrencyConfig")
        if isinstance(pc, dict):
            changes["provisioned_concurrency"] = Value(
                self.r.int_value(pc.get("ProvisionedConcurrentExecutions")), "set", self.at(props,
                "ProvisionedConcurrencyConfig"))
        if changes:
            self.fn_update(fid, **changes)

    def _res_AWS_Lambda_Alias(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fid = self.function_of(props.get("FunctionName"))
        if fid is None:
            return
        name = self.r.str_value(props.get("Name"))
        self.aliases.append(Alias(lid, fid, self.at(res), name))
        changes: dict[str, Any] = {"alias": name if isinstance(name, str) else lid}
        pc = props.get("ProvisionedConcurrencyConfig")
        if isinstance(pc, dict):
            changes["provisioned_concurrency"] = Value(
                self.r.int_value(pc.get("ProvisionedConcurrentExecutions")), "set", self.at(props,
                "ProvisionedConcurrencyConfig"))
        self.fn_update(fid, **changes)

    # -- messaging and storage ------------------------------------------------------------------------------
    def _res_AWS_SQS_Queue(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        redrive = self.r.value(props.get("RedrivePolicy"))
        dlq = max_receive = None
        if isinstance(redrive, dict):
            dlq = self.r.target(redrive.get("deadLetterTargetArn")) or Target(unresolved=True)
            max_receive = self.int_setting(redrive, "maxReceiveCount", None)
        elif isinstance(redrive, Unknown) or (isinstance(redrive, str) and redrive):
            dlq = Target(unresolved=True)
        vis = self.int_setting(props, "VisibilityTimeout", 30) or Value(30, "platform-default")
        retention = self.int_setting(props, "MessageRetentionPeriod", 345600) or Value(345600, "platform-default")
        name = self.r.value(props.get("QueueName"))
        self.queues[lid] = Queue(lid, self.at(res), vis, dlq, max_receive,
                                 fifo=self.r.bool_value(props.get("FifoQueue")), retention_period=retention,
                                 name=name if isinstance(name, str) else None)

    def _bucket_notifications(self, lid: str, props: dict[str, Any]) -> None:
        conf = props.get("NotificationConfiguration")
        lambdas = conf.get("LambdaConfigurations") if isinstance(conf, dict) else None
        for item in lambdas if isinstance(lambdas, list) else []:
            if not isinstance(item, dict):
                continue
            fid = self.function_of(item.get("Function"))
            if fid:
                at = self.at(item)
                self.notifications.append(BucketNotification(lid, Target(ref=fid), at))
                self.event_sources.append(EventSource(f"{lid}.notification", fid, "s3", "async", at,
                                                      source=Target(ref=lid), filtered=bool(item.get("Filter"))))

    def _sns_subscription(self, topic_id: str | None, endpoint: Any, node: dict[str, Any]) -> None:
        fid = self.function_of(endpoint)
        if fid:
            self.event_sources.append(EventSource(f"{topic_id}.subscription.{fid}", fid, "sns", "async",
                                                  self.at(node), source=Target(ref=topic_id) if topic_id else None))

    def _res_AWS_SNS_Subscription(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        if self.r.value(props.get("Protocol")) == "lambda":
            topic = self.r.target(props.get("TopicArn"))
            self._sns_subscription(topic.ref if topic else None, props.get("Endpoint"), res)

    def _res_AWS_Events_Rule(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        targets = props.get("Targets")
        kind = "schedule" if "ScheduleExpression" in props else "eventbridge"
        for t in targets if isinstance(targets, list) else []:
            if isinstance(t, dict):
                fid = self.function_of(t.get("Arn"))
                if fid:
                    self.event_sources.append(EventSource(f"{lid}.target", fid, kind, "async", self.at(t),
                                                          source=Target(ref=lid)))

    def _res_AWS_Scheduler_Schedule(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        target = props.get("Target")
        if isinstance(target, dict):
            fid = self.function_of(target.get("Arn"))
            if fid:
                self.event_sources.append(EventSource(lid, fid, "schedule", "async", self.at(res),
                                                      source=Target(ref=lid)))

    def _res_AWS_Logs_SubscriptionFilter(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fid = self.function_of(props.get("DestinationArn"))
        if fid:
            self.event_sources.append(EventSource(lid, fid, "cloudwatch_logs", "async", self.at(res)))

    def _res_AWS_ApiGateway_Method(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        integ = props.get("Integration")
        if not isinstance(integ, dict):
            return
        fid = self.function_of(integ.get("Uri"))
        if fid:
            api = self.r.target(props.get("RestApiId"))
            asynchronous = openapi.invokes_async(integ.get("RequestParameters"))
            self.event_sources.append(EventSource(
                lid, fid, "api", "async" if asynchronous else "sync", self.at(res), source=api,
                integration_timeout_ms=self.int_setting(integ, "TimeoutInMillis", 29_000),
                api=api.ref if api else None))

    # -- synchronous callers that are not APIs (DG "Invoking Lambda functions": services that invoke synchronously)
    def _res_AWS_Cognito_UserPool(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        """User-pool triggers: Cognito waits for the answer, at most 5 s (Cognito "Customizing user pool
        workflows with Lambda triggers")."""
        config = props.get("LambdaConfig")
        for key, value in config.items() if isinstance(config, dict) else ():
            # CustomSMSSender and the like nest the ARN: {LambdaArn: ..., LambdaVersion: ...}
            target = value.get("LambdaArn") if isinstance(value, dict) and "LambdaArn" in value else value
            fid = self.function_of(target)
            if fid:
                self.event_sources.append(EventSource(f"{lid}.{key}", fid, "cognito", "sync", self.at(config, key),
                                                      source=Target(ref=lid)))

    def _res_AWS_IoT_Authorizer(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fid = self.function_of(props.get("AuthorizerFunctionArn"))
        if fid:
            self.event_sources.append(EventSource(lid, fid, "iot_authorizer", "sync",
                                                  self.at(props, "AuthorizerFunctionArn"), source=Target(ref=lid)))

    def _res_AWS_CloudFront_Distribution(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        """Lambda@Edge: the viewer's request waits on the function."""
        config = props.get("DistributionConfig")
        config = config if isinstance(config, dict) else {}
        behaviors = [config.get("DefaultCacheBehavior"), *(config.get("CacheBehaviors") or [])]
        for behavior in behaviors:
            assocs = behavior.get("LambdaFunctionAssociations") if isinstance(behavior, dict) else None
            for assoc in assocs if isinstance(assocs, list) else []:
                fid = self.function_of(assoc.get("LambdaFunctionARN")) if isinstance(assoc, dict) else None
                if fid:
                    self.event_sources.append(EventSource(f"{lid}.edge.{fid}", fid, "cloudfront", "sync",
                                                          self.at(assoc), source=Target(ref=lid)))

    def _res_AWS_StepFunctions_StateMachine(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        self._state_machine(lid, props)

    def _res_AWS_Serverless_StateMachine(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        self._state_machine(lid, props)

    def _state_machine(self, lid: str, props: dict[str, Any]) -> None:
        """A Task state invokes its function and waits (lambda:invoke, or the function's ARN as Resource); a
        function named in DefinitionSubstitutions is taken as one the definition file invokes."""
        found: dict[str, SourceRef] = {}
        stack: list[Any] = [props.get("Definition")]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if node.get("Type") == "Task":
                    params = node.get("Parameters")
                    name = params.get("FunctionName") if isinstance(params, dict) else None
                    fid = self.function_of(name) or self.function_of(node.get("Resource"))
                    if fid:
                        found.setdefault(fid, self.at(node))
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        subs = props.get("DefinitionSubstitutions")
        for key, value in subs.items() if isinstance(subs, dict) else ():
            fid = self.function_of(value)
            if fid:
                found.setdefault(fid, self.at(subs, key))
        for fid, at in found.items():
            self.event_sources.append(EventSource(f"{lid}.task.{fid}", fid, "stepfunctions", "sync", at,
                                                  source=Target(ref=lid)))

    def _res_AWS_Serverless_Api(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        self._openapi_of(lid, props, "api")

    def _res_AWS_ApiGateway_RestApi(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        self._openapi(lid, props.get("Body"), "api")

    def _res_AWS_Serverless_HttpApi(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        self._openapi_of(lid, props, "http_api")

    def _res_AWS_ApiGatewayV2_Api(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        self._openapi(lid, props.get("Body"), "http_api")
        # quick create: `Target` makes an HTTP API with one default route to the function
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-api.html
        fid = self.function_of(props.get("Target")) if "Target" in props else None
        if fid:
            self.event_sources.append(EventSource(
                lid, fid, "http_api", "sync", self.at(props, "Target"), source=Target(ref=lid),
                integration_timeout_ms=Value(30_000, "platform-default", None), api=lid))

    def _openapi_of(self, lid: str, props: dict[str, Any], kind: str) -> None:
        if "DefinitionBody" in props:
            self._openapi(lid, props.get("DefinitionBody"), kind)
        elif "DefinitionUri" in props:
            # positions in another file: the triggers point at the DefinitionUri line of the template
            self._openapi(lid, self._definition_file(props), kind, self.at(props, "DefinitionUri"))

    def _definition_file(self, props: dict[str, Any]) -> Any:
        """A SAM API's ``DefinitionUri`` when it names a local file (SAM CLI uploads it when packaging), read
        as the template is; an S3 location, or a file that cannot be read, gives nothing to follow."""
        uri = props.get("DefinitionUri")
        if not isinstance(uri, str) or uri.startswith(("s3://", "http://", "https://")):
            return None
        path = os.path.normpath(os.path.join(self.base_dir, uri))
        try:
            return decode_bytes(read_regular(path, MAX_FILE_BYTES), strict_json=path.endswith(".json"), duplicates=[])
        except (OSError, DecodeError):
            return None  # the integrations of an unreadable definition stay unknown, as before

    def _openapi(self, lid: str, definition: Any, kind: str, where: SourceRef | None = None) -> None:
        """The Lambda integrations of an inline OpenAPI definition (loaders/openapi.py)."""
        for integ in openapi.integrations(definition):
            fid = self.function_of(integ.uri)
            if fid is None:
                continue
            node = integ.node
            # a REST API's integration waits at most 29 s by default, an HTTP API's 30 s
            timeout = self.int_setting(node, "timeoutInMillis", 29_000 if kind == "api" else 30_000)
            if where is not None and timeout is not None and timeout.ref is not None:
                timeout = Value(timeout.value, timeout.origin, where)
            self.event_sources.append(EventSource(
                f"{lid} {integ.method} {integ.path}", fid, kind, "async" if integ.asynchronous else "sync",
                where or self.at(node), source=Target(ref=lid), integration_timeout_ms=timeout, api=lid))

    def _res_AWS_ApiGatewayV2_Integration(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        fid = self.function_of(props.get("IntegrationUri"))
        if fid is None:
            return
        api = self.r.target(props.get("ApiId"))
        api_props = self.resources.get(api.ref, {}).get("Properties", {}) if api and api.ref else {}
        protocol = self.r.value(api_props.get("ProtocolType")) if isinstance(api_props, dict) else None
        kind = "websocket" if protocol == "WEBSOCKET" else "http_api"
        self.event_sources.append(EventSource(
            lid, fid, kind, "sync", self.at(res), source=api,
            integration_timeout_ms=self.int_setting(props, "TimeoutInMillis", 30_000 if kind == "http_api"
                                                    else 29_000),
            api=api.ref if api else None))

    # -- IAM ---------------------------------------------------------------------------------------------------
    def _res_AWS_IAM_Role(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        statements: list[Statement] = []
        policies = props.get("Policies")
        for p in policies if isinstance(policies, list) else []:
            if isinstance(p, dict):
                statements.extend(iam.statements_from_document(self.r, p.get("PolicyDocument"), self.file,
                                                               "inline"))
        managed = props.get("ManagedPolicyArns")
        arns = [self.r.value(m) for m in managed] if isinstance(managed, list) else []
        self.roles[lid] = Role(lid, self.at(res), tuple(statements),
                               tuple(a if isinstance(a, str) else "unresolved managed policy" for a in arns))

    def _res_AWS_IAM_Policy(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        statements = iam.statements_from_document(self.r, props.get("PolicyDocument"), self.file, lid)
        roles = props.get("Roles")
        for role in roles if isinstance(roles, list) else []:
            for rid in self.r.refs_in(role):
                self.extra_role_statements.setdefault(rid, []).extend(statements)

    _res_AWS_IAM_ManagedPolicy = _res_AWS_IAM_Policy

    # -- observability ------------------------------------------------------------------------------------------
    def _metric(self, namespace: Any, name: Any, dimensions: Any, stat: str | None) -> MetricRef:
        functions: set[str] = set()
        names: set[str] = set()
        others: set[str] = set()
        for dim in dimensions if isinstance(dimensions, list) else []:
            if not isinstance(dim, dict):
                continue
            dname = self.r.value(dim.get("Name"))
            value = dim.get("Value")
            if dname in ("FunctionName", "Resource"):
                fid = self.function_of(value)
                if fid:
                    functions.add(fid)
                else:
                    lit = self.r.value(value)
                    if isinstance(lit, str):
                        names.add(lit.split(":", 1)[0])
            others.update(self.r.refs_in(value))
        ns = self.r.str_value(namespace)
        mn = self.r.str_value(name)
        return MetricRef(ns if ns is not None else UNKNOWN, mn if mn is not None else UNKNOWN,
                         frozenset(functions), frozenset(names), frozenset(others), stat)

    def _res_AWS_CloudWatch_Alarm(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        metrics: list[MetricRef] = []
        expression = None
        if "MetricName" in props:
            stat = self.r.str_value(props.get("ExtendedStatistic") or props.get("Statistic"))
            metrics.append(self._metric(props.get("Namespace"), props.get("MetricName"), props.get("Dimensions"),
                                        stat if isinstance(stat, str) else None))
        for m in props.get("Metrics") or []:
            if not isinstance(m, dict):
                continue
            ms = m.get("MetricStat")
            if isinstance(ms, dict) and isinstance(ms.get("Metric"), dict):
                metric = ms["Metric"]
                stat = self.r.str_value(ms.get("Stat"))
                metrics.append(self._metric(metric.get("Namespace"), metric.get("MetricName"),
                                            metric.get("Dimensions"), stat if isinstance(stat, str) else None))
            elif "Expression" in m and m.get("ReturnData", True) is not False:
                e = self.r.value(m.get("Expression"))
                expression = e if isinstance(e, str) else expression
        threshold = self.r.value(props.get("Threshold"))
        actions = props.get("AlarmActions")
        actions_unknown = actions is not None and not isinstance(actions, list)
        comparison = self.r.str_value(props.get("ComparisonOperator"))
        self.alarms.append(Alarm(
            lid, self.at(res), tuple(metrics),
            float(threshold) if isinstance(threshold, (int, float)) and not isinstance(threshold, bool)
            else (UNKNOWN if "Threshold" in props else None),
            comparison if isinstance(comparison, str) else None,
            has_actions=bool(actions) if isinstance(actions, list) else actions_unknown,
            actions_unknown=actions_unknown,
            expression=expression,
        ))

    def _res_AWS_Logs_LogGroup(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        name_node = props.get("LogGroupName")
        name = self.r.str_value(name_node)
        function = None
        text = name if isinstance(name, str) else None
        raw = name_node.get("Fn::Sub") if isinstance(name_node, dict) else None
        raw_text = raw[0] if isinstance(raw, list) and raw else raw
        join = name_node.get("Fn::Join") if isinstance(name_node, dict) else None
        looks_lambda = (
            (isinstance(text, str) and text.startswith("/aws/lambda/"))
            or (isinstance(raw_text, str) and raw_text.startswith("/aws/lambda/"))
            or (isinstance(join, list) and "/aws/lambda/" in str(join))
        )
        if looks_lambda:
            refs = [x for x in self.r.refs_in(name_node) if self.type_of(x) in FUNCTION_TYPES]
            if refs:
                function = refs[0]
            elif isinstance(text, str):
                function = self.function_names.get(text[len("/aws/lambda/"):])
        retention = self.int_setting(props, "RetentionInDays", None)
        self.log_groups.append(LogGroup(lid, self.at(res), name if name is not None else None, function,
                                        retention))

    # -- networking ----------------------------------------------------------------------------------------
    def _res_AWS_EC2_RouteTable(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        self.route_tables.setdefault(lid, {"ref": self.at(res), "routes": [], "subnets": set()})

    def _res_AWS_EC2_Route(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        rt = self.r.target(props.get("RouteTableId"))
        if not rt or not rt.ref:
            return
        entry = self.route_tables.setdefault(rt.ref, {"ref": self.at(res), "routes": [], "subnets": set()})
        dest = self.r.str_value(props.get("DestinationCidrBlock") or props.get("DestinationIpv6CidrBlock"))
        # NAT gateways, NAT instances, transit gateways and peering can all give egress: count them all.
        egress_keys = ("NatGatewayId", "InstanceId", "NetworkInterfaceId", "TransitGatewayId",
                       "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId")
        entry["routes"].append(Route(dest if dest is not None else UNKNOWN,
                                     nat_gateway=any(k in props for k in egress_keys),
                                     internet_gateway="GatewayId" in props))

    def _res_AWS_EC2_SubnetRouteTableAssociation(self, lid: str, res: dict[str, Any], props: dict[str, Any]
                                                 ) -> None:
        rt = self.r.target(props.get("RouteTableId"))
        subnet = self.r.target(props.get("SubnetId"))
        if rt and rt.ref and subnet and subnet.ref:
            entry = self.route_tables.setdefault(rt.ref, {"ref": self.at(res), "routes": [], "subnets": set()})
            entry["subnets"].add(subnet.ref)

    def _res_AWS_EC2_VPCEndpoint(self, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        service = self.r.str_value(props.get("ServiceName"))
        self.endpoints.append(VpcEndpoint(
            lid, service if service is not None else UNKNOWN, self.at(res),
            frozenset(self.r.refs_in(props.get("RouteTableIds"))), frozenset(self.r.refs_in(props.get("SubnetIds")))))
