"""serverless.yml (Serverless Framework v3 and v4) → the CloudFormation the framework would deploy → the model.

The framework itself compiles a service into one CloudFormation stack; this loader does the same, statically,
and hands the result to the CloudFormation builder, so the rules see exactly what they would see for the
equivalent SAM or CloudFormation template. Every generated node keeps the position of the serverless.yml key it
came from, so findings point at the user's own lines.

Framework behaviour reproduced here (Serverless Framework docs, "AWS - Functions", "AWS - IAM", "AWS - Events"):
- defaults: ``timeout`` 6 s and ``memorySize`` 1024 MB (carried as ``framework-default``, not the platform's 3 s
  / 128 MB); function names ``<service>-<stage>-<key>``; stage ``dev``, region ``us-east-1``;
- ``versionFunctions`` (default true) publishes a retained ``AWS::Lambda::Version`` on every deploy;
- one shared execution role ``IamRoleLambdaExecution`` with the log permissions, ``provider.iam.role.statements``
  (or the legacy ``provider.iamRoleStatements``) and the permissions its SQS/stream triggers need;
- one log group per function, ``/aws/lambda/<name>``, with ``provider.logRetentionInDays`` when set;
- event ``batchSize`` defaults to 10 for ``sqs`` and ``stream``.
Plugins understood: serverless-iam-roles-per-function, serverless-prune-plugin, serverless-plugin-aws-alerts.
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Any

from lambdoctor.loaders.builder import ApplicationBuilder
from lambdoctor.loaders.decode import Node
from lambdoctor.loaders.serverless_vars import UNRESOLVED, UNRESOLVED_PARAM, VariableProblem, resolve_variables
from lambdoctor.model import Application, Function, Value

SERVERLESS_FILE_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")

FRAMEWORK_TIMEOUT = 6  # seconds: Serverless Framework default for provider.timeout
FRAMEWORK_MEMORY = 1024  # MB: Serverless Framework default for provider.memorySize
FRAMEWORK_BATCH_SIZE = 10  # sqs and stream events

# What Lambda itself needs to write logs (newer framework versions also add logs:TagResource, which only
# tags the log group at creation; it is left out so that it is not reported as a permission the code never uses).
_LOG_STATEMENT_ACTIONS = ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents"]
_SQS_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
_STREAM_ACTIONS = {
    "kinesis": ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams"],
    "dynamodb": ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                 "dynamodb:ListStreams"],
}

# serverless-plugin-aws-alerts: the built-in alarm definitions (plugin README, "Default Definitions").
_ALERT_DEFINITIONS: dict[str, dict[str, Any]] = {
    "functionInvocations": {"metric": "Invocations", "threshold": 100, "statistic": "Sum"},
    "functionErrors": {"metric": "Errors", "threshold": 1, "statistic": "Sum"},
    "functionDuration": {"metric": "Duration", "threshold": 500, "statistic": "Average"},
    "functionThrottles": {"metric": "Throttles", "threshold": 1, "statistic": "Sum"},
}


def is_serverless_file(path: str) -> bool:
    """serverless.yml and friends (also ``x__serverless.yml``: copies kept side by side under one folder)."""
    return os.path.basename(path).endswith(SERVERLESS_FILE_NAMES)


def normalized(name: str) -> str:
    """The framework's logical-ID form of a name: ``my-fn_x`` → ``MyDashfnUnderscorex``."""
    text = re.sub(r"[^A-Za-z0-9_-]", "", str(name)).replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


def _alnum(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9]", "", str(name))
    return text[:1].upper() + text[1:]


