"""Terraform: modules, expressions, plans, and what bad input gives."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from conftest import TODAY, app_of

from lambdoctor.config import Config
from lambdoctor.engine import scan
from lambdoctor.loaders.discover import load_paths


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path



FUNCTION = """
variable "timeout" {
  type    = number
  default = 30
}
variable "queues" {
  default = ["orders", "refunds"]
}
locals {
  prefix = "shop-${terraform.workspace}"
}
resource "aws_sqs_queue" "q" {
  for_each                   = toset(var.queues)
  name                       = "${local.prefix}-${each.key}"
  visibility_timeout_seconds = var.timeout * 6
}
resource "aws_lambda_function" "worker" {
  count         = 2
  function_name = "${local.prefix}-worker-${count.index}"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::123456789012:role/worker"
  filename      = "worker.zip"
  timeout       = var.timeout
}
resource "aws_lambda_event_source_mapping" "m" {
  for_each         = aws_sqs_queue.q
  event_source_arn = each.value.arn
  function_name    = aws_lambda_function.worker[0].arn
}
"""


def test_count_for_each_locals_and_references_are_expanded(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", FUNCTION)
    app = app_of(tmp_path)
    assert sorted(app.functions) == ["aws_lambda_function.worker[0]", "aws_lambda_function.worker[1]"]
    worker = app.functions["aws_lambda_function.worker[0]"]
    assert (worker.name, worker.timeout.value, worker.timeout.ref and worker.timeout.ref.line) == (
        "shop-default-worker-0", 30, 23)
    assert sorted(app.queues) == ['aws_sqs_queue.q["orders"]', 'aws_sqs_queue.q["refunds"]']
    assert {q.visibility_timeout.value for q in app.queues.values()} == {180}
    sources = app.sources_of("aws_lambda_function.worker[0]")
    assert sorted(e.source.ref for e in sources if e.source and e.source.ref) == sorted(app.queues)


def test_variables_from_tfvars_and_var_options(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", FUNCTION)
    write(tmp_path, "terraform.tfvars", 'timeout = 5\n')
    assert app_of(tmp_path).functions["aws_lambda_function.worker[0]"].timeout.value == 5
    assert app_of(tmp_path, {"timeout": "12"}).functions["aws_lambda_function.worker[0]"].timeout.value == 12


def test_findings_point_at_the_tf_lines(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", FUNCTION.replace("var.timeout * 6", "10"))
    result = scan([str(tmp_path)], Config(), TODAY)
    rel003 = sorted((f.resource, Path(f.file).name, f.line) for f in result.findings if f.rule == "REL003")
    assert rel003 == [('aws_sqs_queue.q["orders"]', "main.tf", 14), ('aws_sqs_queue.q["refunds"]', "main.tf", 14)]


def test_local_modules_are_followed_with_their_inputs(tmp_path: Path) -> None:
    write(tmp_path / "modules" / "fn", "main.tf", """
        variable "name" {}
        variable "timeout" { default = 3 }
        resource "aws_lambda_function" "this" {
          function_name = var.name
          handler       = "app.handler"
          runtime       = "python3.12"
          role          = "arn:aws:iam::123456789012:role/x"
          timeout       = var.timeout
        }
        output "arn" { value = aws_lambda_function.this.arn }
    """)
    write(tmp_path / "root", "main.tf", """
        module "orders" {
          source  = "../modules/fn"
          name    = "orders"
          timeout = 15
        }
        resource "aws_lambda_function_url" "u" {
          function_name      = module.orders.arn
          authorization_type = "NONE"
        }
    """)
    loaded = load_paths([str(tmp_path)])
    assert not loaded.problems
    (app,) = loaded.applications  # the called module is part of its caller, not an application of its own
    fn = app.functions["module.orders.aws_lambda_function.this"]
    assert (fn.name, fn.timeout.value) == ("orders", 15)
    assert [u.function for u in app.function_urls] == ["module.orders.aws_lambda_function.this"]
    assert fn.ref.file.endswith("modules/fn/main.tf")


def test_policies_from_documents_heredocs_and_attachments(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", """
        data "aws_iam_policy_document" "read" {
          statement {
            actions   = ["s3:GetObject"]
            resources = ["${aws_s3_bucket.b.arn}/*"]
          }
        }
        resource "aws_s3_bucket" "b" { bucket = "photos" }
        resource "aws_iam_role" "r" { name = "r" }
        resource "aws_iam_policy" "read" { policy = data.aws_iam_policy_document.read.json }
        resource "aws_iam_role_policy_attachment" "read" {
          role       = aws_iam_role.r.name
          policy_arn = aws_iam_policy.read.arn
        }
        resource "aws_iam_role_policy_attachment" "basic" {
          role       = aws_iam_role.r.name
          policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        }
        resource "aws_iam_role_policy" "write" {
          role   = aws_iam_role.r.id
          policy = <<EOF
        {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "${aws_s3_bucket.b.arn}/*"}]}
        EOF
        }
    """)
    role = app_of(tmp_path).roles["aws_iam_role.r"]
    assert sorted((st.actions, tuple(sorted(st.resource_refs))) for st in role.statements) == [
        (("s3:GetObject",), ("aws_s3_bucket.b",)), (("s3:PutObject",), ("aws_s3_bucket.b",))]
    assert role.managed_policy_arns == ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",)


def test_a_heredoc_closed_by_a_marker_with_trailing_spaces_is_read_as_terraform_reads_it(tmp_path: Path) -> None:
    # Terraform (and OpenTofu) end a heredoc at a line holding the marker and trailing whitespace; python-hcl2's
    # grammar did not (python-hcl2 issue #343), and the whole file was SYS000. Here after EOF: two spaces; after
    # POLICY (an indented <<- heredoc): a tab.
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "r" {\n'
        '  name               = "r"\n'
        '  assume_role_policy = <<EOF\n'
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",\n'
        ' "Principal": {"Service": "lambda.amazonaws.com"}}]}\n'
        'EOF  \n'
        '}\n'
        'resource "aws_iam_role_policy" "write" {\n'
        '  role   = aws_iam_role.r.id\n'
        '  policy = <<-POLICY\n'
        '    {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}\n'
        '    POLICY\t\n'
        '}\n'
        'resource "aws_lambda_function" "f" {\n'
        '  function_name = "f"\n'
        '  role          = aws_iam_role.r.arn\n'
        '  runtime       = "python3.12"\n'
        '  handler       = "app.handler"\n'
        '  filename      = "app.zip"\n'
        '  timeout       = 30\n'
        '}\n')
    app = app_of(tmp_path)
    assert [st.actions for st in app.roles["aws_iam_role.r"].statements] == [("sqs:SendMessage",)]
    assert app.functions["aws_lambda_function.f"].timeout.value == 30
    assert app.functions["aws_lambda_function.f"].ref.line == 14


def test_bad_input_is_located_and_the_rest_still_loads(tmp_path: Path) -> None:
    write(tmp_path / "broken", "main.tf", 'resource "aws_lambda_function" "f" {\n  timeout = \n}\n')
    write(tmp_path / "cycle", "main.tf", """
        locals {
          a = local.b
          b = local.a
        }
        resource "aws_lambda_function" "f" {
          function_name = local.a
          role          = "arn:aws:iam::123456789012:role/x"
        }
    """)
    write(tmp_path / "missing", "main.tf", 'module "gone" {\n  source = "./not-here"\n}\n')
    write(tmp_path / "registry", "main.tf", """
        module "lambda" {
          source  = "terraform-aws-modules/lambda/aws"
          version = "~> 7.0"
        }
        resource "aws_lambda_function" "g" {
          count         = var.undeclared ? 1 : 0
          function_name = "g"
          role          = "arn:aws:iam::123456789012:role/x"
        }
    """)
    result = scan([str(tmp_path)], Config(), TODAY)
    problems = sorted((Path(f.file).parent.name, f.line, f.message) for f in result.findings if f.rule == "SYS000")
    assert problems == [
        ("broken", 2, "not valid HCL: unexpected end of line"),
        ("cycle", 2, "cycle of locals: local.a → local.b → local.a"),
        ("missing", 1, "module gone: source './not-here' is not a folder with .tf files"),
    ]
    functions = sorted(fid for app in result.applications for fid in app.functions)
    assert functions == ["aws_lambda_function.f", "aws_lambda_function.g[0]"]  # unknown count: present once
    assert not [f for f in result.findings if f.rule == "SYS001"]


def test_plan_json_links_what_is_known_after_apply(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2", "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_sqs_queue.jobs", "mode": "managed", "type": "aws_sqs_queue", "name": "jobs",
             "values": {"name": "jobs", "visibility_timeout_seconds": 10, "arn": None}},
            {"address": "aws_lambda_function.worker", "mode": "managed", "type": "aws_lambda_function",
             "name": "worker", "values": {"function_name": "worker", "runtime": "python3.12", "timeout": 60,
                                          "memory_size": 256, "handler": "app.handler", "role": None}},
            {"address": "aws_lambda_event_source_mapping.jobs", "mode": "managed",
             "type": "aws_lambda_event_source_mapping", "name": "jobs",
             "values": {"batch_size": 10, "event_source_arn": None, "function_name": "worker"}},
        ]}},
        "configuration": {"root_module": {"resources": [
            {"address": "aws_lambda_event_source_mapping.jobs", "expressions": {
                "event_source_arn": {"references": ["aws_sqs_queue.jobs.arn", "aws_sqs_queue.jobs"]},
                "function_name": {"references": ["aws_lambda_function.worker.function_name"]}}},
        ]}},
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2), encoding="utf-8")
    result = scan([str(tmp_path)], Config(), TODAY)
    rel003 = [(f.resource, f.line) for f in result.findings if f.rule == "REL003"]
    assert rel003 == [("aws_sqs_queue.jobs", 8)]  # the line of its "address"
    assert result.applications[0].kind == "terraform-plan"


def test_a_streams_parallelization_factor_and_retention_reach_the_model(tmp_path: Path) -> None:
    """aws_lambda_event_source_mapping's parallelization_factor and aws_kinesis_stream's retention_period (hours),
    as the AWS provider documents them; simulate takes them as the trigger's settings."""
    write(tmp_path, "main.tf", """
    resource "aws_kinesis_stream" "clicks" {
      name             = "clicks"
      shard_count      = 1
      retention_period = 72
    }
    resource "aws_lambda_function" "reader" {
      function_name = "reader"
      handler       = "app.handler"
      runtime       = "python3.12"
      role          = "arn:aws:iam::123456789012:role/reader"
      filename      = "reader.zip"
    }
    resource "aws_lambda_event_source_mapping" "m" {
      event_source_arn       = aws_kinesis_stream.clicks.arn
      function_name          = aws_lambda_function.reader.arn
      starting_position      = "LATEST"
      parallelization_factor = 3
    }
    """)
    app = app_of(tmp_path)
    [source] = app.sources_of("aws_lambda_function.reader")
    assert source.parallelization_factor is not None and source.parallelization_factor.value == 3
    assert app.resources["aws_kinesis_stream.clicks"].retention_hours == 72
