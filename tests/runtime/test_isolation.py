"""The handler runs in Lambda's world, not lambdoctor's: the interpreter of its Runtime and Lambda's sys.path.

Sources: DG "Building Lambda functions with Python" ("Runtime dependencies in Python": the runtime includes the AWS
SDK for Python, anything else must be in the deployment package or a layer) and "Working with layers" ("Layer paths
for each Lambda runtime": /opt/python and /opt/python/lib/pythonX.Y/site-packages). The failure a missing dependency
gives is the Python runtime client's: awslambdaric/bootstrap.py at 46e4c6a raises Runtime.ImportModuleError with
"Unable to import module '<module>': No module named '<name>'".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lambdoctor.runtime import interpreter

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    # 30 s: importing boto3 in the handler takes seconds of a 128 MB function's CPU share (runtime/cpu.py)
    Properties: {{CodeUri: src/, Handler: {handler}, Timeout: 30, Runtime: {runtime}}}
"""

PROBE = '''
import sys
def handler(event, context):
    out = {"version": list(sys.version_info[:2]), "path": sys.path,
           "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("lambdoctor", "yaml", "duckdb", "click"))}
    for name in ("yaml", "requests", "duckdb", "click", "lambdoctor", "boto3"):
        try:
            __import__(name)
            out[name] = True
        except ImportError:
            out[name] = False
    return out
'''


def _project(tmp_path: Path, files: dict[str, str], handler: str = "app.handler", runtime: str = "python3.12"
             ) -> Path:
    for name, text in files.items():
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_text(text, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(handler=handler, runtime=runtime), encoding="utf-8")
    return tmp_path


def _invoke(project: Path) -> tuple[int, Any, str]:
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(project), "Fn"], capture_output=True,
                         text=True, timeout=120, cwd=project, input="")
    return out.returncode, json.loads(out.stdout) if out.stdout.strip() else None, out.stderr


