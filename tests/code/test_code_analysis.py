"""Handler code analysis: what the issue's "Done when" names, suppressions, resolution, and bad Python input."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from conftest import run_scan

SAM = "Transform: AWS::Serverless-2016-10-31\nResources:\n"


def fn(name: str = "Fn", handler: str = "app.handler", extra: str = "", code_uri: str = "src/") -> str:
    return (f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
            f"      Handler: {handler}\n      CodeUri: {code_uri}\n      Timeout: 30\n{extra}")


def project(write, template: str, files: dict[str, str | bytes]) -> Path:  # type: ignore[no-untyped-def]
    path = write("template.yaml", template)
    for name, text in files.items():
        write(name, text)
    return Path(path)


def found(result, rule: str) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(Path(f.file).name, f.line) for f in result.findings if f.rule == rule]


# -- the three cases the issue names ------------------------------------------------------------------------------
def test_recording_the_failure_in_batch_item_failures_is_not_a_swallowed_exception(write) -> None:  # type: ignore[no-untyped-def]
    t = project(write, SAM + fn(), {"src/app.py": (
        "def handler(event, context):\n"
        "    failures = []\n"
        "    for r in event['Records']:\n"
        "        try:\n"
        "            work(r)\n"
        "        except Exception:\n"
        "            failures.append({'itemIdentifier': r['messageId']})\n"
        "    return {'batchItemFailures': failures}\n"
        "def work(r):\n"
        "    return r['body']\n")})
    assert found(run_scan([t], select=["REL012"]), "REL012") == []


def test_an_except_returning_4xx_or_5xx_is_not_a_swallowed_exception(write) -> None:  # type: ignore[no-untyped-def]
    code = ("import json\n"
            "def handler(event, context):\n"
            "    try:\n"
            "        return {'statusCode': 200, 'body': json.loads(event['body'])}\n"
            "    except ValueError:\n"
            "        return {'statusCode': 400, 'body': 'bad json'}\n"
            "    except Exception:\n"
            "        print('boom')\n"
            "        return {'statusCode': 503, 'body': 'try later'}\n")
    t = project(write, SAM + fn(), {"src/app.py": code})
    assert found(run_scan([t], select=["REL012"]), "REL012") == []
    # ...while the same clause returning 200 is one:
    write("src/app.py", code.replace("503", "200"))
    assert found(run_scan([t], select=["REL012"]), "REL012") == [("app.py", 7)]


def test_list_objects_v2_allowed_by_s3_list_bucket_is_not_a_missing_permission(write) -> None:  # type: ignore[no-untyped-def]
    template = SAM + "  Data:\n    Type: AWS::S3::Bucket\n" + fn(extra=(
        "      Environment: {Variables: {BUCKET: !Ref Data}}\n"
        "      Policies:\n"
        "        - Statement:\n"
        "            - Effect: Allow\n"
        "              Action: s3:ListBucket\n"
        "              Resource: !GetAtt Data.Arn\n"))
    code = ("import os, boto3\n"
            "S3 = boto3.client('s3')\n"
            "def handler(event, context):\n"
            "    return S3.list_objects_v2(Bucket=os.environ['BUCKET'])\n")
    t = project(write, template, {"src/app.py": code})
    assert found(run_scan([t], select=["SEC005"]), "SEC005") == []
    # The operation's own name is not an IAM action: a role granting only s3:ListObjectsV2 would not do.
    write("template.yaml", template.replace("s3:ListBucket", "s3:ListObjectsV2"))
    result = run_scan([t], select=["SEC005"])
    assert found(result, "SEC005") == [("app.py", 4)]
    assert "s3:ListBucket on Data" in result.findings[0].message


# -- cross-checks with the configuration ---------------------------------------------------------------------------
def test_recursive_trigger_found_in_code_points_at_the_write(write) -> None:  # type: ignore[no-untyped-def]
    template = SAM + "  Images:\n    Type: AWS::S3::Bucket\n  Jobs:\n    Type: AWS::SQS::Queue\n" + fn(extra=(
        "      Environment: {Variables: {QUEUE: !Ref Jobs}}\n"
        "      Events:\n"
        "        Up: {Type: S3, Properties: {Bucket: !Ref Images, Events: 's3:ObjectCreated:*'}}\n"
        "        Q: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 1}}\n"))
    code = ("import os, boto3\n"
            "S3 = boto3.client('s3')\n"
            "SQS = boto3.client('sqs')\n"
            "def handler(event, context):\n"
            "    for r in event['Records']:\n"
            "        bucket = r['s3']['bucket']['name']\n"
            "        S3.put_object(Bucket=bucket, Key='thumb/' + r['s3']['object']['key'], Body=b'')\n"
            "        SQS.send_message(QueueUrl=os.environ['QUEUE'], MessageBody='again')\n")
    t = project(write, template, {"src/app.py": code})
    result = run_scan([t], select=["REL008"])
    assert found(result, "REL008") == [("app.py", 7), ("app.py", 8)]
    assert "put_object() on Images" in result.findings[0].message


def test_debug_level_hard_coded_in_code_is_cost002(write) -> None:  # type: ignore[no-untyped-def]
    code = ("import logging\n"
            "from aws_lambda_powertools import Logger\n"
            "logging.getLogger().setLevel(logging.DEBUG)\n"
            "log = Logger(level='DEBUG')\n"
            "logging.basicConfig(level='INFO')\n"
            "def handler(event, context):\n"
            "    return 1\n")
    t = project(write, SAM + fn(), {"src/app.py": code})
    assert found(run_scan([t], select=["COST002"]), "COST002") == [("app.py", 3), ("app.py", 4)]


# -- suppressions ---------------------------------------------------------------------------------------------------
def test_inline_ignore_on_the_line_and_on_the_def(write) -> None:  # type: ignore[no-untyped-def]
    code = ("import boto3\n"
            "def handler(event, context):\n"
            "    try:\n"
            "        helper()\n"
            "    except Exception:  # lambdoctor: ignore[REL012]\n"
            "        pass\n"
            "    boto3.client('s3')  # lambdoctor: ignore[REL012]\n"
            "def helper():  # lambdoctor: ignore[PERF003, REL012]\n"
            "    try:\n"
            "        boto3.client('sqs')\n"
            "    except Exception:\n"
            "        pass\n")
    t = project(write, SAM + fn(), {"src/app.py": code})
    result = run_scan([t], select=["REL012", "PERF003"])
    # line 7 ignores only REL012, so its PERF003 stays; the def of helper covers its whole body
    assert [(f.rule, f.line) for f in result.findings] == [("PERF003", 7)]
    assert result.suppressed == 3


# -- resolution -----------------------------------------------------------------------------------------------------
def test_handler_found_through_globals_packages_and_zip(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    template = SAM.replace("Resources:\n", "Globals:\n  Function: {CodeUri: src/, Runtime: python3.12}\n"
                           "Resources:\n") + (
        "  A:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: pkg/api.handler, Timeout: 5}\n"
        "  B:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: pkg.api.handler, Timeout: 5}\n"
        "  Z:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: app.handler, CodeUri: code.zip,"
        " Timeout: 5}\n"
        "  Missing:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: nothere.handler, Timeout: 5}\n")
    t = project(write, template, {"src/pkg/__init__.py": "", "src/pkg/api.py": (
        "import boto3\ndef handler(event, context):\n    return boto3.client('s3')\n")})
    with zipfile.ZipFile(tmp_path / "code.zip", "w") as zf:
        zf.writestr("app.py", "import boto3\ndef handler(event, context):\n    return boto3.client('sns')\n")
    result = run_scan([t], select=["PERF003"])
    app = result.applications[0]
    assert sorted(app.code) == ["A", "B", "Z"]
    assert app.code["A"].files == app.code["B"].files  # one file serving two functions is parsed once
    assert sorted((f.resource, Path(f.file).name, f.line) for f in result.findings) == [
        ("A", "api.py", 3), ("Z", "code.zip!app.py", 3)]
    assert result.notes == [f"{t}: Missing: handler source not analyzed: handler module "
                            f"{tmp_path / 'src' / 'nothere'}.py not found"]


def test_inline_code_lines_are_template_lines(write) -> None:  # type: ignore[no-untyped-def]
    template = SAM + ("  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
                      "      Handler: index.handler\n      Timeout: 5\n      InlineCode: |\n"
                      "        import boto3\n        def handler(event, context):\n"
                      "            return boto3.client('s3')\n")
    t = write("template.yaml", template)
    result = run_scan([t], select=["PERF003"])
    assert [(f.file, f.line) for f in result.findings] == [(str(t), 12)]


def test_imported_project_modules_are_followed(write) -> None:  # type: ignore[no-untyped-def]
    files = {
        "src/app.py": "from lib import store\nfrom lib.util import *\ndef handler(event, context):\n"
                      "    store.save(event)\n    shout(event)\n",
        "src/lib/__init__.py": "",
        "src/lib/store.py": "import boto3\nfrom . import util\ndef save(event):\n"
                            "    boto3.client('dynamodb').put_item(TableName='t', Item={})\n",
        "src/lib/util.py": "from lib import store  # a circular import\ndef shout(event):\n"
                           "    try:\n        print(event)\n    except Exception:\n        pass\n",
    }
    t = project(write, SAM + fn(), files)
    result = run_scan([t], select=["PERF003", "REL012"])
    assert sorted((f.rule, Path(f.file).name, f.line) for f in result.findings) == [
        ("PERF003", "store.py", 4), ("REL012", "util.py", 5)]


def test_dynamic_sdk_use_makes_facts_incomplete_and_rules_silent(write) -> None:  # type: ignore[no-untyped-def]
    template = SAM + fn(extra="      Policies:\n        - S3ReadPolicy: {BucketName: b}\n")
    code = ("import boto3\n"
            "def make(name):\n"
            "    return boto3.client(name)\n"
            "def handler(event, context):\n"
            "    c = make(event['service'])\n"
            "    getattr(boto3.client('s3'), event['op'])()\n"
            "    return c.describe_everything()\n")
    t = project(write, template, {"src/app.py": code})
    result = run_scan([t], select=["SEC005", "SEC006"])
    assert result.findings == []
    assert result.applications[0].code["Fn"].complete is False


# -- bad input ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("content", "line", "reason"), [
    (b"def handler(event, context):\n    return (\n", 2, "Python syntax error: '(' was never closed"),
    (b"def handler(event, context):\n    print 'hello'\n", 2, "Python 2 code? Lambda runs Python 3"),
    (b"x = 1\n\x00\n", 1, "null bytes"),
    (b"# -*- coding: no-such-codec -*-\nx = 1\n", 1, "unknown encoding"),
    (b"x = " + b"(" * 300 + b"1" + b")" * 300 + b"\n", 1, "too many nested parentheses"),
])
def test_unparseable_handler_is_sys000_with_its_line(write, content: bytes, line: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    t = project(write, SAM + fn() + fn("Other", "other.handler"), {
        "src/app.py": content, "src/other.py": "import boto3\ndef handler(e, c):\n    return boto3.client('s3')\n"})
    result = run_scan([t])
    sys000 = [f for f in result.findings if f.rule == "SYS000"]
    assert [(Path(f.file).name, f.line) for f in sys000] == [("app.py", line)]
    assert reason in sys000[0].message
    assert found(result, "PERF003") == [("other.py", 3)]  # the other handler is still analyzed


def test_encoding_declaration_huge_and_minified_files(write) -> None:  # type: ignore[no-untyped-def]
    latin = ("# -*- coding: latin-1 -*-\nimport boto3\nNAME = 'caf\xe9'\n"
             "def handler(e, c):\n    return boto3.client('s3')\n")
    minified = "import boto3\n" + "".join(f"def f{i}(e):return e\n" for i in range(20000)) + (
        "def handler(e, c):return boto3.client('sns')\n")
    t = project(write, SAM + fn() + fn("Min", "mini.handler") + fn("Big", "big.handler"), {
        "src/app.py": latin.encode("latin-1"), "src/mini.py": minified,
        "src/big.py": b"x = 1\n" * 1_000_000})
    result = run_scan([t])
    assert sorted((f.rule, Path(f.file).name, f.line) for f in result.findings if f.rule in ("PERF003", "SYS000")) == [
        ("PERF003", "app.py", 5), ("PERF003", "mini.py", 20002), ("SYS000", "big.py", 1)]


def test_scan_never_runs_handler_code(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "ran"
    t = project(write, SAM + fn(), {"src/app.py": (
        f"open({str(marker)!r}, 'w').write('imported')\n"
        "def handler(event, context):\n    return 1\n")})
    run_scan([t])
    assert not marker.exists()


def test_a_sam_function_without_codeuri_is_built_from_the_templates_folder(tmp_path: Path) -> None:
    # SAM CLI's default CodeUri is "." (SamBaseProvider.DEFAULT_CODEURI in aws-sam-cli): the handler module sits
    # beside the template, and its code is analysed like any other
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Notify:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.12, Handler: app.handler, Timeout: 10}\n")
    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "SNS = boto3.client('sns')\n"
        "def handler(event, context):\n"
        "    SNS.publish(TopicArn='arn:aws:sns:eu-west-1:123456789012:orders', Message='x')\n")
    result = run_scan([tmp_path], select=["DEP004"])
    assert [(f.rule, os.path.basename(f.file), f.line) for f in result.findings] == [("DEP004", "app.py", 4)]
    assert result.notes == []
