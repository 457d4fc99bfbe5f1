"""Terraform resources → the CloudFormation resources with the same meaning, folded where Terraform spreads one
thing over several resources (policy attachments, bucket notifications, event targets, redrive policies), and
handed to the loader layer's :class:`~lambdoctor.loaders.builder.ApplicationBuilder`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from lambdoctor.loaders.builder import ApplicationBuilder
from lambdoctor.loaders.decode import FileNode
from lambdoctor.loaders.hcl import (
    CodePath,
    Obj,
    Ref,
    Tmpl,
)
from lambdoctor.loaders.serverless_vars import UNRESOLVED_PARAM
from lambdoctor.model import UNKNOWN, Application, Unknown

_GETATT = {"arn": "Arn", "stream_arn": "StreamArn", "invoke_arn": "Arn", "qualified_arn": "Arn",
           "qualified_invoke_arn": "Arn", "execution_arn": "Arn", "function_url": "FunctionUrl"}


def cfn(value: Any) -> Any:
    """A Terraform value as the CloudFormation structure the builder reads."""
    if isinstance(value, Obj):
        value = Ref(value.address, "id")
    if isinstance(value, Ref):
        if value.attr in _GETATT:
            return {"Fn::GetAtt": [value.address, _GETATT[value.attr]]}
        return {"Ref": value.address}
    if isinstance(value, Tmpl):
        return {"Fn::Join": ["", [cfn(p) for p in value.parts]]}
    if isinstance(value, CodePath):
        return value.path
    if isinstance(value, Unknown):
        return {"Ref": UNRESOLVED_PARAM}
    if isinstance(value, FileNode):
        out = FileNode(value.file, value.line, value.column)
        for k, v in value.items():
            out[k] = cfn(v)
        out.key_pos = dict(value.key_pos)
        return out
    if isinstance(value, dict):
        return {k: cfn(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cfn(v) for v in value]
    return value


_TOKEN = "\x00lambdoctor{}\x00"


def policy_value(value: Any) -> Any:
    """A policy as a mapping: ``jsonencode({...})`` is one already; JSON text (heredoc, ``file()``) is parsed,
    with the references inside a template string put back where they stood."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return UNKNOWN
    if isinstance(value, Tmpl):
        refs: list[Any] = []
        text = ""
        for p in value.parts:
            if isinstance(p, str):
                text += p
            else:
                text += _TOKEN.format(len(refs)).replace("\x00", "\\u0000")
                refs.append(p)
        try:
            doc = json.loads(text)
        except ValueError:
            return UNKNOWN
        return _untoken(doc, refs)
    return value


def _untoken(node: Any, refs: list[Any]) -> Any:
    if isinstance(node, str) and "\x00lambdoctor" in node:
        parts: list[Any] = []
        for i, piece in enumerate(re.split(r"\x00lambdoctor(\d+)\x00", node)):
            if i % 2:
                parts.append(refs[int(piece)])
            elif piece:
                parts.append(piece)
        return parts[0] if len(parts) == 1 else Tmpl(tuple(parts))
    if isinstance(node, dict):
        return {k: _untoken(v, refs) for k, v in node.items()}
    if isinstance(node, list):
        return [_untoken(v, refs) for v in node]
    return node


class _Out:
    """One CloudFormation resource being written from one Terraform resource's values."""

    def __init__(self, vals: FileNode) -> None:
        self.vals = vals
        self.props = FileNode(vals.file, vals.line, vals.column)

    def put(self, cfn_key: str, tf_key: str, conv: Callable[[Any], Any] = cfn) -> None:
        if tf_key in self.vals and self.vals[tf_key] is not None:
            self.set(cfn_key, conv(self.vals[tf_key]), self.vals, tf_key)

    def set(self, cfn_key: str, value: Any, at: FileNode | None = None, tf_key: str | None = None) -> None:
        src = at if at is not None else self.vals
        line, column = src.key_pos.get(tf_key, (src.line, src.column)) if tf_key else (src.line, src.column)
        self.props[cfn_key] = _place(value, src.file, line, column)
        self.props.key_pos[cfn_key] = (line, column)


