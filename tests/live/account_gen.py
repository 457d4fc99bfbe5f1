"""A generated Lambda account on an AWS endpoint (moto's server in the tests and the audit benchmark).

The layout is drawn from a seeded random generator, and what each function should look like to an audit
(which versions nothing uses, which mappings, URLs, secrets and roles it has) is recorded from the layout itself,
independently of lambdoctor's code, so tests can compare the two.

moto has no provisioned-concurrency API: the configs drawn here are returned by ``answer_missing_apis``, which
answers ListProvisionedConcurrencyConfigs, ListFunctionUrlConfigs and GetAccountSettings from the layout (the
APIs' documented shapes) for a client the test hands to lambdoctor.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import boto3

ACCOUNT = "123456789012"  # moto's default account
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
    "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _zip(body: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", body)
    return buf.getvalue()


@dataclass
class FunctionLayout:
    name: str
    role: str
    timeout: int
    memory: int
    versions: int = 0  # published versions 1..versions
    alias: tuple[str, dict[str, float]] | None = None  # (version, weights) of alias "live"
    provisioned: str | None = None  # qualifier with provisioned concurrency
    mapping: str | None = None  # qualifier of an SQS mapping ("" = unqualified)
    url: bool = False  # an unauthenticated function URL
    secret: bool = False  # a literal password in the environment
    layers: list[str] = field(default_factory=list)  # layer version ARNs
    alarm: bool = False
    log_retention: int | None = None
    log_group: bool = False

    def unused_versions(self) -> list[str]:
        """Versions nothing points at (newest first), from the layout alone."""
        used = set()
        if self.alias:
            used.add(self.alias[0])
            used.update(self.alias[1])
        for q in (self.provisioned, self.mapping):
            if q == "live" and self.alias:
                used.add(self.alias[0])
                used.update(self.alias[1])
            elif q:
                used.add(q)
        return [str(v) for v in range(self.versions, 0, -1) if str(v) not in used]


@dataclass
class AccountLayout:
    region: str
    functions: list[FunctionLayout]
    layers: dict[str, list[str]]  # layer name → version ARNs, oldest first
    code_size: int = 0  # bytes, for GetAccountSettings

    def by_name(self) -> dict[str, FunctionLayout]:
        return {f.name: f for f in self.functions}


def draw(n: int, region: str, seed: int = 7) -> AccountLayout:
    rnd = random.Random(seed)
    functions = []
    for i in range(n):
        f = FunctionLayout(f"fn-{i:04d}", f"role-{i % 10}", rnd.choice([3, 30, 60]), rnd.choice([128, 512, 1024]))
        if rnd.random() < 0.3:
            f.versions = rnd.randint(1, 12)
            if rnd.random() < 0.6:
                weights = {str(f.versions - 1): 0.1} if f.versions > 1 and rnd.random() < 0.4 else {}
                f.alias = (str(f.versions), weights)
            if rnd.random() < 0.2:
                f.provisioned = "live" if f.alias and rnd.random() < 0.5 else str(rnd.randint(1, f.versions))
        if rnd.random() < 0.05:
            f.mapping = str(rnd.randint(1, f.versions)) if f.versions and rnd.random() < 0.5 else ""
        f.url = rnd.random() < 0.02
        f.secret = rnd.random() < 0.03
        f.alarm = i < 10
        f.log_group = rnd.random() < 0.5
        f.log_retention = rnd.choice([None, 14]) if f.log_group else None
        functions.append(f)
    return AccountLayout(region, functions, {})


def populate(endpoint: str, layout: AccountLayout, workers: int = 4) -> AccountLayout:
    kw = {"endpoint_url": endpoint, "region_name": layout.region}
    iam, lam, sqs = boto3.client("iam", **kw), boto3.client("lambda", **kw), boto3.client("sqs", **kw)
    cw, logs = boto3.client("cloudwatch", **kw), boto3.client("logs", **kw)
    existing = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    for r in range(10):
        if f"role-{r}" in existing:
            continue
        iam.create_role(RoleName=f"role-{r}", AssumeRolePolicyDocument=TRUST)
        statement = ({"Effect": "Allow", "Action": "*", "Resource": "*"} if r == 0 else
                     {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                      "Resource": "arn:aws:logs:*:*:*"})
        iam.put_role_policy(RoleName=f"role-{r}", PolicyName="inline", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [statement]}))
    for name in ("deps", "otel"):
        layout.layers[name] = [lam.publish_layer_version(
            LayerName=f"{layout.region}-{name}", Content={"ZipFile": _zip(f"{name}{v}")},
            CompatibleRuntimes=["python3.12"])["LayerVersionArn"] for v in range(3)]
    rnd = random.Random(11)
    for f in layout.functions:
        f.layers = [rnd.choice(arns) for arns in layout.layers.values() if rnd.random() < 0.3]

    def one(f: FunctionLayout) -> int:
        role = f"arn:aws:iam::{ACCOUNT}:role/{f.role}"
        env = {"STAGE": "prod", **({"DB_PASSWORD": "s3cr3t-Pa55word-2024"} if f.secret else {})}
        size = 0
        code = _zip(f"{f.name} v0")
        lam.create_function(FunctionName=f.name, Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": code}, Timeout=f.timeout, MemorySize=f.memory,
                            Environment={"Variables": env}, Layers=f.layers)
        size += len(code)
        for v in range(1, f.versions + 1):
            if v > 1:
                code = _zip(f"{f.name} v{v}")
                lam.update_function_code(FunctionName=f.name, ZipFile=code)
            lam.publish_version(FunctionName=f.name)
            size += len(code)
        if f.alias:
            routing = {"RoutingConfig": {"AdditionalVersionWeights": f.alias[1]}} if f.alias[1] else {}
            lam.create_alias(FunctionName=f.name, Name="live", FunctionVersion=f.alias[0], **routing)
        if f.mapping is not None:
            url = sqs.create_queue(QueueName=f"{f.name}-jobs")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            target = f"{f.name}:{f.mapping}" if f.mapping else f.name
            lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=target, BatchSize=10)
        if f.url:
            lam.create_function_url_config(FunctionName=f.name, AuthType="NONE")
        if f.alarm:
            cw.put_metric_alarm(AlarmName=f"{f.name}-errors", Namespace="AWS/Lambda", MetricName="Errors",
                                Dimensions=[{"Name": "FunctionName", "Value": f.name}], Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold")
        if f.log_group:
            logs.create_log_group(logGroupName=f"/aws/lambda/{f.name}")
            if f.log_retention:
                logs.put_retention_policy(logGroupName=f"/aws/lambda/{f.name}", retentionInDays=f.log_retention)
        return size

    with ThreadPoolExecutor(max_workers=workers) as pool:
        layout.code_size = sum(pool.map(one, layout.functions))
    return layout


def put_metrics(endpoint: str, region: str, now: datetime, values: dict[str, dict[str, float]]) -> None:
    """Data points at noon yesterday (inside the audit's window, which ends at today's midnight UTC)."""
    cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name=region)
    at = (now.astimezone(UTC) - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    for name, metrics in values.items():
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            {"MetricName": metric, "Dimensions": [{"Name": "FunctionName", "Value": name}], "Timestamp": at,
             "Value": value, "Unit": "Count"} for metric, value in metrics.items()])


class _Body:
    """The raw side of an HTTP response botocore reads and parses itself."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def http_response(url: str, status: int, headers: dict[str, str], body: bytes) -> Any:
    from botocore.awsrequest import AWSResponse

    return AWSResponse(url, status, headers, _Body(body))