class _Compiler:
    """Builds the CloudFormation template of one resolved serverless.yml."""

    def __init__(self, path: str, conf: Node, options: dict[str, str]) -> None:
        self.path = path
        self.dir = os.path.dirname(path)
        self.conf = conf
        self.provider: Node = _mapping(conf.get("provider"), conf)
        self.custom: Node = _mapping(conf.get("custom"), conf)
        service = conf.get("service")
        if isinstance(service, dict):
            service = service.get("name")
        self.service = service if isinstance(service, str) else "service"
        stage = options.get("stage") or self.provider.get("stage")
        self.stage = stage if isinstance(stage, str) else "dev"
        self.plugins = _plugins(conf.get("plugins"))
        self.resources: Node = Node(conf.line, conf.column)
        self.event_statements: dict[str, list[Any]] = {}  # function → what its triggers need
        self.own_roles: list[tuple[str, str, list[Any], Node, Any]] = []  # serverless-iam-roles-per-function
        self.shared_role_users: set[str] = set()
        self.framework_defaults: dict[str, dict[str, Value[int]]] = {}
        self.fn_ids: dict[str, str] = {}
        self.any_vpc = False

    # -- helpers -----------------------------------------------------------------------------------------------
    def node(self, at: Any, key: str | None = None, **items: Any) -> Node:
        """A new mapping positioned at ``at`` (or at its ``key``); each item positioned there too."""
        line, col = _pos(at, key)
        out = Node(line, col)
        for k, v in items.items():
            out[k] = v
            out.key_pos[k] = (line, col)
        return out

    def put(self, target: Node, key: str, value: Any, src: Any, src_key: str) -> None:
        """``target[key] = value``, positioned where ``src_key`` stands in ``src``."""
        target[key] = value
        target.key_pos[key] = _pos(src, src_key)

    def add(self, lid: str, rtype: str, props: Node, at: Any, key: str | None = None, **extra: Any) -> Node:
        res = self.node(at, key, Type=rtype, Properties=props, **extra)
        self.resources[lid] = res
        self.resources.key_pos[lid] = _pos(at, key)
        return res

    def setting(self, fn: Node, key: str) -> tuple[Any, Node] | None:
        """A function setting, or the provider's: (value, the mapping it stands in)."""
        if key in fn:
            return fn[key], fn
        if key in self.provider:
            return self.provider[key], self.provider
        return None

    # -- entry -----------------------------------------------------------------------------------------------
    def compile(self) -> dict[str, Any]:
        functions = self.conf.get("functions")
        items = _function_items(functions)
        self.fn_ids = {key: normalized(key) + "LambdaFunction" for key, _ in items}
        self._layers()
        for key, fn in items:
            self._function(key, fn, functions)
        self._roles()
        self._user_resources()
        return {"Parameters": {UNRESOLVED_PARAM: {}}, "Resources": self.resources}

    def _layers(self) -> None:
        """``layers: {name: {path: folder}}``: the framework zips the folder into an AWS::Lambda::LayerVersion
        named ``<Name>LambdaLayer`` (a function lists it as ``{Ref: <Name>LambdaLayer}``)."""
        layers = self.conf.get("layers")
        if not isinstance(layers, dict):
            return
        for name, spec in layers.items():
            if isinstance(spec, dict) and isinstance(spec.get("path"), str):
                self.add(f"{normalized(name)}LambdaLayer", "AWS::Lambda::LayerVersion",
                         self.node(spec, "path", Content=spec["path"]), layers, name)

    # -- functions -------------------------------------------------------------------------------------------
    def _function(self, key: str, fn: Node, parent: Any) -> None:
        lid = self.fn_ids[key]
        at_key = (parent, key) if isinstance(parent, dict) and key in parent else (fn, None)
        props = self.node(*at_key)
        name = fn.get("name") if isinstance(fn.get("name"), str) else f"{self.service}-{self.stage}-{key}"
        self.put(props, "FunctionName", name, fn, "name")
        defaults: dict[str, Value[int]] = {}
        image = fn.get("image")
        if image is not None:
            self.put(props, "PackageType", "Image", fn, "image")
        else:
            if "handler" in fn:
                self.put(props, "Handler", fn["handler"], fn, "handler")
            runtime = self.setting(fn, "runtime")
            # No runtime: the framework's default depends on its version (v3 nodejs14.x/18.x, v4 nodejs20.x).
            self.put(props, "Runtime", runtime[0] if runtime else UNRESOLVED, *(
                (runtime[1], "runtime") if runtime else (fn, "handler")))
        for cfn_key, sls_key, default in (("MemorySize", "memorySize", FRAMEWORK_MEMORY),
                                          ("Timeout", "timeout", FRAMEWORK_TIMEOUT)):
            found = self.setting(fn, sls_key)
            if found:
                self.put(props, cfn_key, found[0], found[1], sls_key)
            else:
                props[cfn_key] = default
                defaults[cfn_key] = Value(default, "framework-default", None)
        self.framework_defaults[lid] = defaults
        env = self._environment(fn)
        if env is not None:
            props["Environment"] = env
        self._role(lid, key, fn, props)
        vpc = self.setting(fn, "vpc")
        if vpc and isinstance(vpc[0], dict):
            v = vpc[0]
            vcfg = self.node(vpc[1], "vpc")
            if "subnetIds" in v:
                self.put(vcfg, "SubnetIds", v["subnetIds"], v, "subnetIds")
            if "securityGroupIds" in v:
                self.put(vcfg, "SecurityGroupIds", v["securityGroupIds"], v, "securityGroupIds")
            self.put(props, "VpcConfig", vcfg, vpc[1], "vpc")
            self.any_vpc = True
        layers = self.setting(fn, "layers")
        if layers:
            self.put(props, "Layers", layers[0], layers[1], "layers")
        if "reservedConcurrency" in fn:  # a per-function setting only
            self.put(props, "ReservedConcurrentExecutions", fn["reservedConcurrency"], fn, "reservedConcurrency")
        arch = self.setting(fn, "architecture")
        if arch:
            self.put(props, "Architectures", [arch[0]], arch[1], "architecture")
        if "ephemeralStorageSize" in fn:
            self.put(props, "EphemeralStorage", self.node(fn, "ephemeralStorageSize",
                                                          Size=fn["ephemeralStorageSize"]), fn, "ephemeralStorageSize")
        tracing = self._tracing(fn)
        if tracing:
            self.put(props, "TracingConfig", self.node(tracing[1], tracing[2], Mode=tracing[0]), tracing[1],
                     tracing[2])
        if "onError" in fn:
            self.put(props, "DeadLetterConfig", self.node(fn, "onError", TargetArn=fn["onError"]), fn, "onError")
        logging = self._logging(fn)
        if logging is not None:
            props["LoggingConfig"] = logging
        if fn.get("snapStart") is True:
            self.put(props, "SnapStart", self.node(fn, "snapStart", ApplyOn="PublishedVersions"), fn, "snapStart")
        props["Code"] = self.node(*at_key, S3Bucket="serverless-deployment-bucket")
        res = self.add(lid, "AWS::Lambda::Function", props, *at_key)
        res["Metadata"] = {"aws:asset:path": self._code_path(fn)}
        self._log_group(lid, key, fn, name, *at_key)
        self._version(lid, fn, *at_key)
        self._async(lid, key, fn)
        self._url(lid, fn)
        if "provisionedConcurrency" in fn:
            self.add(normalized(key) + "ProvConcLambdaAlias", "AWS::Lambda::Alias", self.node(
                fn, "provisionedConcurrency", FunctionName={"Ref": lid}, Name="provisioned",
                ProvisionedConcurrencyConfig=self.node(fn, "provisionedConcurrency",
                                                       ProvisionedConcurrentExecutions=fn["provisionedConcurrency"])),
                fn, "provisionedConcurrency")
        events = fn.get("events")
        for i, ev in enumerate(events if isinstance(events, list) else []):
            if isinstance(ev, dict) and len(ev) >= 1:
                etype, spec = next(iter(ev.items()))
                handler = getattr(self, "_event_" + str(etype), None)
                if handler is not None:
                    handler(lid, key, i + 1, spec, ev)
        self._alerts(lid, key, fn, *at_key)

    def _code_path(self, fn: Node) -> str:
        """Where the handler's source lives, relative to the serverless.yml folder (the framework zips it)."""
        for pkg in (fn.get("package"), self.conf.get("package")):
            if isinstance(pkg, dict) and isinstance(pkg.get("artifact"), str):
                return str(pkg["artifact"])
        module = fn.get("module")  # serverless-python-requirements: the handler is relative to this folder
        return module if isinstance(module, str) else "."

    def _environment(self, fn: Node) -> Node | None:
        merged = Node(*(_pos(fn, "environment")))
        for holder in (self.provider, fn):
            env = holder.get("environment")
            if isinstance(env, dict):
                for k, v in env.items():
                    self.put(merged, k, v, env, k)
        if not merged:
            return None
        return self.node(fn if "environment" in fn else self.provider, "environment", Variables=merged)

    def _tracing(self, fn: Node) -> tuple[str, Node, str] | None:
        holder: Any
        if "tracing" in fn:
            mode = fn["tracing"]
            holder, key = fn, "tracing"
        else:
            tr = self.provider.get("tracing")
            if not isinstance(tr, dict) or "lambda" not in tr:
                return None
            mode, holder, key = tr["lambda"], tr, "lambda"
        if mode is True or (isinstance(mode, str) and mode.lower() == "active"):
            return "Active", holder, key
        if isinstance(mode, str) and mode.lower() == "passthrough":
            return "PassThrough", holder, key
        return None

    def _logging(self, fn: Node) -> Node | None:
        logs = self.provider.get("logs")
        lam = logs.get("lambda") if isinstance(logs, dict) else None
        fn_logs = fn.get("logs")
        out = Node(*_pos(fn, None))
        for holder in (lam, fn_logs):
            if not isinstance(holder, dict):
                continue
            for cfn_key, key in (("ApplicationLogLevel", "applicationLogLevel"), ("LogFormat", "logFormat"),
                                 ("SystemLogLevel", "systemLogLevel")):
                if key in holder:
                    self.put(out, cfn_key, holder[key], holder, key)
        return out or None

    def _log_group(self, lid: str, key: str, fn: Node, name: Any, at: Any, at_key: str | None) -> None:
        if fn.get("disableLogs") is True:
            return
        props = self.node(at, at_key, LogGroupName={"Fn::Join": ["", ["/aws/lambda/", name]]}
                          if not isinstance(name, str) else f"/aws/lambda/{name}")
        for holder, k in ((fn, "logRetentionInDays"), (self.provider, "logRetentionInDays")):
            if k in holder:
                self.put(props, "RetentionInDays", holder[k], holder, k)
                break
        self.add(normalized(key) + "LogGroup", "AWS::Logs::LogGroup", props, at, at_key)

    def _version(self, lid: str, fn: Node, at: Any, at_key: str | None) -> None:
        enabled: Any = self.provider.get("versionFunctions", True)
        if "versionFunction" in fn:
            enabled = fn["versionFunction"]
        if enabled is False or (isinstance(enabled, str) and enabled.lower() == "false"):
            return
        where = (self.provider, "versionFunctions") if "versionFunctions" in self.provider else (at, at_key)
        # Each deploy adds a Version with a new logical ID; the framework marks them Retain, so they pile up.
        self.add(lid.removesuffix("LambdaFunction") + "LambdaVersion", "AWS::Lambda::Version",
                 self.node(*where, FunctionName={"Ref": lid}), *where, DeletionPolicy="Retain")

    def _destination(self, value: Any) -> Any:
        """A destination: a function of this service by key, an ARN, or ``{type, arn}``."""
        if isinstance(value, dict) and "arn" in value:
            value = value["arn"]
        if isinstance(value, str) and value in self.fn_ids:
            return {"Fn::GetAtt": [self.fn_ids[value], "Arn"]}
        return value

    def _async(self, lid: str, key: str, fn: Node) -> None:
        dest = fn.get("destinations")
        keys = [k for k in ("maximumRetryAttempts", "maximumEventAge") if k in fn]
        if not isinstance(dest, dict) and not keys:
            return
        at = (fn, "destinations") if isinstance(dest, dict) else (fn, keys[0])
        props = self.node(*at, FunctionName={"Ref": lid}, Qualifier="$LATEST")
        if "maximumRetryAttempts" in fn:
            self.put(props, "MaximumRetryAttempts", fn["maximumRetryAttempts"], fn, "maximumRetryAttempts")
        if "maximumEventAge" in fn:
            self.put(props, "MaximumEventAgeInSeconds", fn["maximumEventAge"], fn, "maximumEventAge")
        if isinstance(dest, dict):
            cfg = self.node(fn, "destinations")
            for cfn_key, sls_key in (("OnSuccess", "onSuccess"), ("OnFailure", "onFailure")):
                if sls_key in dest:
                    self.put(cfg, cfn_key, self.node(dest, sls_key, Destination=self._destination(dest[sls_key])),
                             dest, sls_key)
            props["DestinationConfig"] = cfg
        self.add(normalized(key) + "LambdaEvConf", "AWS::Lambda::EventInvokeConfig", props, *at)

    def _url(self, lid: str, fn: Node) -> None:
        url = fn.get("url")
        if url is None or url is False:
            return
        auth = "AWS_IAM" if isinstance(url, dict) and url.get("authorizer") == "aws_iam" else "NONE"
        self.add(lid.removesuffix("LambdaFunction") + "LambdaFunctionUrl", "AWS::Lambda::Url", self.node(
            fn, "url", TargetFunctionArn={"Fn::GetAtt": [lid, "Arn"]}, AuthType=auth), fn, "url")
        if auth == "NONE":
            self.add(lid.removesuffix("LambdaFunction") + "LambdaPermissionFnUrl", "AWS::Lambda::Permission",
                     self.node(fn, "url", FunctionName={"Fn::GetAtt": [lid, "Arn"]}, Principal="*",
                               Action="lambda:InvokeFunctionUrl", FunctionUrlAuthType="NONE"), fn, "url")

    # -- IAM ------------------------------------------------------------------------------------------------------
    def _role(self, lid: str, key: str, fn: Node, props: Node) -> None:
        if "role" in fn:
            self.put(props, "Role", self._role_ref(fn["role"]), fn, "role")
            return
        iam = self.provider.get("iam")
        shared = iam.get("role") if isinstance(iam, dict) else self.provider.get("role")
        if isinstance(shared, (str, list)) or (isinstance(shared, dict) and _is_reference(shared)):
            holder = iam if isinstance(iam, dict) and "role" in iam else self.provider
            self.put(props, "Role", self._role_ref(shared), holder, "role")
            return
        if "serverless-iam-roles-per-function" in self.plugins and (
                "iamRoleStatements" in fn or "iamRoleStatementsName" in fn):
            role_id = normalized(key) + "IamRoleLambdaExecution"
            statements: list[Any] = [self._log_statement(fn, "iamRoleStatements")]
            own = fn.get("iamRoleStatements")
            statements.extend(s for s in (own if isinstance(own, list) else []) if isinstance(s, dict))
            plugin_cfg = _mapping(self.custom.get("serverless-iam-roles-per-function"), self.custom)
            if fn.get("iamRoleStatementsInherit", plugin_cfg.get("defaultInherit", False)) is True:
                statements.extend(self._provider_statements())
            self.own_roles.append((role_id, lid, statements, fn, fn.get("vpc") or self.provider.get("vpc")))
            self.put(props, "Role", {"Fn::GetAtt": [role_id, "Arn"]}, fn, "iamRoleStatements")
            return
        self.shared_role_users.add(lid)
        props["Role"] = {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]}

    def _role_ref(self, value: Any) -> Any:
        if isinstance(value, str) and not value.startswith("arn:"):
            return {"Fn::GetAtt": [value, "Arn"]}  # the logical ID of a role in resources:
        return value

    def _log_statement(self, at: Any, key: str | None) -> Node:
        # The framework writes the region and account as pseudo parameters; "*" keeps the pattern resolvable.
        prefix = f"arn:aws:logs:*:*:log-group:/aws/lambda/{self.service}-{self.stage}*"
        return self.node(at, key, Effect="Allow", Action=list(_LOG_STATEMENT_ACTIONS),
                         Resource=[prefix + ":*", prefix + ":*:*"])

    def _provider_statements(self) -> list[Any]:
        iam = self.provider.get("iam")
        role = iam.get("role") if isinstance(iam, dict) else None
        found = role.get("statements") if isinstance(role, dict) else None
        if found is None:
            found = self.provider.get("iamRoleStatements")  # v1/v2 form, still read by v3
        return [s for s in (found if isinstance(found, list) else []) if isinstance(s, dict)]

    def _managed_policies(self) -> list[Any]:
        iam = self.provider.get("iam")
        role = iam.get("role") if isinstance(iam, dict) else None
        found = role.get("managedPolicies") if isinstance(role, dict) else None
        if found is None:
            found = self.provider.get("iamManagedPolicies")
        return list(found) if isinstance(found, list) else []

    def _add_role(self, role_id: str, statements: list[Any], at: Any, key: str | None, vpc: Any) -> None:
        managed = self._managed_policies()
        if vpc:
            managed.append("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
        doc = self.node(at, key, Version="2012-10-17", Statement=statements)
        policy = self.node(at, key, PolicyName=f"{self.service}-{self.stage}-lambda", PolicyDocument=doc)
        props = self.node(at, key, Policies=[policy])
        if managed:
            props["ManagedPolicyArns"] = managed
        self.add(role_id, "AWS::IAM::Role", props, at, key)

    def _roles(self) -> None:
        for role_id, lid, statements, fn, vpc in self.own_roles:
            self._add_role(role_id, statements + self.event_statements.get(lid, []), fn, "iamRoleStatements", vpc)
        if not self.shared_role_users:
            return
        iam = self.provider.get("iam")
        role = iam.get("role") if isinstance(iam, dict) else None
        holder, key = (role, "statements") if isinstance(role, dict) and "statements" in role else (
            (self.provider, "iamRoleStatements") if "iamRoleStatements" in self.provider else (self.provider, None))
        statements = [self._log_statement(self.provider, None), *self._provider_statements()]
        for lid in sorted(self.shared_role_users):
            statements.extend(self.event_statements.get(lid, []))
        self._add_role("IamRoleLambdaExecution", statements, holder, key, self.any_vpc)

    # -- events -------------------------------------------------------------------------------------------------
    def _permission(self, lid: str, name: str, principal: str, source_arn: Any, at: Any, key: str | None) -> None:
        props = self.node(at, key, FunctionName={"Fn::GetAtt": [lid, "Arn"]}, Action="lambda:InvokeFunction",
                          Principal=principal)
        if source_arn is not None:
            props["SourceArn"] = source_arn
        self.add(name, "AWS::Lambda::Permission", props, at, key)

    def _mapping(self, lid: str, name: str, arn: Any, spec: Any, ev: Node, etype: str) -> Node:
        props = self.node(ev, etype, EventSourceArn=arn, FunctionName={"Fn::GetAtt": [lid, "Arn"]})
        spec = spec if isinstance(spec, dict) else {}
        self.put(props, "BatchSize", spec.get("batchSize", FRAMEWORK_BATCH_SIZE), spec if "batchSize" in spec
                 else ev, "batchSize" if "batchSize" in spec else etype)
        for cfn_key, sls_key in (("MaximumBatchingWindowInSeconds", "maximumBatchingWindow"),
                                 ("MaximumBatchingWindowInSeconds", "batchWindow"),
                                 ("MaximumRetryAttempts", "maximumRetryAttempts"),
                                 ("MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds"),
                                 ("BisectBatchOnFunctionError", "bisectBatchOnFunctionError"),
                                 ("ParallelizationFactor", "parallelizationFactor"),
                                 ("StartingPosition", "startingPosition"), ("Enabled", "enabled")):
            if sls_key in spec:
                self.put(props, cfn_key, spec[sls_key], spec, sls_key)
        if "functionResponseType" in spec:
            self.put(props, "FunctionResponseTypes", [spec["functionResponseType"]], spec, "functionResponseType")
        if "maximumConcurrency" in spec:
            self.put(props, "ScalingConfig", self.node(spec, "maximumConcurrency",
                                                       MaximumConcurrency=spec["maximumConcurrency"]),
                     spec, "maximumConcurrency")
        dest = spec.get("destinations")
        if isinstance(dest, dict) and "onFailure" in dest:
            failure = dest["onFailure"]
            self.put(props, "DestinationConfig", self.node(dest, "onFailure", OnFailure=self.node(
                dest, "onFailure", Destination=self._destination(failure))), dest, "onFailure")
        self.add(name, "AWS::Lambda::EventSourceMapping", props, ev, etype)
        return props

    def _event_sqs(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        arn = spec.get("arn") if isinstance(spec, dict) else spec
        self._mapping(lid, f"{lid.removesuffix('LambdaFunction')}EventSourceMappingSQS{n}", arn, spec, ev, "sqs")
        self.event_statements.setdefault(lid, []).append(self.node(ev, "sqs", Effect="Allow", Action=list(_SQS_ACTIONS),
                                              Resource=[arn]))

    def _event_stream(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        arn = spec.get("arn") if isinstance(spec, dict) else spec
        kind = spec.get("type") if isinstance(spec, dict) else None
        if not isinstance(kind, str):
            text = arn if isinstance(arn, str) else str(arn)
            kind = "dynamodb" if "dynamodb" in text or "StreamArn" in text else "kinesis"
        self._mapping(lid, f"{lid.removesuffix('LambdaFunction')}EventSourceMapping{n}", arn, spec, ev, "stream")
        self.event_statements.setdefault(lid, []).append(self.node(ev, "stream", Effect="Allow",
                                              Action=list(_STREAM_ACTIONS.get(kind, _STREAM_ACTIONS["kinesis"])),
                                              Resource=[arn]))

    def _event_msk(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        arn = spec.get("arn") if isinstance(spec, dict) else spec
        self._mapping(lid, f"{lid.removesuffix('LambdaFunction')}EventSourceMappingMSK{n}", arn, spec, ev, "msk")

    def _rest_api(self) -> None:
        if "ApiGatewayRestApi" not in self.resources:
            self.add("ApiGatewayRestApi", "AWS::ApiGateway::RestApi",
                     self.node(self.conf, None, Name=f"{self.stage}-{self.service}"), self.conf, None)

    def _event_http(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        if isinstance(spec, str):
            method, _, path = spec.partition(" ")
        elif isinstance(spec, dict):
            method, path = str(spec.get("method", "ANY")), str(spec.get("path", ""))
        else:
            return
        self._rest_api()
        uri = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
                                 ":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": [lid, "Arn"]},
                                 "/invocations"]]}
        integ = self.node(ev, "http", Type="AWS_PROXY", IntegrationHttpMethod="POST", Uri=uri)
        if isinstance(spec, dict) and "timeout" in spec:  # v4: http events accept a timeout in seconds
            t = spec["timeout"]
            self.put(integ, "TimeoutInMillis", int(t * 1000) if isinstance(t, (int, float)) else t, spec, "timeout")
        self.add(f"ApiGatewayMethod{_alnum(path)}{_alnum(method.lower())}{n}", "AWS::ApiGateway::Method",
                 self.node(ev, "http", HttpMethod=method.upper(), RestApiId={"Ref": "ApiGatewayRestApi"},
                           Integration=integ), ev, "http")
        self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermissionApiGateway",
                         "apigateway.amazonaws.com", {"Fn::Sub": "arn:aws:execute-api:*"}, ev, "http")

    def _v2(self, lid: str, key: str, n: int, ev: Node, etype: str, api_id: str, protocol: str) -> None:
        if api_id not in self.resources:
            self.add(api_id, "AWS::ApiGatewayV2::Api", self.node(
                self.conf, None, Name=f"{self.stage}-{self.service}", ProtocolType=protocol), self.conf, None)
        integ_id = f"{api_id}Integration{lid.removesuffix('LambdaFunction')}"
        if integ_id not in self.resources:
            self.add(integ_id, "AWS::ApiGatewayV2::Integration", self.node(
                ev, etype, ApiId={"Ref": api_id}, IntegrationType="AWS_PROXY",
                IntegrationUri={"Fn::GetAtt": [lid, "Arn"]}), ev, etype)
            self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermission{api_id}",
                             "apigateway.amazonaws.com", {"Fn::Sub": "arn:aws:execute-api:*"}, ev, etype)

    def _event_httpApi(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        self._v2(lid, key, n, ev, "httpApi", "HttpApi", "HTTP")

    def _event_websocket(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        self._v2(lid, key, n, ev, "websocket", "WebsocketsApi", "WEBSOCKET")

    def _event_s3(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        bucket = spec.get("bucket") if isinstance(spec, dict) else spec
        if isinstance(spec, dict) and spec.get("existing") is True:
            arn = f"arn:aws:s3:::{bucket}" if isinstance(bucket, str) else None
            self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermissionS3{n}",
                             "s3.amazonaws.com", arn, ev, "s3")
            return
        if isinstance(bucket, dict) and _is_reference(bucket):
            # A bucket of resources: the framework refuses to configure it (it must say existing: true).
            return
        bid = "S3Bucket" + _alnum(str(bucket))
        item = self.node(ev, "s3", Event=spec.get("event", "s3:ObjectCreated:*") if isinstance(spec, dict)
                         else "s3:ObjectCreated:*", Function={"Fn::GetAtt": [lid, "Arn"]})
        rules = spec.get("rules") if isinstance(spec, dict) else None
        if isinstance(rules, list) and rules:
            item["Filter"] = {"S3Key": {"Rules": [{"Name": k, "Value": v} for r in rules if isinstance(r, dict)
                                                  for k, v in r.items()]}}
        existing = self.resources.get(bid)
        if isinstance(existing, dict) and existing.get("Type") == "AWS::S3::Bucket":
            existing["Properties"]["NotificationConfiguration"]["LambdaConfigurations"].append(item)
        else:
            self.add(bid, "AWS::S3::Bucket", self.node(ev, "s3", BucketName=bucket, NotificationConfiguration={
                "LambdaConfigurations": [item]}), ev, "s3")
        self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermission{bid}", "s3.amazonaws.com",
                         {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket}"}, ev, "s3")

    def _event_sns(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        arn = spec.get("arn") if isinstance(spec, dict) else spec
        if isinstance(spec, dict) and "arn" not in spec:
            arn = spec.get("topicName")
        if isinstance(arn, str) and not arn.startswith("arn:"):
            tid = "SNSTopic" + _alnum(arn)
            if tid not in self.resources:
                self.add(tid, "AWS::SNS::Topic", self.node(ev, "sns", TopicName=arn), ev, "sns")
            arn = {"Ref": tid}
        self.add(f"{lid.removesuffix('LambdaFunction')}SnsSubscription{n}", "AWS::SNS::Subscription",
                 self.node(ev, "sns", TopicArn=arn, Protocol="lambda", Endpoint={"Fn::GetAtt": [lid, "Arn"]}),
                 ev, "sns")
        self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermissionSNS{n}", "sns.amazonaws.com",
                         arn, ev, "sns")

    def _rule(self, lid: str, n: int, ev: Node, etype: str, props: Node) -> None:
        rule_id = f"{lid.removesuffix('LambdaFunction')}EventsRule{_alnum(etype)}{n}"
        props["Targets"] = [self.node(ev, etype, Arn={"Fn::GetAtt": [lid, "Arn"]}, Id=f"{rule_id}Target")]
        self.add(rule_id, "AWS::Events::Rule", props, ev, etype)
        self._permission(lid, f"{rule_id}Permission", "events.amazonaws.com", {"Fn::GetAtt": [rule_id, "Arn"]},
                         ev, etype)

    def _event_schedule(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        rate = spec.get("rate") if isinstance(spec, dict) else spec
        if isinstance(rate, list):
            rate = rate[0] if rate else None
        self._rule(lid, n, ev, "schedule", self.node(ev, "schedule", ScheduleExpression=rate))

    def _event_eventBridge(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        spec = spec if isinstance(spec, dict) else {}
        props = self.node(ev, "eventBridge")
        if "schedule" in spec:
            props["ScheduleExpression"] = spec["schedule"]
        if "pattern" in spec:
            props["EventPattern"] = spec["pattern"]
        self._rule(lid, n, ev, "eventBridge", props)

    def _event_cloudwatchEvent(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        spec = spec if isinstance(spec, dict) else {}
        self._rule(lid, n, ev, "cloudwatchEvent", self.node(ev, "cloudwatchEvent", EventPattern=spec.get("event")))

    def _event_cloudwatchLog(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        group = spec.get("logGroup") if isinstance(spec, dict) else spec
        self.add(f"{lid.removesuffix('LambdaFunction')}LogsSubscriptionFilter{n}", "AWS::Logs::SubscriptionFilter",
                 self.node(ev, "cloudwatchLog", LogGroupName=group, DestinationArn={"Fn::GetAtt": [lid, "Arn"]},
                           FilterPattern=spec.get("filter", "") if isinstance(spec, dict) else ""),
                 ev, "cloudwatchLog")
        self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermissionLogs{n}",
                         "logs.amazonaws.com", {"Fn::Sub": "arn:aws:logs:*"}, ev, "cloudwatchLog")

    def _event_alb(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermissionAlb{n}",
                         "elasticloadbalancing.amazonaws.com", {"Fn::Sub": "arn:aws:elasticloadbalancing:*"},
                         ev, "alb")

    def _event_cognitoUserPool(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermissionCognito{n}",
                         "cognito-idp.amazonaws.com", {"Fn::Sub": "arn:aws:cognito-idp:*"}, ev, "cognitoUserPool")

    def _event_alexaSkill(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermissionAlexa{n}",
                         "alexa-appkit.amazon.com", None, ev, "alexaSkill")

    def _event_iot(self, lid: str, key: str, n: int, spec: Any, ev: Node) -> None:
        self._permission(lid, f"{lid.removesuffix('LambdaFunction')}LambdaPermissionIot{n}", "iot.amazonaws.com",
                         {"Fn::Sub": "arn:aws:iot:*"}, ev, "iot")

    # -- plugins -----------------------------------------------------------------------------------------------
    def _alerts(self, lid: str, key: str, fn: Node, at: Any, at_key: str | None) -> None:
        """serverless-plugin-aws-alerts: one alarm per function and alarm name, with the plugin's defaults."""
        if "serverless-plugin-aws-alerts" not in self.plugins:
            return
        cfg = self.custom.get("alerts")
        if not isinstance(cfg, dict):
            return
        stages = cfg.get("stages")
        if isinstance(stages, list) and self.stage not in stages:
            return
        definitions = {**_ALERT_DEFINITIONS}
        custom_defs = cfg.get("definitions")
        if isinstance(custom_defs, dict):
            for name, d in custom_defs.items():
                if isinstance(d, dict):
                    definitions[name] = {**definitions.get(name, {}), **d}
        actions = _alert_actions(cfg.get("topics"))
        wanted: list[tuple[Any, Any, str]] = []
        for holder in (cfg, fn):
            alarms = holder.get("alarms")
            for item in alarms if isinstance(alarms, list) else []:
                wanted.append((item, holder, "alarms"))
        for item, holder, hkey in wanted:
            d = definitions.get(item) if isinstance(item, str) else item if isinstance(item, dict) else None
            if not isinstance(d, dict) or "metric" not in d:
                continue
            name = item if isinstance(item, str) else str(d.get("name", "alarm"))
            props = self.node(holder, hkey, Namespace=d.get("namespace", "AWS/Lambda"), MetricName=d["metric"],
                              Threshold=d.get("threshold", 0), Statistic=d.get("statistic", "Sum"),
                              ComparisonOperator=d.get("comparisonOperator", "GreaterThanOrEqualToThreshold"),
                              Dimensions=[{"Name": "FunctionName", "Value": {"Ref": lid}}], AlarmActions=actions)
            self.add(f"{lid.removesuffix('LambdaFunction')}{_alnum(name)}Alarm", "AWS::CloudWatch::Alarm", props,
                     holder, hkey)

    # -- resources: ----------------------------------------------------------------------------------------------
    def _user_resources(self) -> None:
        blocks = self.conf.get("resources")
        for block in blocks if isinstance(blocks, list) else [blocks]:
            if not isinstance(block, dict):
                continue
            res = block.get("Resources")
            if isinstance(res, dict):
                for lid, spec in res.items():
                    self.resources[lid] = spec
                    self.resources.key_pos[lid] = _pos(res, lid)
            ext = block.get("extensions")
            if isinstance(ext, dict):  # v3: merge into the resources the framework generates
                for lid, spec in ext.items():
                    target = self.resources.get(lid)
                    if isinstance(target, dict) and isinstance(spec, dict):
                        for k, v in spec.items():
                            if k == "Properties" and isinstance(v, dict) and isinstance(target.get(k), dict):
                                target[k].update(v)
                                target[k].key_pos.update(getattr(v, "key_pos", {}))
                            else:
                                target[k] = v


def _alert_actions(topics: Any) -> list[Any]:
    if not isinstance(topics, dict):
        return []
    alarm = topics.get("alarm")
    if isinstance(alarm, dict):
        alarm = alarm.get("topic")
    if isinstance(alarm, str):
        return [alarm if alarm.startswith("arn:") else {"Ref": "AwsAlertsAlarm"}]
    return [alarm] if alarm is not None else []


def _is_reference(node: dict[str, Any]) -> bool:
    return len(node) == 1 and next(iter(node)) in ("Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::Sub", "Fn::Join")


def _mapping(value: Any, at: Any) -> Node:
    if isinstance(value, Node):
        return value
    out = Node(*_pos(at, None))
    if isinstance(value, dict):
        out.update(value)
    return out


def _pos(node: Any, key: str | None) -> tuple[int, int]:
    if isinstance(node, Node):
        return node.pos_of(key) if key is not None else (node.line, node.column)
    return (1, 1)


def _plugins(value: Any) -> frozenset[str]:
    if isinstance(value, dict):
        value = value.get("modules")
    return frozenset(p for p in value if isinstance(p, str)) if isinstance(value, list) else frozenset()


def _function_items(functions: Any) -> list[tuple[str, Node]]:
    """``functions:`` as a mapping, or a list of mappings (several ``${file()}`` includes)."""
    blocks = functions if isinstance(functions, list) else [functions]
    items: list[tuple[str, Node]] = []
    for block in blocks:
        if isinstance(block, dict):
            items.extend((str(k), v) for k, v in block.items() if isinstance(v, Node))
    return items


def _prunes_versions(conf: Node, plugins: frozenset[str]) -> bool:
    """serverless-prune-plugin with ``custom.prune.automatic: true`` deletes old versions after each deploy."""
    if "serverless-prune-plugin" not in plugins:
        return False
    custom = conf.get("custom")
    prune = custom.get("prune") if isinstance(custom, dict) else None
    return isinstance(prune, dict) and prune.get("automatic") is True


def looks_like_serverless(doc: Any) -> bool:
    return isinstance(doc, dict) and "service" in doc and ("provider" in doc or "functions" in doc)


def provider_name(doc: dict[str, Any]) -> Any:
    provider = doc.get("provider")
    return provider.get("name", "aws") if isinstance(provider, dict) else provider


def build_serverless(path: str, doc: Node, options: dict[str, str] | None = None
                     ) -> tuple[Application | None, list[VariableProblem]]:
    """The model of one serverless.yml, and the problems met resolving its variables."""
    opts = dict(options or {})
    resolved, problems = resolve_variables(doc, path, opts)
    if not isinstance(resolved, Node):
        return None, problems
    compiler = _Compiler(path, resolved, opts)
    template = compiler.compile()
    app = ApplicationBuilder(path, template, None).build("serverless")
    functions = dict(app.functions)
    for fid, defaults in compiler.framework_defaults.items():
        if fid in functions and defaults:
            fn: Function = functions[fid]
            functions[fid] = dataclasses.replace(fn, memory=defaults.get("MemorySize", fn.memory),
                                                 timeout=defaults.get("Timeout", fn.timeout))
    app = dataclasses.replace(app, functions=functions,
                              version_pruning=_prunes_versions(resolved, compiler.plugins))
    return app, problems