def _place(value: Any, file: str, line: int, column: int) -> Any:
    """Plain mappings (a jsonencode'd policy, a block folded into a property) positioned at their attribute."""
    if isinstance(value, FileNode):
        for k, v in value.items():
            value[k] = _place(v, file, *value.key_pos.get(k, (value.line, value.column)))
        return value
    if isinstance(value, dict):
        node = FileNode(file, line, column)
        for k, v in value.items():
            node[k] = _place(v, file, line, column)
            node.key_pos[k] = (line, column)
        return node
    if isinstance(value, list):
        return [_place(v, file, line, column) for v in value]
    return value


def first(vals: FileNode, key: str) -> FileNode | None:
    blocks = vals.get(key)
    if isinstance(blocks, list) and blocks and isinstance(blocks[0], FileNode):
        return blocks[0]
    return None


class Translator:
    """Writes the CloudFormation resources of one module tree."""

    def __init__(self) -> None:
        self.resources: dict[str, Any] = {}
        self.pending: list[Callable[[], None]] = []  # relations applied once every resource exists

    def add(self, lid: str, rtype: str, out: _Out, **extra: Any) -> FileNode:
        res = FileNode(out.vals.file, out.vals.line, out.vals.column)
        res["Type"] = rtype
        res["Properties"] = out.props
        res.update(extra)
        self.resources[lid] = res
        return res

    def lid_of(self, value: Any) -> str | None:
        if isinstance(value, Ref):
            return value.address
        if isinstance(value, Tmpl):
            refs = [p for p in value.parts if isinstance(p, Ref)]
            return refs[0].address if len(refs) == 1 else None
        return None

    def translate(self, rtype: str, lid: str, vals: FileNode) -> None:
        method = getattr(self, "_" + rtype, None)
        if method is not None:
            method(lid, vals)
        elif rtype in PLAIN:
            out = _Out(vals)
            for cfn_key, tf_key in PLAIN[rtype][1]:
                out.put(cfn_key, tf_key)
            self.add(lid, PLAIN[rtype][0], out)

    # Lambda
    def _aws_lambda_function(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        for cfn_key, tf_key in (("FunctionName", "function_name"), ("Handler", "handler"), ("Runtime", "runtime"),
                                ("MemorySize", "memory_size"), ("Timeout", "timeout"), ("Role", "role"),
                                ("Layers", "layers"), ("Architectures", "architectures"),
                                ("PackageType", "package_type")):
            o.put(cfn_key, tf_key)
        rc = v.get("reserved_concurrent_executions")
        if isinstance(rc, int) and rc >= 0:  # -1 (the provider's default) means unreserved
            o.put("ReservedConcurrentExecutions", "reserved_concurrent_executions")
        env = first(v, "environment")
        if env is not None and "variables" in env:
            variables = env["variables"]
            if isinstance(variables, dict):
                node = FileNode(env.file, env.line, env.column)
                for k, val in variables.items():
                    node[k] = cfn(val)
                    # HCL map entries carry no position of their own: the `variables` line stands for them
                    node.key_pos[k] = env.key_pos.get("variables", (env.line, env.column))
                o.set("Environment", {"Variables": node}, env)
        vpc = first(v, "vpc_config")
        if vpc is not None:
            o.set("VpcConfig", {"SubnetIds": cfn(vpc.get("subnet_ids", [])),
                                "SecurityGroupIds": cfn(vpc.get("security_group_ids", []))}, v, "vpc_config")
        for block, cfn_key, tf_key, inner in (("tracing_config", "TracingConfig", "mode", "Mode"),
                                              ("dead_letter_config", "DeadLetterConfig", "target_arn", "TargetArn"),
                                              ("ephemeral_storage", "EphemeralStorage", "size", "Size"),
                                              ("snap_start", "SnapStart", "apply_on", "ApplyOn")):
            b = first(v, block)
            if b is not None and tf_key in b:
                o.set(cfn_key, {inner: cfn(b[tf_key])}, v, block)
        logging = first(v, "logging_config")
        if logging is not None:
            lc = {k: cfn(logging[t]) for k, t in (("LogGroup", "log_group"), ("LogFormat", "log_format"),
                                                   ("ApplicationLogLevel", "application_log_level"))
                  if t in logging}
            o.set("LoggingConfig", node_at(lc, logging), v, "logging_config")
        if "image_uri" in v:
            o.set("PackageType", "Image", v, "image_uri")
        extra: dict[str, Any] = {}
        code = v.get("filename")
        if isinstance(code, CodePath):
            extra["Metadata"] = {"aws:asset:path": code.path}
        elif isinstance(code, str):
            extra["Metadata"] = {"aws:asset:path": code}
        o.set("Code", {"S3Bucket": "terraform"}, v)
        self.add(lid, "AWS::Lambda::Function", o, **extra)
        if v.get("publish") is True:
            # Every change publishes a version; Terraform tracks only the newest and never deletes the others.
            vo = _Out(v)
            vo.set("FunctionName", {"Ref": lid}, v, "publish")
            self.add(f"{lid}:versions", "AWS::Lambda::Version", vo, DeletionPolicy="Retain")

    def _aws_lambda_layer_version(self, lid: str, v: FileNode) -> None:
        """A layer whose ``filename`` is local (a zip, or ``data.archive_file``'s ``output_path``: its
        ``source_dir``); an ``s3_bucket`` layer has no local content."""
        o = _Out(v)
        o.put("LayerName", "layer_name")
        o.put("CompatibleRuntimes", "compatible_runtimes")
        code = v.get("filename")
        path = code.path if isinstance(code, CodePath) else code if isinstance(code, str) else None
        o.set("Content", {"S3Bucket": "terraform"}, v)
        self.add(lid, "AWS::Lambda::LayerVersion", o,
                 **({"Metadata": {"aws:asset:path": path}} if path is not None else {}))

    def _aws_lambda_event_source_mapping(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        for cfn_key, tf_key in (("EventSourceArn", "event_source_arn"), ("FunctionName", "function_name"),
                                ("BatchSize", "batch_size"),
                                ("MaximumBatchingWindowInSeconds", "maximum_batching_window_in_seconds"),
                                ("FunctionResponseTypes", "function_response_types"),
                                ("BisectBatchOnFunctionError", "bisect_batch_on_function_error"),
                                ("MaximumRetryAttempts", "maximum_retry_attempts"),
                                ("MaximumRecordAgeInSeconds", "maximum_record_age_in_seconds"),
                                ("ParallelizationFactor", "parallelization_factor"),
                                ("TumblingWindowInSeconds", "tumbling_window_in_seconds"),
                                ("StartingPosition", "starting_position"), ("Enabled", "enabled")):
            o.put(cfn_key, tf_key)
        dest = first(v, "destination_config")
        failure = first(dest, "on_failure") if dest is not None else None
        if failure is not None and "destination_arn" in failure:
            o.set("DestinationConfig", {"OnFailure": {"Destination": cfn(failure["destination_arn"])}}, v,
                  "destination_config")
        scaling = first(v, "scaling_config")
        if scaling is not None and "maximum_concurrency" in scaling:
            o.set("ScalingConfig", {"MaximumConcurrency": cfn(scaling["maximum_concurrency"])}, v, "scaling_config")
        if "filter_criteria" in v:
            o.set("FilterCriteria", {}, v, "filter_criteria")
        if "self_managed_event_source" in v:
            o.set("SelfManagedEventSource", {}, v, "self_managed_event_source")
        self.add(lid, "AWS::Lambda::EventSourceMapping", o)

    def _aws_lambda_function_event_invoke_config(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("FunctionName", "function_name")
        o.put("MaximumRetryAttempts", "maximum_retry_attempts")
        o.put("MaximumEventAgeInSeconds", "maximum_event_age_in_seconds")
        dest = first(v, "destination_config")
        if dest is not None:
            cfg: dict[str, Any] = {}
            for cfn_key, tf_key in (("OnFailure", "on_failure"), ("OnSuccess", "on_success")):
                b = first(dest, tf_key)
                if b is not None and "destination" in b:
                    cfg[cfn_key] = {"Destination": cfn(b["destination"])}
            o.set("DestinationConfig", cfg, v, "destination_config")
        self.add(lid, "AWS::Lambda::EventInvokeConfig", o)

    def _aws_lambda_provisioned_concurrency_config(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("FunctionName", "function_name")
        o.set("ProvisionedConcurrencyConfig", {"ProvisionedConcurrentExecutions": cfn(
            v.get("provisioned_concurrent_executions"))}, v, "provisioned_concurrent_executions")
        self.add(lid, "AWS::Lambda::Version", o)  # not retained: it only carries the provisioned concurrency

    # IAM
    def _aws_iam_role(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        policies = []
        for ip in v.get("inline_policy") or []:
            if isinstance(ip, FileNode) and "policy" in ip:
                policies.append(node_at({"PolicyDocument": cfn(policy_value(ip["policy"]))}, ip))
        if policies:
            o.set("Policies", policies, v, "inline_policy")
        o.put("ManagedPolicyArns", "managed_policy_arns")
        self.add(lid, "AWS::IAM::Role", o)

    def _policy(self, lid: str, v: FileNode, roles: list[Any], rtype: str) -> None:
        o = _Out(v)
        doc = cfn(policy_value(v.get("policy")))
        if isinstance(doc, dict) and not isinstance(doc, FileNode):
            doc = node_at(doc, v, "policy")
        o.set("PolicyDocument", doc, v, "policy")
        o.set("Roles", [cfn(r) for r in roles], v, "role" if "role" in v else None)
        self.add(lid, rtype, o)

    def _aws_iam_role_policy(self, lid: str, v: FileNode) -> None:
        self._policy(lid, v, [v.get("role")], "AWS::IAM::Policy")

    def _aws_iam_policy(self, lid: str, v: FileNode) -> None:
        self._policy(lid, v, [], "AWS::IAM::ManagedPolicy")

    def _aws_iam_role_policy_attachment(self, lid: str, v: FileNode) -> None:
        self._attach(v.get("policy_arn"), [v.get("role")])

    def _aws_iam_policy_attachment(self, lid: str, v: FileNode) -> None:
        roles = v.get("roles")
        self._attach(v.get("policy_arn"), roles if isinstance(roles, list) else [])

    def _attach(self, policy: Any, roles: list[Any]) -> None:
        def apply() -> None:
            target = self.lid_of(policy)
            for role in roles:
                rid = self.lid_of(role)
                if target and target in self.resources:
                    self.resources[target]["Properties"].setdefault("Roles", []).append(cfn(role))
                elif rid in self.resources:
                    arns = self.resources[rid]["Properties"].setdefault("ManagedPolicyArns", [])
                    arns.append(cfn(policy))
        self.pending.append(apply)

    # messaging, storage, streams
    def _aws_sqs_queue(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("VisibilityTimeout", "visibility_timeout_seconds")
        o.put("MessageRetentionPeriod", "message_retention_seconds")
        o.put("FifoQueue", "fifo_queue")
        o.put("QueueName", "name")
        o.put("RedrivePolicy", "redrive_policy", lambda x: cfn(policy_value(x)))
        self.add(lid, "AWS::SQS::Queue", o)

    def _aws_sqs_queue_redrive_policy(self, lid: str, v: FileNode) -> None:
        queue, policy, at = v.get("queue_url"), v.get("redrive_policy"), v

        def apply() -> None:
            qid = self.lid_of(queue)
            if qid in self.resources:
                props = self.resources[qid]["Properties"]
                props["RedrivePolicy"] = cfn(policy_value(policy))
                props.key_pos["RedrivePolicy"] = at.key_pos.get("redrive_policy", (at.line, at.column))
        self.pending.append(apply)

    def _aws_dynamodb_table(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("TableName", "name")
        if v.get("stream_enabled") is True:
            o.set("StreamSpecification", {"StreamViewType": cfn(v.get("stream_view_type", "NEW_IMAGE"))}, v,
                  "stream_enabled")
        self.add(lid, "AWS::DynamoDB::Table", o)

    def _aws_s3_bucket_notification(self, lid: str, v: FileNode) -> None:
        bucket = v.get("bucket")
        items = []
        for fn in v.get("lambda_function") or []:
            if not isinstance(fn, FileNode):
                continue
            item = FileNode(fn.file, fn.line, fn.column)
            item["Function"] = cfn(fn.get("lambda_function_arn"))
            item["Event"] = cfn((fn.get("events") or ["s3:ObjectCreated:*"])[0]) if isinstance(
                fn.get("events"), list) else "s3:ObjectCreated:*"
            if fn.get("filter_prefix") or fn.get("filter_suffix"):
                item["Filter"] = {"S3Key": {"Rules": [{"Name": "prefix", "Value": cfn(fn.get("filter_prefix"))}]}}
            items.append(item)

        def apply() -> None:
            bid = self.lid_of(bucket)
            if bid in self.resources and self.resources[bid]["Type"] == "AWS::S3::Bucket":
                props = self.resources[bid]["Properties"]
                props.setdefault("NotificationConfiguration", {}).setdefault("LambdaConfigurations", []).extend(items)
        self.pending.append(apply)

    # events, APIs, logs, alarms
    def _aws_cloudwatch_event_rule(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("ScheduleExpression", "schedule_expression")
        o.put("EventPattern", "event_pattern")
        o.set("Targets", [], v)
        self.add(lid, "AWS::Events::Rule", o)

    def _aws_cloudwatch_event_target(self, lid: str, v: FileNode) -> None:
        rule, arn = v.get("rule"), v.get("arn")
        target = node_at({"Arn": cfn(arn), "Id": lid}, v)

        def apply() -> None:
            rid = self.lid_of(rule)
            if rid in self.resources and self.resources[rid]["Type"] == "AWS::Events::Rule":
                self.resources[rid]["Properties"]["Targets"].append(target)
        self.pending.append(apply)

    def _aws_scheduler_schedule(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        t = first(v, "target")
        if t is not None:
            o.set("Target", {"Arn": cfn(t.get("arn"))}, v, "target")
        self.add(lid, "AWS::Scheduler::Schedule", o)

    def _aws_cloudwatch_log_group(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("LogGroupName", "name")
        days = v.get("retention_in_days")
        if days not in (None, 0):  # 0: never expire, the same as unset
            o.put("RetentionInDays", "retention_in_days")
        self.add(lid, "AWS::Logs::LogGroup", o)

    def _aws_api_gateway_integration(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        integ = node_at({"Uri": cfn(v.get("uri"))}, v)
        if "timeout_milliseconds" in v:
            integ["TimeoutInMillis"] = cfn(v["timeout_milliseconds"])
            integ.key_pos["TimeoutInMillis"] = v.key_pos["timeout_milliseconds"]
        o.set("Integration", integ, v, "uri")
        o.put("RestApiId", "rest_api_id")
        self.add(lid, "AWS::ApiGateway::Method", o)

    def _aws_cloudwatch_metric_alarm(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        for cfn_key, tf_key in (("Namespace", "namespace"), ("MetricName", "metric_name"),
                                ("Threshold", "threshold"), ("ComparisonOperator", "comparison_operator"),
                                ("Statistic", "statistic"), ("ExtendedStatistic", "extended_statistic"),
                                ("AlarmActions", "alarm_actions")):
            o.put(cfn_key, tf_key)
        o.put("Dimensions", "dimensions", _dimensions)
        metrics = []
        for q in v.get("metric_query") or []:
            if not isinstance(q, FileNode):
                continue
            m: dict[str, Any] = {"Id": cfn(q.get("id")), "ReturnData": q.get("return_data", False) is True}
            if "expression" in q:
                m["Expression"] = cfn(q["expression"])
            metric = first(q, "metric")
            if metric is not None:
                m["MetricStat"] = {"Metric": {"Namespace": cfn(metric.get("namespace")),
                                              "MetricName": cfn(metric.get("metric_name")),
                                              "Dimensions": _dimensions(metric.get("dimensions"))},
                                   "Stat": cfn(metric.get("stat"))}
            metrics.append(m)
        if metrics:
            o.set("Metrics", metrics, v, "metric_query")
        self.add(lid, "AWS::CloudWatch::Alarm", o)

    # networking
    def _aws_route_table(self, lid: str, v: FileNode) -> None:
        self.add(lid, "AWS::EC2::RouteTable", _Out(v))
        for i, route in enumerate(v.get("route") or []):
            if isinstance(route, FileNode):
                self._route(f"{lid}.route[{i}]", route, {"Ref": lid})

    def _aws_route(self, lid: str, v: FileNode) -> None:
        self._route(lid, v, cfn(v.get("route_table_id")))

    def _route(self, lid: str, v: FileNode, table: Any) -> None:
        o = _Out(v)
        o.set("RouteTableId", table, v)
        for cfn_key, tf_key in (("DestinationCidrBlock", "destination_cidr_block"),
                                ("DestinationCidrBlock", "cidr_block"), ("NatGatewayId", "nat_gateway_id"),
                                ("GatewayId", "gateway_id"), ("TransitGatewayId", "transit_gateway_id"),
                                ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
                                ("NetworkInterfaceId", "network_interface_id")):
            if v.get(tf_key) not in (None, ""):
                o.put(cfn_key, tf_key)
        self.add(lid, "AWS::EC2::Route", o)


# Resources whose translation is a renaming of attributes (CloudFormation property ← Terraform attribute).
PLAIN: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "aws_lambda_permission": ("AWS::Lambda::Permission", (
        ("Action", "action"), ("FunctionName", "function_name"), ("Principal", "principal"),
        ("SourceArn", "source_arn"), ("SourceAccount", "source_account"),
        ("FunctionUrlAuthType", "function_url_auth_type"), ("PrincipalOrgID", "principal_org_id"))),
    "aws_lambda_function_url": ("AWS::Lambda::Url", (("TargetFunctionArn", "function_name"),
                                                     ("AuthType", "authorization_type"))),
    "aws_lambda_alias": ("AWS::Lambda::Alias", (("FunctionName", "function_name"), ("Name", "name"))),
    "aws_sns_topic_subscription": ("AWS::SNS::Subscription", (("TopicArn", "topic_arn"), ("Protocol", "protocol"),
                                                              ("Endpoint", "endpoint"))),
    "aws_cloudwatch_log_subscription_filter": ("AWS::Logs::SubscriptionFilter", (
        ("DestinationArn", "destination_arn"), ("LogGroupName", "log_group_name"))),
    "aws_apigatewayv2_integration": ("AWS::ApiGatewayV2::Integration", (
        ("IntegrationUri", "integration_uri"), ("ApiId", "api_id"), ("TimeoutInMillis", "timeout_milliseconds"))),
    "aws_route_table_association": ("AWS::EC2::SubnetRouteTableAssociation", (
        ("RouteTableId", "route_table_id"), ("SubnetId", "subnet_id"))),
    "aws_vpc_endpoint": ("AWS::EC2::VPCEndpoint", (("ServiceName", "service_name"),
                                                   ("RouteTableIds", "route_table_ids"), ("SubnetIds", "subnet_ids"))),
    # resources the rules only need to know exist (and their names)
    "aws_sns_topic": ("AWS::SNS::Topic", (("TopicName", "name"),)),
    "aws_s3_bucket": ("AWS::S3::Bucket", (("BucketName", "bucket"),)),
    "aws_kinesis_stream": ("AWS::Kinesis::Stream", (("Name", "name"), ("RetentionPeriodHours", "retention_period"))),
    "aws_api_gateway_rest_api": ("AWS::ApiGateway::RestApi", (("Name", "name"),)),
    "aws_apigatewayv2_api": ("AWS::ApiGatewayV2::Api", (("Name", "name"), ("ProtocolType", "protocol_type"))),
    "aws_db_instance": ("AWS::RDS::DBInstance", ()),
    "aws_rds_cluster": ("AWS::RDS::DBCluster", ()),
    "aws_db_proxy": ("AWS::RDS::DBProxy", (("DBProxyName", "name"),)),
    "aws_elasticache_cluster": ("AWS::ElastiCache::CacheCluster", ()),
    "aws_elasticache_replication_group": ("AWS::ElastiCache::ReplicationGroup", ()),
    "aws_subnet": ("AWS::EC2::Subnet", ()),
    "aws_nat_gateway": ("AWS::EC2::NatGateway", ()),
    "aws_msk_cluster": ("AWS::MSK::Cluster", ()),
    "aws_vpc": ("AWS::EC2::VPC", ()),
    "aws_security_group": ("AWS::EC2::SecurityGroup", ()),
    "aws_internet_gateway": ("AWS::EC2::InternetGateway", ()),
}


def node_at(mapping: dict[str, Any], at: FileNode, key: str | None = None) -> FileNode:
    line, column = at.key_pos.get(key, (at.line, at.column)) if key else (at.line, at.column)
    node = FileNode(at.file, line, column)
    node.update(mapping)
    for k in mapping:
        node.key_pos[k] = (line, column)
    return node


def _dimensions(value: Any) -> Any:
    if isinstance(value, dict):
        return [{"Name": k, "Value": cfn(v)} for k, v in value.items()]
    return cfn(value)


def build_application(source: str, kind: str, tr: Translator) -> Application:
    for apply in tr.pending:
        apply()
    template = {"Parameters": {UNRESOLVED_PARAM: {}}, "Resources": tr.resources}
    where = os.path.join(source, "main.tf") if kind == "terraform" else source
    return ApplicationBuilder(where, template, None).build(kind)
