"""serverless.yml: framework defaults, plugins, variables, and what bad input gives."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import TODAY, app_of

from lambdoctor.config import Config
from lambdoctor.engine import scan
from lambdoctor.loaders.discover import load_paths


def write(tmp_path: Path, text: str, name: str = "serverless.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def rules_at(path: Path, variables: dict[str, str] | None = None) -> set[tuple[str, str, int]]:
    result = scan([str(path)], Config(), TODAY, variables)
    return {(f.rule, f.resource, f.line) for f in result.findings}



SERVICE = """
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: handler.main
"""


def test_framework_defaults_are_carried_as_framework_defaults(tmp_path: Path) -> None:
    fn = app_of(write(tmp_path, SERVICE)).functions["ApiLambdaFunction"]
    assert (fn.timeout.value, fn.timeout.origin) == (6, "framework-default")
    assert (fn.memory.value, fn.memory.origin) == (1024, "framework-default")
    assert fn.name == "shop-dev-api"
    assert fn.publishes_versions


def test_published_versions_raise_dep003_and_the_prune_plugin_silences_it(tmp_path: Path) -> None:
    path = write(tmp_path, SERVICE)
    result = scan([str(path)], Config(), TODAY)
    (dep003,) = [f for f in result.findings if f.rule == "DEP003"]
    assert (dep003.resource, dep003.line) == ("ApiLambdaFunction", 6)
    assert "serverless-prune-plugin" in dep003.fix
    pruned = write(tmp_path, SERVICE + "plugins:\n  - serverless-prune-plugin\ncustom:\n  prune:\n"
                   "    automatic: true\n    number: 3\n")
    assert not [r for r in rules_at(pruned) if r[0] == "DEP003"]
    # the plugin listed but not automatic: nothing prunes on deploy
    manual = write(tmp_path, SERVICE + "plugins:\n  - serverless-prune-plugin\n")
    assert ("DEP003", "ApiLambdaFunction", 6) in rules_at(manual)
    off = write(tmp_path, SERVICE.replace("  runtime: python3.12\n", "  runtime: python3.12\n"
                                          "  versionFunctions: false\n"))
    assert not [r for r in rules_at(off) if r[0] == "DEP003"]


def test_variables_resolve_from_self_opt_file_and_params(tmp_path: Path) -> None:
    write(tmp_path, "tables:\n  prod: orders-prod\n", "config.yml")
    path = write(tmp_path, """
        service: shop
        stages:
          default:
            params:
              memory: 256
        provider:
          name: aws
          runtime: python3.12
          stage: ${opt:stage, 'dev'}
          timeout: ${self:custom.timeout}
        custom:
          timeout: 20
          table: ${file(./config.yml):tables.${sls:stage}}
        functions:
          api:
            handler: handler.main
            memorySize: ${param:memory}
            environment:
              TABLE: ${self:custom.table}
              TOKEN: ${ssm:/shop/token}
              HOME_DIR: ${env:HOME, '/home/none'}
    """)
    fn = app_of(path, {"stage": "prod"}).functions["ApiLambdaFunction"]
    assert (fn.timeout.value, fn.timeout.origin, fn.timeout.ref and fn.timeout.ref.line) == (20, "set", 10)
    assert fn.memory.value == 256
    env = {v.name: v for v in fn.environment}
    assert env["TABLE"].literal == "orders-prod"
    assert env["TOKEN"].literal is None  # an SSM value is only known at deploy time
    assert env["HOME_DIR"].literal == "/home/none"  # the process environment is never read
    assert fn.name == "shop-prod-api"


def test_unresolvable_variables_and_cycles_are_located(tmp_path: Path) -> None:
    path = write(tmp_path, """
        service: shop
        provider:
          name: aws
          runtime: python3.12
        custom:
          a: ${self:custom.b}
          b: ${self:custom.a}
        functions:
          api:
            handler: handler.main
            timeout: ${self:custom.missing}
            environment:
              SECRET: ${file(./absent.yml):key}
    """)
    result = scan([str(path)], Config(), TODAY)
    problems = sorted((f.line, f.message) for f in result.findings if f.rule == "SYS000")
    assert problems == [
        (6, "variable cycle: ${self:custom.a} → ${self:custom.b} → ${self:custom.a}"),
        (11, "${self:custom.missing} does not exist in this file (no key 'custom.missing')"),
        (13, "${file(./absent.yml)}: file not found"),
    ]
    fn = result.applications[0].functions["ApiLambdaFunction"]
    assert not fn.timeout.known  # unresolved, not a guess
    assert not [f for f in result.findings if f.rule == "SYS001"]


def test_unknown_plugins_and_other_providers_are_silent(tmp_path: Path) -> None:
    path = write(tmp_path, SERVICE + "plugins:\n  - serverless-offline\n  - some-private-plugin\n")
    assert app_of(path).functions
    other = write(tmp_path, "service: x\nprovider:\n  name: google\nfunctions:\n  f:\n    handler: h\n",
                  "other__serverless.yml")
    loaded = load_paths([str(other)])
    assert not loaded.applications and not loaded.problems


def test_bad_files_give_located_sys000(tmp_path: Path) -> None:
    broken = write(tmp_path, "service: x\nprovider:\n  name: aws\n  runtime: [unclosed\n")
    result = scan([str(broken)], Config(), TODAY)
    assert [(f.rule, f.line) for f in result.findings] == [("SYS000", 5)]
    not_service = write(tmp_path, "just: a mapping\n", "x-serverless.yml")
    result = scan([str(not_service)], Config(), TODAY)
    assert [(f.rule, f.message) for f in result.findings] == [
        ("SYS000", "not a Serverless Framework service: no service/provider")]


def test_events_iam_and_plugins_are_modelled(tmp_path: Path) -> None:
    path = write(tmp_path, """
        service: shop
        plugins:
          - serverless-iam-roles-per-function
          - serverless-plugin-aws-alerts
        custom:
          alerts:
            topics:
              alarm: arn:aws:sns:eu-west-1:123456789012:ops
            alarms: [functionErrors]
        provider:
          name: aws
          runtime: python3.12
          logRetentionInDays: 14
        functions:
          worker:
            handler: handler.main
            timeout: 30
            iamRoleStatements:
              - Effect: Allow
                Action: dynamodb:PutItem
                Resource: arn:aws:dynamodb:eu-west-1:123456789012:table/orders
            events:
              - sqs:
                  arn: arn:aws:sqs:eu-west-1:123456789012:jobs
                  batchSize: 5
                  functionResponseType: ReportBatchItemFailures
              - schedule: rate(5 minutes)
    """)
    app = app_of(path)
    fn = app.functions["WorkerLambdaFunction"]
    assert fn.role is not None and fn.role.ref == "WorkerIamRoleLambdaExecution"
    role = app.roles["WorkerIamRoleLambdaExecution"]
    actions = {a for st in role.statements for a in st.actions}
    assert {"dynamodb:PutItem", "sqs:ReceiveMessage", "sqs:DeleteMessage", "logs:PutLogEvents"} <= actions
    kinds = sorted((e.kind, e.mode) for e in app.sources_of("WorkerLambdaFunction"))
    assert kinds == [("schedule", "async"), ("sqs", "poll")]
    sqs = next(e for e in app.sources_of("WorkerLambdaFunction") if e.kind == "sqs")
    assert sqs.batch_size is not None and sqs.batch_size.value == 5 and sqs.report_batch_item_failures
    assert [g.retention_days.value for g in app.log_groups if g.retention_days] == [14]
    (alarm,) = app.alarms
    assert alarm.has_actions and alarm.metrics[0].metric_name == "Errors"
    assert alarm.metrics[0].functions == frozenset({"WorkerLambdaFunction"})