@pytest.mark.parametrize("runtime", ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"])
def test_the_handler_runs_on_its_runtimes_python_with_only_the_sdk_beside_its_code(tmp_path: Path,
                                                                                 runtime: str) -> None:
    found = interpreter.find(runtime)
    if not found.exact:
        pytest.skip(f"this machine has no {runtime} (pyenv, uv or on PATH)")
    code, out, err = _invoke(_project(tmp_path, {"app.py": PROBE}, runtime=runtime))
    assert code == 0, err
    assert out["version"] == [int(x) for x in runtime[len("python"):].split(".")]
    # lambdoctor's own dependencies (yaml, duckdb, click) and lambdoctor itself are not there; the SDK is (when
    # it imports on that Python, or could be installed for it: interpreter.sdk says why not)
    sdk, why_not = interpreter.sdk(found)
    assert (out["yaml"], out["duckdb"], out["click"], out["lambdoctor"], out["boto3"]) == (
        False, False, False, False, sdk is not None), why_not
    assert out["modules"] == []
    assert out["path"][0] in ("/proc/self/cwd", str(tmp_path / "src"))
    assert not any("site-packages" in p for p in out["path"])  # the venv's, the user's: none


def test_a_dependency_the_package_lacks_fails_as_on_lambda_and_a_vendored_one_works(tmp_path: Path) -> None:
    app = "import yaml\n\ndef handler(event, context):\n    return yaml.safe_dump({'a': 1})\n"
    code, out, err = _invoke(_project(tmp_path / "bare", {"app.py": app}))
    assert code == 1
    assert out["errorType"] == "Runtime.ImportModuleError"
    assert out["errorMessage"] == "Unable to import module 'app': No module named 'yaml'"
    # vendored into the package (pip install -t src/): found first, as in /var/task
    vendored = {"app.py": app, "yaml/__init__.py": "def safe_dump(data):\n    return 'vendored: %r' % (data,)\n"}
    code, out, err = _invoke(_project(tmp_path / "vendored", vendored))
    assert (code, out) == (0, "vendored: {'a': 1}"), err


def test_a_nested_package_with_relative_imports(tmp_path: Path) -> None:
    files = {"orders/__init__.py": "", "orders/handlers/__init__.py": "",
             "orders/handlers/api.py": "from ..model import total\n\ndef handler(event, context):\n"
                                       "    return {'total': total([1, 2, 3])}\n",
             "orders/model.py": "def total(xs):\n    return sum(xs)\n"}
    code, out, err = _invoke(_project(tmp_path, files, handler="orders/handlers/api.handler"))
    assert (code, out) == (0, {"total": 6}), err


def test_a_runtime_this_machine_lacks_runs_on_lambdoctors_python_and_says_so() -> None:
    found = interpreter.find("python3.99")
    assert not found.exact and found.path == sys.executable
    assert found.note == (f"no Python 3.99 on this machine (pyenv, uv or python3.99 on PATH) for Runtime python3.99: "
                          f"the handler ran on Python {sys.version_info[0]}.{sys.version_info[1]}")


def test_the_bundle_holds_no_lambdoctor_import() -> None:
    folder = interpreter.bundle()
    for module in (folder / interpreter.PACKAGE).glob("*.py"):
        assert "lambdoctor." not in "\n".join(line for line in module.read_text(encoding="utf-8").splitlines()
                                               if line.lstrip().startswith(("import ", "from ")))
    assert {p.name for p in (folder / "sdk").iterdir()} >= {"boto3", "botocore"}


def test_lambdas_defined_variables(tmp_path: Path) -> None:
    """DG "Using Lambda environment variables", "Defined runtime environment variables" (doc_source/
    configuration-envvars.md at 38e9014, lines 177-204)."""
    app = ("import os\n\ndef handler(event, context):\n    return {k: os.environ.get(k) for k in ("
           "'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_RUNTIME_DIR', 'LD_LIBRARY_PATH', "
           "'PATH', 'TZ', 'LANG', 'AWS_EXECUTION_ENV', 'LAMBDA_TASK_ROOT', 'PYTHONPATH')}\n")
    project = _project(tmp_path, {"app.py": app})
    code, out, err = _invoke(project)
    assert code == 0, err
    root = out["LAMBDA_TASK_ROOT"]
    assert out == {"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
                   "LAMBDA_RUNTIME_DIR": "/var/runtime",
                   "LD_LIBRARY_PATH": f"/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:{root}:{root}/lib:/opt/lib",
                   "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin", "TZ": ":UTC", "LANG": "en_US.UTF-8",
                   "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "LAMBDA_TASK_ROOT": root, "PYTHONPATH": None}


LAYERED = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - !Ref Shared
        - !Ref Built
        - !Ref Plain
        - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layers/shared/}
  Built:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layers/built/}
    Metadata: {BuildMethod: python3.12}
  Plain:
    Type: AWS::Lambda::LayerVersion
    Properties: {Content: layers/plain/}
