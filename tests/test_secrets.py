"""No output prints a secret (docs/security.md, promise 3): secrets of every kind are planted in an application,
its logs and a live account, and every output format of every command that reads them is searched for them.

The planted values are made up here; their shapes are the ones that leak in practice: an AWS access key ID
(AKIA + 16 characters, IAM User Guide "Understanding unique ID prefixes"), a secret access key (40 characters),
a PEM private key, a password in a database URL, a literal password in an environment variable, a serverless.yml
line with a password and an unterminated `${`, a Terraform `sensitive` variable set in terraform.tfvars, a
serverless `${env:}` value given with --var, a template parameter given with --var, and a code constant.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

ACCESS_KEY = "AKIAQ7X3PLANTEDKEY1Z"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTED1Kq"
PRIVATE = "MIIEowIBAAKCAQEAplantedPrivateKeyBody0123"
URL_PASSWORD = "pl4nted-url-pass"
ENV_PASSWORD = "Sup3r-pl4nted-Passw0rd"
SLS_PASSWORD = "pl4nted-sls-pass"
TFVARS_PASSWORD = "pl4nted-tfvars-pass"
ENV_VAR_VALUE = "pl4nted-env-value-77"
PARAM_TOKEN = "pl4nted-param-token-55"
CODE_ENDPOINT_PASS = "pl4nted-code-pass"
LOG_PASSWORD = "pl4nted-log-pass"
PLANTED = [ACCESS_KEY, SECRET_KEY, PRIVATE, URL_PASSWORD, ENV_PASSWORD, SLS_PASSWORD, TFVARS_PASSWORD, ENV_VAR_VALUE,
           PARAM_TOKEN, CODE_ENDPOINT_PASS, LOG_PASSWORD]

TEMPLATE = f"""Transform: AWS::Serverless-2016-10-31
Parameters:
  ApiToken:
    Type: String
    NoEcho: true
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Timeout: 10
      Environment:
        Variables:
          DB_PASSWORD: {ENV_PASSWORD}
          LEGACY_KEY_ID: {ACCESS_KEY}
          LEGACY_SECRET: {SECRET_KEY}
          SIGNING_PEM: "-----BEGIN RSA PRIVATE KEY-----\\n{PRIVATE}\\n-----END RSA PRIVATE KEY-----"
          DATABASE_URL: postgres://admin:{URL_PASSWORD}@db.internal:5432/app
          API_TOKEN: !Ref ApiToken
"""

CODE = f'''import boto3
SQS = boto3.client("sqs", endpoint_url="https://admin:{CODE_ENDPOINT_PASS}@sqs.eu-west-1.amazonaws.com/")

def handler(event, context):
    SQS.send_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/123456789012/orders", MessageBody="x")
'''

SERVERLESS = f"""service: billing
provider:
  name: aws
  runtime: python3.12
  environment:
    STRIPE_SECRET: ${{env:STRIPE_SECRET}}
