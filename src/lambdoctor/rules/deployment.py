"""DEP: how a function is released and rolled back, and what each release leaves behind."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, Function
from lambdoctor.rules.base import Context, Rule


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
          Handler: app.handler
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
          Handler: app.handler
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
          Handler: app.handler
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
          Handler: app.handler
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
          Handler: app.handler
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
          Handler: app.handler
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
        for fn in app.functions.values():
            if fn.publishes_versions:
                yield self.on_function(app, fn, "every deploy publishes and keeps a new version, and nothing prunes "
                                       "them: the 75 GB code-storage quota fills up over time",
                                       "prune old versions in the pipeline (lambdoctor prune --keep 3 --apply)")


RULES: tuple[type[Rule], ...] = (NoVersionAlias, NoGradualDeployment, UnboundedVersionHistory)