"""


def test_layers_are_on_the_path_where_lambda_extracts_them(tmp_path: Path) -> None:
    """DG "Working with layers" ("Layer paths for each Lambda runtime": /opt/python and
    /opt/python/lib/python3.12/site-packages), SAM's AWS::Serverless::LayerVersion ContentUri and BuildMethod, and
    CloudFormation's AWS::Lambda::LayerVersion Content as `aws cloudformation package` takes a local folder. A
    layer later in the list overwrites an earlier one's files; a layer that is only an ARN is a note."""
    files = {
        "src/app.py": ("import os, subprocess, common, helpers, plain\n\ndef handler(event, context):\n"
                       "    try:\n"
                       "        open('/opt/python/new.txt', 'w')\n"
                       "        writable = True\n"
                       "    except OSError:\n"
                       "        writable = False\n"
                       "    tool = subprocess.run(['tool.sh'], capture_output=True, text=True).stdout\n"
                       "    return [common.WHO, helpers.WHO, plain.WHO, common.__file__, sorted(os.listdir('/opt')),\n"
                       "            open('/opt/python/helpers.py').read(), writable, tool]\n"),
        "layers/shared/python/common.py": "WHO = 'shared'\n",
        "layers/shared/python/lib/python3.12/site-packages/plain.py": "WHO = 'shared site-packages'\n",
        "layers/built/helpers.py": "WHO = 'built'\n",
        "layers/plain/python/plain.py": "WHO = 'plain, the later layer'\n",
        "layers/plain/python/common.py": "WHO = 'plain overwrites shared'\n",
        "layers/plain/bin/tool.sh": "#!/bin/sh\necho from /opt/bin\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "layers/plain/bin/tool.sh").chmod(0o755)
    (tmp_path / "template.yaml").write_text(LAYERED, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(tmp_path), "Fn"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path, input="")
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    # site-packages comes before python/ within the merged /opt; the later layer's plain.py is in python/ though:
    # Lambda's /opt/python/lib/python3.12/site-packages/plain.py (from Shared) is found first, as here
    assert found[:3] == ["plain overwrites shared", "built", "shared site-packages"]
    if "not mounted at /opt here" in out.stderr:  # no private mount namespace (not Linux): the layers' folders
        assert found[3] == str(tmp_path / "layers/plain/python/common.py")
    else:
        # the layers' files are at /opt, merged, read-only; a layer's bin/ is on PATH (/opt/bin)
        assert found[3:] == ["/opt/python/common.py", ["bin", "python"], "WHO = 'built'\n", False,
                             "from /opt/bin\n"]
    assert ("layer arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7 is "
            "not a local folder of this template: not mounted") in out.stderr


TERRAFORM_LAYERS = """\
data "archive_file" "code" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/code.zip"
}
data "archive_file" "deps" {
  type        = "zip"
  source_dir  = "${path.module}/layer"
  output_path = "${path.module}/build/layer.zip"
}
resource "aws_lambda_layer_version" "deps" {
  layer_name          = "deps"
  filename            = data.archive_file.deps.output_path
  compatible_runtimes = ["python3.12"]
}
resource "aws_lambda_layer_version" "zipped" {
  layer_name = "zipped"
  filename   = "zipped.zip"
}
resource "aws_lambda_layer_version" "remote" {
  layer_name = "remote"
  s3_bucket  = "artifacts"
  s3_key     = "layer.zip"
}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::123456789012:role/fn"
  filename      = data.archive_file.code.output_path
  layers        = [aws_lambda_layer_version.deps.arn, aws_lambda_layer_version.zipped.arn,
                   aws_lambda_layer_version.remote.arn]
}
"""


def test_terraform_layers_from_a_folder_and_a_zip_are_mounted(tmp_path: Path) -> None:
    """The AWS provider's aws_lambda_layer_version (registry.terraform.io/providers/hashicorp/aws, "Resource:
    aws_lambda_layer_version": filename, or s3_bucket/s3_key) with the archive_file data source's source_dir, and
    a zip as Lambda receives it: both end up in /opt/python; the S3 one is a note."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text(
        "import from_dir, from_zip\n\ndef handler(event, context):\n"
        "    return [from_dir.WHO, from_zip.WHO, from_zip.__file__]\n", encoding="utf-8")
    (tmp_path / "layer/python").mkdir(parents=True)
    (tmp_path / "layer/python/from_dir.py").write_text("WHO = 'folder'\n", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "zipped.zip", "w") as zf:
        zf.writestr("python/from_zip.py", "WHO = 'zip'\n")
    (tmp_path / "main.tf").write_text(TERRAFORM_LAYERS, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(tmp_path), "fn"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path, input="",
                         env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found[:2] == ["folder", "zip"]
    if "not mounted at /opt here" not in out.stderr:
        assert found[2] == "/opt/python/from_zip.py"
    assert len(list((tmp_path / "cache/lambdoctor/layers").iterdir())) == 1  # the zip unpacked once, kept
    assert ("layer aws_lambda_layer_version.remote is not a local folder of this template: not mounted"
            in out.stderr)


VALUES = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
  Secret: {Type: String, NoEcho: true}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          QUEUE_URL: !Ref Jobs
          QUEUE_ARN: !GetAtt Jobs.Arn
          QUEUE_NAME: !GetAtt Jobs.QueueName
          NAMED_QUEUE_URL: !Ref Named
          BUCKET: !Ref Uploads
          BUCKET_ARN: !GetAtt Uploads.Arn
          TABLE: !Ref Orders
          TABLE_ARN: !GetAtt Orders.Arn
          TOPIC: !Ref Alerts
          PEER_ARN: !GetAtt Peer.Arn
          STAGE: !Ref Stage
          REGION: !Ref AWS::Region
          PREFIX: !Sub "${AWS::StackName}-${Stage}-${AWS::AccountId}"
          TABLE_IN_SUB: !Sub "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Orders}"
          STREAM: !GetAtt Orders.StreamArn
          SECRET: !Ref Secret
  Jobs:
    Type: AWS::SQS::Queue
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: jobs-named}
  Uploads:
    Type: AWS::S3::Bucket
    Properties: {BucketName: my-uploads}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: orders-table}
  Alerts:
    Type: AWS::SNS::Topic
    Properties: {TopicName: alerts}
  Peer:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12, FunctionName: peer-fn}
"""


def test_environment_values_are_what_cloudformation_would_give(tmp_path: Path) -> None:
    """CloudFormation User Guide, each resource's "Return values": AWS::SQS::Queue Ref = the URL, Arn, QueueName;
    AWS::S3::Bucket Ref = the name, Arn = arn:aws:s3:::name; AWS::DynamoDB::Table Ref = the name, Arn;
    AWS::SNS::Topic Ref = the ARN; AWS::Lambda::Function Arn; parameters, pseudo parameters and Fn::Sub."""
    app = "import os\n\ndef handler(event, context):\n    return dict(sorted(os.environ.items()))\n"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(app, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(VALUES, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(tmp_path), "Fn"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path, input="")
    assert out.returncode == 0, out.stderr
    env = json.loads(out.stdout)
    account, region = "123456789012", "us-east-1"
    assert {k: env[k] for k in ("QUEUE_URL", "QUEUE_ARN", "QUEUE_NAME", "NAMED_QUEUE_URL", "BUCKET", "BUCKET_ARN",
                                "TABLE", "TABLE_ARN", "TOPIC", "PEER_ARN", "STAGE", "REGION", "PREFIX",
                                "TABLE_IN_SUB", "STREAM", "SECRET")} == {
        "QUEUE_URL": f"https://sqs.{region}.amazonaws.com/{account}/Jobs",
        "QUEUE_ARN": f"arn:aws:sqs:{region}:{account}:Jobs", "QUEUE_NAME": "Jobs",
        "NAMED_QUEUE_URL": f"https://sqs.{region}.amazonaws.com/{account}/jobs-named",
        "BUCKET": "my-uploads", "BUCKET_ARN": "arn:aws:s3:::my-uploads",
        "TABLE": "orders-table", "TABLE_ARN": f"arn:aws:dynamodb:{region}:{account}:table/orders-table",
        "TOPIC": f"arn:aws:sns:{region}:{account}:alerts",
        "PEER_ARN": f"arn:aws:lambda:{region}:{account}:function:peer-fn",
        "STAGE": "dev", "REGION": region, "PREFIX": f"local-dev-{account}",
        "TABLE_IN_SUB": f"arn:aws:dynamodb:{region}:{account}:table/orders-table",
        # a NoEcho parameter without a value is a placeholder, and its value is masked in what invoke prints
        "STREAM": "<unknown: GetAtt Orders.StreamArn>", "SECRET": "**** Ref Secret>"}
    assert ("Jobs has no name in the template: it is named Jobs here (CloudFormation generates local-Jobs-<random>)"
            in out.stderr)
    assert "STREAM: GetAtt Orders.StreamArn cannot be known locally" in out.stderr
    # --var gives a parameter its value
    again = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(tmp_path), "Fn", "--var",
                            "Stage=prod"], capture_output=True, text=True, timeout=120, cwd=tmp_path, input="")
    assert json.loads(again.stdout)["STAGE"] == "prod", again.stderr


