"""DEP: how a function is released and rolled back, and what each release leaves behind."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, Function
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.queries import code_facts_once


def _aliased(app: Application, fn: Function) -> bool:
    return bool(fn.alias) or any(a.function == fn.id for a in app.aliases)


class NoVersionAlias(Rule):
    """
    ## What it does
    Flags a function deployed without published versions and an alias (SAM `AutoPublishAlias`, or
    `AWS::Lambda::Version` plus `AWS::Lambda::Alias`).

    ## Why is this bad?
    Every deploy overwrites `$LATEST` in place. There is no previous version to point traffic back to, so a
    rollback is a full redeploy of old code, under pressure.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          AutoPublishAlias: live
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html
    """

    id = "DEP001"
    slug = "no-version-alias"
    severity = Severity.INFO
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            if not _aliased(app, fn):
                yield self.on_function(app, fn, "deployed without versions and an alias: no quick rollback",
                                       "set AutoPublishAlias (SAM) or publish a Version behind an Alias")


class NoGradualDeployment(Rule):
    """
    ## What it does
    Flags an aliased function with no traffic-shifting deployment preference (SAM `DeploymentPreference`
    with CodeDeploy), or with one that has no alarms to roll back on.

    ## Why is this bad?
    The alias switches all traffic to the new version at once. With canary or linear shifting and alarms,
    a bad release reaches a few percent of requests and is rolled back automatically.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          AutoPublishAlias: live
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          AutoPublishAlias: live
          DeploymentPreference:
            Type: Canary10Percent5Minutes
            Alarms: [!Ref FnErrors]
      FnErrors:
        Type: AWS::CloudWatch::Alarm
        Properties:
          Namespace: AWS/Lambda
          MetricName: Errors
          Dimensions: [{Name: FunctionName, Value: !Ref Fn}]
          Statistic: Sum
          Period: 60
          EvaluationPeriods: 1
          Threshold: 1
          ComparisonOperator: GreaterThanOrEqualToThreshold
    ```

    ## References
    - https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html
    """

    id = "DEP002"
    slug = "no-gradual-deployment"
    severity = Severity.INFO

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            if not _aliased(app, fn):
                continue
            dp = fn.deployment_preference
            if dp is None or not dp.enabled:
                yield self.on_function(app, fn, "aliased, but every release shifts all traffic at once",
                                       "add a DeploymentPreference (Canary or Linear) with rollback alarms")
            elif not dp.alarms:
                yield self.on_function(app, fn, "deployment preference has no Alarms: a bad release is never "
                                       "rolled back automatically", "list the function's error alarms under "
                                       "DeploymentPreference.Alarms", ref=dp.ref)


class UnboundedVersionHistory(Rule):
    """
    ## What it does
    Flags a function for which every deploy publishes and keeps a new version (SAM `AutoPublishAlias`,
    retained `AWS::Lambda::Version` resources as CDK's `currentVersion` creates, the Serverless Framework's
    `versionFunctions` default) while nothing in the project prunes old versions.

    ## Why is this bad?
    Every version keeps a full copy of the code. All versions of all functions count against the regional
    code-storage quota of 75 GB; a team deploying a 60 MB package a few times a day fills it within a couple
    of years, and from then on every deploy in the region fails.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          AutoPublishAlias: live
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Metadata:
          lambdoctor:
            ignore: [DEP003]  # old versions are pruned by `lambdoctor prune --apply` in the pipeline
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          AutoPublishAlias: live
    ```
    Prune as part of the pipeline (`lambdoctor prune --keep 3 --apply`), and say so.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html
    """

    id = "DEP003"
    slug = "unbounded-version-history"
    severity = Severity.WARNING

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        if app.version_pruning:
            return
        fix = "prune old versions in the pipeline (lambdoctor prune --keep 3 --apply)"
        if app.kind == "serverless":
            fix = ("add serverless-prune-plugin with custom.prune.automatic: true, or set provider.versionFunctions: "
                   "false when nothing uses the versions")
        for fn in app.functions.values():
            if fn.publishes_versions:
                yield self.on_function(app, fn, "every deploy publishes and keeps a new version, and nothing prunes "
                                       "them: the 75 GB code-storage quota fills up over time", fix)


class HardcodedEnvironmentConfig(Rule):
    """
    ## What it does
    Flags handler code that hard-codes what belongs to a deployment: account IDs, ARNs, AWS endpoints
    (`https://sqs.eu-west-1.amazonaws.com/...`) and the names of buckets, tables, queues, topics or functions
    passed straight to SDK calls. The default of `os.environ.get("X", "default")` is configuration and is
    not flagged, nor are ARNs that are the same everywhere: AWS managed policies (account `aws`), EventBridge
    Scheduler's universal targets and Step Functions' service integrations (`arn:aws:scheduler:::aws-sdk:...`,
    `arn:aws:states:::lambda:invoke`).

    ## Why is this bad?
    The same code cannot be deployed to a second stage, region or account without editing it: the test
    stack writes to the production table, a rename in the template breaks the code, and nothing in the
    template tells that the function depends on the resource.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Notify:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          InlineCode: |
            import boto3
            SNS = boto3.client("sns")
            def handler(event, context):
                SNS.publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:orders", Message="new order")
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Orders:
        Type: AWS::SNS::Topic
      Notify:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          Environment: {Variables: {TOPIC_ARN: !Ref Orders}}
          InlineCode: |
            import os, boto3
            SNS = boto3.client("sns")
            def handler(event, context):
                SNS.publish(TopicArn=os.environ["TOPIC_ARN"], Message="new order")
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
    - https://12factor.net/config
    """

    id = "DEP004"
    slug = "hardcoded-environment-config"
    severity = Severity.INFO
    confidence = "medium"
    confidence_note = ("a literal account ID, Region or ARN is taken as environment-specific; some are shared on "
                       "purpose")
    evidence = "code"

    _WHAT = {"account-id": "an account ID", "arn": "an ARN", "endpoint": "an AWS endpoint",
             "resource-name": "a resource name"}

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn, lit in code_facts_once(app, lambda f: f.literals):
            shown = lit.value if len(lit.value) <= 80 else lit.value[:77] + "..."
            yield self.on_function(
                app, fn, f"{self._WHAT[lit.kind]} is hard-coded ({shown!r}): the code is tied to one "
                "account, region or stage", "pass it in through an environment variable set from the template "
                "(Ref/GetAtt), and read it with os.environ", ref=lit.ref)


RULES: tuple[type[Rule], ...] = (NoVersionAlias, NoGradualDeployment, UnboundedVersionHistory,
                                 HardcodedEnvironmentConfig)
