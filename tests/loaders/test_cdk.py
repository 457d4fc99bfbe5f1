"""CDK output: cdk.out/*.template.json is read as CloudFormation and assets map back to handler folders."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_scan


def test_cdk_out_templates_and_assets(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    asset = out / "asset.3f1c0a"
    asset.mkdir(parents=True)
    (asset / "index.py").write_text("def handler(event, context):\n    return 1\n")
    (asset / "boto3").mkdir()
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "Resources": "not a template"}))
    (out / "tree.json").write_text(json.dumps({"tree": {}}))
    template = {
        "Resources": {
            "HandlerServiceRole": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Statement": []},
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}},
            "Handler886CB40B": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}"}, "S3Key": "3f1c.zip"},
                    "Role": {"Fn::GetAtt": ["HandlerServiceRole", "Arn"]},
                    "Handler": "index.handler",
                    "Runtime": "python3.12",
                    "MemorySize": 256,
                    "Timeout": 10,
                },
                "Metadata": {"aws:cdk:path": "App/Handler/Resource", "aws:asset:path": "asset.3f1c0a"},
            },
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:abc"}},
        }
    }
    (out / "App.template.json").write_text(json.dumps(template, indent=1))
    result = run_scan([tmp_path])
    assert [a.kind for a in result.applications] == ["cdk"]
    fn = result.applications[0].functions["Handler886CB40B"]
    assert fn.code_uri == str(asset)
    assert fn.code is not None and fn.code.bundled == ("boto3",)
    got = {(f.rule, f.resource, f.line) for f in result.findings if f.rule in ("SEC001", "PERF002")}
    assert got == {("SEC001", "HandlerServiceRole", 3), ("PERF002", "Handler886CB40B", 14)}
    assert not [f for f in result.findings if f.rule.startswith("SYS")]


def test_cdk_assets_map_back_to_the_source_folder(tmp_path: Path) -> None:
    """Code findings point at the project's own handler file, not at cdk.out's copy of it."""
    handler = "import boto3\n\n\ndef handler(event, context):\n    boto3.client('s3').list_buckets()\n"
    (tmp_path / "lambda").mkdir()
    (tmp_path / "lambda" / "index.py").write_text(handler)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "index.py").write_text("def handler(event, context):\n    return 2\n")
    asset = tmp_path / "cdk.out" / "asset.9a8b"
    asset.mkdir(parents=True)
    (asset / "index.py").write_text(handler)
    (asset / "requests").mkdir()  # bundled dependencies are not part of the source
    template = {"Resources": {"Fn": {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Code": {"S3Bucket": "b", "S3Key": "k.zip"}, "Handler": "index.handler",
                       "Runtime": "python3.12", "Timeout": 10, "MemorySize": 256},
        "Metadata": {"aws:asset:path": "asset.9a8b"}}}}
    (tmp_path / "cdk.out" / "App.template.json").write_text(json.dumps(template))
    result = run_scan([tmp_path / "cdk.out"])
    fn = result.applications[0].functions["Fn"]
    assert fn.code_uri == str(tmp_path / "lambda")
    assert fn.code is not None and fn.code.path == str(asset)  # sizes are the deployed package's
    perf003 = [(Path(f.file).relative_to(tmp_path).as_posix(), f.line) for f in result.findings
               if f.rule == "PERF003"]
    assert perf003 == [("lambda/index.py", 5)]
