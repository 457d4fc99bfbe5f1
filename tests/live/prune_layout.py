"""The layout the prune tests share, made straight on moto's server (module docstring of test_prune_faults.py):
versions 1-8 and $LATEST; alias live → 8 with 10 % on 7; alias beta → 6; an SQS mapping on version 2; a permission
qualified with version 1; a function URL on alias beta. Provisioned concurrency, which moto lacks, is the caller's."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3


def zipped(body: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", body)
    return buf.getvalue()


def clients(endpoint: str, region: str) -> dict[str, Any]:
    kw = {"endpoint_url": endpoint, "region_name": region}
    return {s: boto3.client(s, **kw) for s in ("iam", "lambda", "sqs")}


def build(endpoint: str, region: str, name: str, layers: list[str] | None = None) -> None:
    c = clients(endpoint, region)
    role = c["iam"].create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    lam = c["lambda"]
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zipped("v0")}, **({"Layers": layers} if layers else {}))
    for i in range(1, 9):
        lam.update_function_code(FunctionName=name, ZipFile=zipped("x" * i * 100))
        lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="8",
                     RoutingConfig={"AdditionalVersionWeights": {"7": 0.1}})
    lam.create_alias(FunctionName=name, Name="beta", FunctionVersion="6")
    queue = c["sqs"].create_queue(QueueName=f"{name}-q")["QueueUrl"]
    arn = c["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=f"{name}:2")
    lam.add_permission(FunctionName=name, Qualifier="1", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")
    lam.create_function_url_config(FunctionName=name, Qualifier="beta", AuthType="AWS_IAM")