def test_active_tracing_gives_each_invocation_its_trace_header(tmp_path: Path) -> None:
    """DG "Defined runtime environment variables": _X_AMZN_TRACE_ID, the X-Ray tracing header, set by the runtime
    client per invocation (awslambdaric/bootstrap.py at 46e4c6a, update_xray_env_variable); with Tracing: Active
    every invocation is sampled. Without it, no header here (nothing upstream sent one)."""
    import re

    app = "import os\n\ndef handler(event, context):\n    return os.environ.get('_X_AMZN_TRACE_ID')\n"
    project = _project(tmp_path, {"app.py": app})
    text = (project / "template.yaml").read_text(encoding="utf-8")
    active = text.replace("Runtime: python3.12}", "Runtime: python3.12, Tracing: Active}")
    (project / "template.yaml").write_text(active, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(project), "Fn", "--repeat", "2"],
                         capture_output=True, text=True, timeout=120, cwd=project, input="")
    assert out.returncode == 0, out.stderr
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    pattern = r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1"
    assert re.fullmatch(pattern, first) and re.fullmatch(pattern, second) and first != second
    code, plain, err = _invoke(_project(tmp_path / "plain", {"app.py": app}))
    assert (code, plain) == (0, None), err


def test_json_log_format_writes_lambdas_json_records_that_lambdoctor_logs_reads(tmp_path: Path) -> None:
    """LoggingConfig.LogFormat JSON (facts.md §2.2, from real captures; the Python runtime client's JsonFormatter
    and log_error at 46e4c6a): platform.initStart/start/report records, application records at INFO by default
    with timestamp, level, message, logger and requestId, the unhandled error with log_level."""
    app = ("import logging\nlogger = logging.getLogger()\n\ndef handler(event, context):\n"
           "    logger.info('charged %s', event.get('order'), extra={'order': event.get('order')})\n"
           "    if event.get('fail'):\n        raise KeyError('order_id')\n    return 'ok'\n")
    project = _project(tmp_path, {"app.py": app})
    text = (project / "template.yaml").read_text(encoding="utf-8")
    json_format = text.replace("Runtime: python3.12}", "Runtime: python3.12, LoggingConfig: {LogFormat: JSON}}")
    (project / "template.yaml").write_text(json_format, encoding="utf-8")
    ok = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(project), "Fn", "--event", "-"],
                        capture_output=True, text=True, timeout=120, cwd=project, input='{"order": 7}')
    failed = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(project), "Fn", "--event", "-"],
                            capture_output=True, text=True, timeout=120, cwd=project, input='{"fail": true}')
    assert ok.returncode == 0 and failed.returncode == 1, ok.stderr + failed.stderr
    records = [json.loads(line) for line in (ok.stderr + failed.stderr).splitlines() if line.startswith("{")]
    kinds = [r.get("type") or r.get("level") or r.get("log_level") for r in records]
    assert kinds == ["platform.initStart", "platform.start", "INFO", "platform.report",
                     "platform.initStart", "platform.start", "INFO", "ERROR", "platform.report"]
    info = records[2]
    assert {k: info[k] for k in ("level", "message", "logger", "order")} == {
        "level": "INFO", "message": "charged 7", "logger": "root", "order": 7}
    assert info["requestId"] == records[1]["record"]["requestId"] and info["timestamp"].endswith("Z")
    error = records[7]
    assert (error["errorType"], error["errorMessage"]) == ("KeyError", "'order_id'")
    assert error["stackTrace"][0].startswith('  File "/var/task/app.py"')
    report = records[8]["record"]
    assert report["status"] == "error" and report["errorType"] == "KeyError"
    assert set(report["metrics"]) == {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB",
                                      "initDurationMs"}
    # what lambdoctor logs reads from the same records: 2 invocations, 1 error, 2 cold starts
    (tmp_path / "fn.log").write_text(ok.stderr + failed.stderr, encoding="utf-8")
    logs = subprocess.run([sys.executable, "-m", "lambdoctor", "logs", str(tmp_path / "fn.log"), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    [stats] = json.loads(logs.stdout)["functions"]
    assert (stats["invocations"], stats["errors"], stats["cold_starts"]) == (2, 1, 2)


def test_cpu_is_the_share_of_the_memory_size(tmp_path: Path) -> None:
    """DG "Configure Lambda function memory": at 1,769 MB a function has the equivalent of one vCPU, and CPU is
    proportional to memory. The same CPU-bound handler at 256 and 1,769 MB: its CPU time is the same, its wall
    time about 1,769 / 256 = 6.9 times longer at 256 MB (runtime/cpu.py: a CFS quota on the worker's tree)."""
    from lambdoctor.runtime import cpu

    if not cpu.available():
        pytest.skip("no CPU cgroup can be made on this machine (cgroup v1 cpu or v2 cpu.max, as root)")
    app = ("import time\n\ndef handler(event, context):\n    t, c = time.perf_counter(), time.process_time()\n"
           "    x = 0\n    for i in range(3_000_000):\n        x += i\n"
           "    return [time.perf_counter() - t, time.process_time() - c]\n")
    walls: dict[int, float] = {}
    for memory in (256, 1769):
        project = _project(tmp_path / str(memory), {"app.py": app})
        text = (project / "template.yaml").read_text(encoding="utf-8")
        (project / "template.yaml").write_text(
            text.replace("Runtime: python3.12}", f"Runtime: python3.12, MemorySize: {memory}}}"),
            encoding="utf-8")
        code, out, err = _invoke(project)
        assert code == 0, err
        walls[memory] = out[0] / out[1]  # wall time per CPU second
    assert walls[1769] < 1.6  # about one CPU second per second
    # 1,769 / 256 = 6.9; the handler runs several 100 ms CFS periods, so that where the first period's end falls
    # (a refill of the quota) moves the ratio little
    assert 4.5 < walls[256] < 9.5


def test_a_serverless_layer_is_on_the_path(tmp_path: Path) -> None:
    """Serverless Framework `layers: {name: {path: folder}}` (a LayerVersion `<Name>LambdaLayer`, listed by a
    function as `{Ref: <Name>LambdaLayer}`): its python/ folder is where Lambda's /opt/python would be."""
    (tmp_path / "shared" / "python").mkdir(parents=True)
    (tmp_path / "shared" / "python" / "common.py").write_text("WHO = 'serverless layer'\n", encoding="utf-8")
    (tmp_path / "handler.py").write_text("import common\n\ndef main(event, context):\n    return common.WHO\n",
                                         encoding="utf-8")
    (tmp_path / "serverless.yml").write_text("""\
service: orders
provider: {name: aws, runtime: python3.12}
layers:
  shared: {path: shared}
functions:
  api:
    handler: handler.main
    layers: [{Ref: SharedLambdaLayer}]
""", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "lambdoctor", "invoke", str(tmp_path), "ApiLambdaFunction"],
                         capture_output=True,
                         text=True, timeout=120, cwd=tmp_path, input="")
    assert (out.returncode, out.stdout.strip()) == (0, '"serverless layer"'), out.stderr
