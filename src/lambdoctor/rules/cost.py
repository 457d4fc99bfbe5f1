"""COST: configuration that costs money without buying anything."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, known_int
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.queries import code_facts_once, is_latency_sensitive


class ProvisionedConcurrencyWithoutLatencyNeed(Rule):
    """
    ## What it does
    Flags provisioned concurrency on a function that nobody waits on: all its triggers are queues, streams or
    asynchronous events, and no API, load balancer or function URL fronts it.

    ## Why is this bad?
    Provisioned concurrency is billed every second it is configured, used or not (about $0.015 per GB-hour,
    x86, us-east-1: 100 × 1 GB costs about $1,080 a month). It removes cold starts, which matter only when a
    person is waiting; a queue or stream consumer does not notice them.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Jobs:
        Type: AWS::SQS::Queue
        Properties: {VisibilityTimeout: 180}
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 30
          AutoPublishAlias: live
          ProvisionedConcurrencyConfig: {ProvisionedConcurrentExecutions: 10}
          Events:
            Queue:
              Type: SQS
              Properties: {Queue: !GetAtt Jobs.Arn}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Jobs:
        Type: AWS::SQS::Queue
        Properties: {VisibilityTimeout: 180}
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 30
          Events:
            Queue:
              Type: SQS
              Properties: {Queue: !GetAtt Jobs.Arn}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
    - https://aws.amazon.com/lambda/pricing/
    """

    id = "COST001"
    slug = "provisioned-concurrency-without-latency-need"
    severity = Severity.WARNING
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            units = known_int(fn.provisioned_concurrency)
            sources = app.sources_of(fn.id)
            if not units or not sources or is_latency_sensitive(app, fn):
                continue
            kinds = sorted({e.kind for e in sources})
            ref = fn.provisioned_concurrency.ref if fn.provisioned_concurrency else None
            yield self.on_function(
                app, fn,
                f"{units} units of provisioned concurrency on a function only triggered by {', '.join(kinds)}: "
                "nobody waits on its cold starts, but the units are billed around the clock",
                "remove the provisioned concurrency (use reserved concurrency if the goal is a cap)", ref=ref)


_VERBOSE = ("DEBUG", "TRACE")


class DebugLoggingInProduction(Rule):
    """
    ## What it does
    Flags a function whose log level is configured as DEBUG or TRACE, through
    `LoggingConfig.ApplicationLogLevel` or a log-level environment variable (`LOG_LEVEL`,
    `POWERTOOLS_LOG_LEVEL`, ...), or hard-coded in the handler code (`logger.setLevel(logging.DEBUG)`,
    `logging.basicConfig(level="DEBUG")`, Powertools `Logger(level="DEBUG")`).

    ## Why is this bad?
    CloudWatch Logs ingestion costs $0.50 per GB. At debug verbosity a busy function easily writes more log
    bytes than its compute costs, and the one useful line drowns among the rest.

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
          Environment:
            Variables:
              LOG_LEVEL: DEBUG
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
          Environment:
            Variables:
              LOG_LEVEL: INFO
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
    - https://aws.amazon.com/cloudwatch/pricing/
    """

    id = "COST002"
    slug = "debug-logging-in-production"
    severity = Severity.INFO
    evidence = "iac, code"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            if fn.log_level in _VERBOSE:
                yield self.on_function(app, fn, f"log level is {fn.log_level}: log ingestion can cost more than "
                                       "the compute", "log at INFO or WARN in production; raise the level only "
                                       "while investigating", ref=fn.log_level_ref)
        for fn, setting in code_facts_once(app, lambda f: f.log_levels):
            yield self.on_function(
                app, fn, f"the code sets the log level to {setting.value}: log ingestion can "
                "cost more than the compute", "read the level from configuration (LOG_LEVEL or the function's "
                "LoggingConfig) instead of hard-coding it", ref=setting.ref)


RULES: tuple[type[Rule], ...] = (ProvisionedConcurrencyWithoutLatencyNeed, DebugLoggingInProduction)