def answer_missing_apis(client: Any, layout: AccountLayout, quota: int = 75 * 1024**3) -> None:
    """Answer, on a Lambda client, the calls moto's server lacks, from the layout, in the APIs' documented JSON.

    The answer replaces the HTTP exchange (``before-send``), so everything before it — the signing, a test's
    call recorder or permission check on ``before-call`` — sees the call as usual, and botocore parses the body.
    """
    by_name = layout.by_name()
    prefix = f"arn:aws:lambda:{layout.region}:{ACCOUNT}:function:"

    def function(url: str) -> FunctionLayout | None:
        name = unquote(urlsplit(url).path.split("/functions/", 1)[1].split("/", 1)[0])
        return by_name.get(name.rsplit(":", 1)[-1] if name.startswith("arn:") else name)

    def ok(request: Any, page: dict[str, Any]) -> Any:
        return http_response(request.url, 200, {"Content-Type": "application/json"}, json.dumps(page).encode())

    def provisioned(request: Any, **_: Any) -> Any:
        f = function(request.url)
        configs = [{"FunctionArn": f"{prefix}{f.name}:{f.provisioned}", "Status": "READY",
                    "RequestedProvisionedConcurrentExecutions": 5, "AllocatedProvisionedConcurrentExecutions": 5}
                   ] if f and f.provisioned else []
        return ok(request, {"ProvisionedConcurrencyConfigs": configs})

    def one_provisioned(request: Any, **_: Any) -> Any:
        f = function(request.url)
        qualifier = dict(parse_qsl(urlsplit(request.url).query)).get("Qualifier")
        if not f or not f.provisioned or qualifier != f.provisioned:
            return http_response(request.url, 404,
                                 {"x-amzn-ErrorType": "ProvisionedConcurrencyConfigNotFoundException"},
                                 b'{"Type": "User", "Message": "No Provisioned Concurrency Config found"}')
        return ok(request, {"Status": "READY", "RequestedProvisionedConcurrentExecutions": 5,
                            "AllocatedProvisionedConcurrentExecutions": 5})

    def urls(request: Any, **_: Any) -> Any:
        f = function(request.url)
        configs = [{"FunctionUrl": f"https://{f.name}.lambda-url.{layout.region}.on.aws/",
                    "FunctionArn": f"{prefix}{f.name}", "AuthType": "NONE", "CreationTime": "2026-01-01T00:00:00Z",
                    "LastModifiedTime": "2026-01-01T00:00:00Z"}] if f and f.url else []
        return ok(request, {"FunctionUrlConfigs": configs})

    def settings(request: Any, **_: Any) -> Any:
        return ok(request, {
            "AccountLimit": {"TotalCodeSize": quota, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                             "ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 1000},
            "AccountUsage": {"TotalCodeSize": layout.code_size, "FunctionCount": len(layout.functions)}})

    for op, handler in (("ListProvisionedConcurrencyConfigs", provisioned),
                        ("GetProvisionedConcurrencyConfig", one_provisioned), ("ListFunctionUrlConfigs", urls),
                        ("GetAccountSettings", settings)):
        client.meta.events.register(f"before-send.lambda.{op}", handler)