functions:
  charge:
    handler: handler.charge
    environment:
      DB_PASSWORD: {SLS_PASSWORD} ${{self:custom.suffix
"""

TERRAFORM = """variable "db_password" {
  type      = string
  sensitive = true
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}
resource "aws_lambda_function" "fn" {
  function_name = "tf-fn"
  role          = aws_iam_role.r.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "fn.zip"
  environment {
    variables = {
      DB_PASSWORD = var.db_password
    }
  }
}
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("planted")
    (root / "sam" / "src").mkdir(parents=True)
    (root / "sam" / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (root / "sam" / "src" / "app.py").write_text(CODE, encoding="utf-8")
    (root / "sls").mkdir()
    (root / "sls" / "serverless.yml").write_text(SERVERLESS, encoding="utf-8")
    (root / "sls" / "handler.py").write_text("def charge(event, context):\n    return 1\n", encoding="utf-8")
    (root / "tf").mkdir()
    (root / "tf" / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    (root / "tf" / "terraform.tfvars").write_text(f'db_password = "{TFVARS_PASSWORD}"\n', encoding="utf-8")
    return root


def lambdoctor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lambdoctor", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def assert_clean(text: str, where: str) -> None:
    leaked = [s for s in PLANTED if s in text]
    assert not leaked, f"{where} prints {leaked}"


def test_scan_in_every_format_and_the_baseline_print_no_secret(app: Path) -> None:
    base = ["scan", ".", "--var", f"STRIPE_SECRET={ENV_VAR_VALUE}", "--var", f"ApiToken={PARAM_TOKEN}"]
    terminal = lambdoctor(*base, cwd=app)
    assert terminal.returncode == 1, terminal.stderr
    # the secrets were found (and so were the files): the test is not vacuous
    for expected in ("SEC002", "DB_PASSWORD", "LEGACY_KEY_ID", "SIGNING_PEM", "DATABASE_URL", "STRIPE_SECRET",
                     "unterminated variable", "DEP004"):
        assert expected in terminal.stdout, expected
    assert_clean(terminal.stdout + terminal.stderr, "scan (terminal)")
    as_json = lambdoctor(*base, "--format", "json", cwd=app)
    assert json.loads(as_json.stdout)["findings"]
    assert_clean(as_json.stdout + as_json.stderr, "scan --format json")
    sarif = lambdoctor(*base, "--format", "sarif", "-o", "out.sarif", cwd=app)
    assert_clean((app / "out.sarif").read_text(encoding="utf-8") + sarif.stdout + sarif.stderr, "SARIF")
    lambdoctor(*base, "--write-baseline", "baseline.json", cwd=app)
    assert_clean((app / "baseline.json").read_text(encoding="utf-8"), "the baseline")
    # the tfvars value reached the model (SEC002 on the Terraform function) and is masked all the same
    tf = terminal.stdout.split("tf/main.tf", 1)[1]
    assert "SEC002  environment variable DB_PASSWORD holds a literal value" in tf


def test_logs_print_no_secret_from_a_bad_record(app: Path, tmp_path: Path) -> None:
    log = tmp_path / "orders.log"
    log.write_text(
        "START RequestId: 8f5e8a4c-1b2c-4d3e-9f4a-0123456789ab Version: $LATEST\n"
        f"[ERROR]\t2026-11-30T10:00:00.000Z\t8f5e8a4c-1b2c-4d3e-9f4a-0123456789ab\tlogin failed password="
        f"{LOG_PASSWORD} url=postgres://u:{URL_PASSWORD}@db/x key={ACCESS_KEY}\n"
        "END RequestId: 8f5e8a4c-1b2c-4d3e-9f4a-0123456789ab\n"
        "REPORT RequestId: 8f5e8a4c-1b2c-4d3e-9f4a-0123456789ab\tDuration: 12.00 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 60 MB\n", encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"events": [{"message": "password=' + LOG_PASSWORD + '", "timestamp": "x"', encoding="utf-8")
    request = ("--request-id", "8f5e8a4c-1b2c-4d3e-9f4a-0123456789ab")  # the invocation's own lines, printed
    for fmt, extra in (("terminal", ()), ("json", ()), ("terminal", request)):
        out = lambdoctor("logs", str(log), str(bad), "--format", fmt, *extra, cwd=app)
        if extra:
            assert "login failed password=" in out.stdout  # the line is shown, its secrets are not
        else:
            assert "orders" in out.stdout and "SYS000" in out.stdout, out.stderr
        assert_clean(out.stdout + out.stderr, f"logs --format {fmt} {' '.join(extra)}")


def test_audit_save_masks_secret_values_and_says_so(app: Path, aws_endpoint: str, tmp_path: Path) -> None:
    import io
    import zipfile

    kw = {"endpoint_url": aws_endpoint, "region_name": "eu-south-2"}
    iam, lam = boto3.client("iam", **kw), boto3.client("lambda", **kw)
    role = iam.create_role(RoleName="planted-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(e, c):\n    return 1\n")
    lam.create_function(FunctionName="planted", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": buf.getvalue()}, Environment={"Variables": {
                            "DB_PASSWORD": ENV_PASSWORD, "ACCESS": ACCESS_KEY, "STAGE": "prod"}})
    saved = tmp_path / "account.json"
    out = lambdoctor("audit", "--region", "eu-south-2", "--endpoint-url", aws_endpoint, "--save", str(saved),
                     cwd=app)
    text = saved.read_text(encoding="utf-8")
    assert_clean(text + out.stdout + out.stderr, "audit --save")
    doc = json.loads(text)
    [fn] = doc["regions"][0]["functions"]
    variables = fn["Configuration"]["Environment"]["Variables"]
    assert variables["STAGE"] == "prod"  # the names stay, and values that are not secret
    assert variables["DB_PASSWORD"] == "<masked by lambdoctor: a literal value for a secret-like name>"
    assert variables["ACCESS"] == "<masked by lambdoctor: an AWS access key ID>"
    assert "2 environment value(s) that look secret are masked (their names are kept)" in doc["notes"]
    replay = lambdoctor("audit", "--snapshot", str(saved), "--format", "json", cwd=app)
    found = {(f["rule"], f["message"]) for f in json.loads(replay.stdout)["findings"] if f["rule"] == "SEC002"}
    assert ("SEC002", "environment variable ACCESS holds an AWS access key ID (value masked)") in found
    assert_clean(replay.stdout + replay.stderr, "audit --snapshot")
