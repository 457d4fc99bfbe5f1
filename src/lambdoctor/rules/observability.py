"""OBS: alarms, tracing and logs: whether anybody finds out when a function misbehaves."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, LogGroup, Target, Unknown, known_int
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.queries import (
    STREAM_KINDS,
    alarms_on,
    alarms_referencing,
    no_alarm_at_all,
    production_functions,
)

# Triggers that Lambda polls (event source mappings): their failures go to the mapping's own destination.
_POLLED = frozenset({"sqs", "kinesis", "dynamodb", "msk", "kafka", "mq", "documentdb"})

class NoErrorAlarm(Rule):
    """
    ## What it does
    Flags a function with no CloudWatch alarm on its `Errors` metric (directly, or as an input of a metric-math
    error-rate expression such as `Errors / Invocations`). An alarm on `Errors` without a `FunctionName`
    dimension watches every function of the account and counts. An application with not one alarm gets a
    single finding (and OBS002/OBS003 stay silent): the first run of a real project should be worth reading,
    and `lambdoctor alarms` writes them all. Handlers of CloudFormation custom resources, which
    run only while a stack deploys, are not judged by the alarm rules.

    ## Why is this bad?
    Lambda records every failed invocation, but nobody is told. Failures of asynchronous and scheduled
    functions, in particular, are seen by no caller: without an alarm they are found by customers.

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
      Alerts:
        Type: AWS::SNS::Topic
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
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
          AlarmActions: [!Ref Alerts]
    ```
    `lambdoctor alarms` generates this and the other recommended alarms.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#Lambda
    """

    id = "OBS001"
    slug = "no-error-alarm"
    severity = Severity.WARNING
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        if no_alarm_at_all(app):
            functions = production_functions(app)
            n = len(functions)
            if n == 1:  # said on the function itself, where its alarms belong
                yield self.on_function(
                    app, functions[0], "not one alarm in the application: nobody hears of this function's "
                    "errors, throttles or slow runs", "run `lambdoctor alarms` on the template to write an Errors, "
                    "a Throttles and a Duration alarm for it")
                return
            yield self.finding(
                app, None, "Resources",
                f"{n} functions and not one alarm: nobody hears of their errors, throttles or slow runs",
                "run `lambdoctor alarms` on the template (or `--from-audit` on an account snapshot) to write an "
                "Errors, a Throttles and a Duration alarm for each function")
            return
        for fn in production_functions(app):
            if not alarms_on(app, fn, {"Errors"}):
                yield self.on_function(app, fn, "no alarm watches the function's Errors metric",
                                       "add an alarm on Errors (or an Errors/Invocations rate) with an action")


class NoThrottleAlarm(Rule):
    """
    ## What it does
    Flags a function with no alarm on its `Throttles` metric (where the application has alarms at all: see
    OBS001).

    ## Why is this bad?
    Throttled synchronous calls fail with HTTP 429; throttled asynchronous events wait and may expire. Both
    mean the account or the function's concurrency is exhausted, and both are invisible without an alarm.

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
      FnErrors:  # the application has alarms, but none on this metric
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

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Alerts:
        Type: AWS::SNS::Topic
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
      FnThrottles:
        Type: AWS::CloudWatch::Alarm
        Properties:
          Namespace: AWS/Lambda
          MetricName: Throttles
          Dimensions: [{Name: FunctionName, Value: !Ref Fn}]
          Statistic: Sum
          Period: 60
          EvaluationPeriods: 1
          Threshold: 1
          ComparisonOperator: GreaterThanOrEqualToThreshold
          AlarmActions: [!Ref Alerts]
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    id = "OBS002"
    slug = "no-throttle-alarm"
    severity = Severity.INFO
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        if no_alarm_at_all(app):
            return  # OBS001 says it once for the application
        for fn in production_functions(app):
            if not alarms_on(app, fn, {"Throttles"}):
                yield self.on_function(app, fn, "no alarm watches the function's Throttles metric",
                                       "add an alarm on Throttles ≥ 1")


class NoDurationAlarm(Rule):
    """
    ## What it does
    Flags a function with no alarm on `Duration` below its timeout (p99 or Maximum at 80–95 % of the timeout is
    the usual choice), and a `Duration` alarm whose threshold is at or above the timeout, which can never fire
    (the first where the application has alarms at all: see OBS001).

    ## Why is this bad?
    Durations creep up long before the first timeout: a slower dependency, a bigger payload. An alarm just
    below the timeout gives warning; an alarm at the timeout only fires after invocations already failed, and
    above it never fires at all.

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
      FnErrors:  # the application has alarms, but none on this metric
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

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Alerts:
        Type: AWS::SNS::Topic
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
      FnDuration:
        Type: AWS::CloudWatch::Alarm
        Properties:
          Namespace: AWS/Lambda
          MetricName: Duration
          Dimensions: [{Name: FunctionName, Value: !Ref Fn}]
          ExtendedStatistic: p99
          Period: 300
          EvaluationPeriods: 1
          Threshold: 8000
          ComparisonOperator: GreaterThanThreshold
          AlarmActions: [!Ref Alerts]
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    id = "OBS003"
    slug = "no-duration-alarm"
    severity = Severity.WARNING
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        if no_alarm_at_all(app):
            return  # OBS001 says it once for the application
        for fn in production_functions(app):
            alarms = alarms_on(app, fn, {"Duration"})
            timeout = known_int(fn.timeout)
            if not alarms:
                yield self.on_function(app, fn, "no alarm watches the function's Duration",
                                       "add a p99 Duration alarm at 80–95 % of the timeout")
                continue
            if timeout is None:
                continue
            limit_ms = timeout * 1000
            useful = [a for a in alarms if not isinstance(a.threshold, float) or a.threshold < limit_ms]
            if not useful:
                a = alarms[0]
                yield self.finding(app, a.ref, a.id,
                                   f"Duration alarm threshold {a.threshold:g} ms is at or above the timeout of "
                                   f"{fn.id} ({limit_ms} ms): it can never fire before invocations fail",
                                   f"set the threshold to about {int(limit_ms * 0.8)} ms (80 % of the timeout)")


class NoIteratorAgeAlarm(Rule):
    """
    ## What it does
    Flags a function triggered by a Kinesis or DynamoDB stream with no alarm on its `IteratorAge` metric.

    ## Why is this bad?
    A stream consumer that falls behind, or is stuck on a poison record, shows it only in `IteratorAge`: the
    age of the last record read. Records older than the stream's retention are lost without a trace.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Clicks:
        Type: AWS::Kinesis::Stream
        Properties: {ShardCount: 1}
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          Events:
            S:
              Type: Kinesis
              Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Alerts:
        Type: AWS::SNS::Topic
      Clicks:
        Type: AWS::Kinesis::Stream
        Properties: {ShardCount: 1}
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          Events:
            S:
              Type: Kinesis
              Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST}
      FnIteratorAge:
        Type: AWS::CloudWatch::Alarm
        Properties:
          Namespace: AWS/Lambda
          MetricName: IteratorAge
          Dimensions: [{Name: FunctionName, Value: !Ref Fn}]
          Statistic: Maximum
          Period: 60
          EvaluationPeriods: 5
          Threshold: 60000
          ComparisonOperator: GreaterThanThreshold
          AlarmActions: [!Ref Alerts]
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics
    """

    id = "OBS004"
    slug = "no-iterator-age-alarm"
    severity = Severity.WARNING
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            if any(e.kind in STREAM_KINDS for e in app.sources_of(fn.id)) and not alarms_on(app, fn, {"IteratorAge"}):
                yield self.on_function(app, fn, "stream consumer with no alarm on IteratorAge",
                                       "alarm when the Maximum IteratorAge exceeds a minute or two")


class FailureDestinationUnwatched(Rule):
    """
    ## What it does
    Flags a function whose dead-letter queue or on-failure destination (of the function, of its stream
    mappings, or of the queue that feeds it) has no alarm: not on `DeadLetterErrors` or
    `DestinationDeliveryFailures`, nor on anything of the destination itself (such as the DLQ's
    `ApproximateNumberOfMessagesVisible`). The function's own DLQ and async OnFailure are left out when only
    pollers (queues, streams, brokers) trigger it: only asynchronous invocations reach them. A destination
    defined outside the template (imported, passed in) is reported with medium confidence: its alarm may
    live where it is defined.

    ## Why is this bad?
    A DLQ nobody watches is a slower way to lose data: failed events pile up unseen until their retention
    (4 days by default for SQS) ends.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Dlq:
        Type: AWS::SQS::Queue
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Alerts:
        Type: AWS::SNS::Topic
      Dlq:
        Type: AWS::SQS::Queue
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}
      DlqDepth:
        Type: AWS::CloudWatch::Alarm
        Properties:
          Namespace: AWS/SQS
          MetricName: ApproximateNumberOfMessagesVisible
          Dimensions: [{Name: QueueName, Value: !GetAtt Dlq.QueueName}]
          Statistic: Maximum
          Period: 300
          EvaluationPeriods: 1
          Threshold: 1
          ComparisonOperator: GreaterThanOrEqualToThreshold
          AlarmActions: [!Ref Alerts]
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
    """

    id = "OBS005"
    slug = "failure-destination-unwatched"
    severity = Severity.WARNING
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            destinations: list[Target] = []
            sources = app.sources_of(fn.id)
            # A function's DLQ and async OnFailure receive only asynchronous invocations: with pollers as the
            # only triggers (queues, streams, brokers) nothing ever lands there.
            polled_only = bool(sources) and all(es.kind in _POLLED for es in sources)
            if fn.dead_letter and not polled_only:
                destinations.append(fn.dead_letter)
            if fn.async_config and fn.async_config.on_failure and not polled_only:
                destinations.append(fn.async_config.on_failure)
            for es in sources:
                if es.on_failure:
                    destinations.append(es.on_failure)
                queue = app.queues.get(es.source.ref) if es.kind == "sqs" and es.source and es.source.ref else None
                if queue is not None:
                    dlq = queue.dead_letter
                    if dlq:
                        destinations.append(dlq)
            if not destinations:
                continue
            if alarms_on(app, fn, {"DeadLetterErrors", "DestinationDeliveryFailures"}):
                continue
            unwatched = [d for d in destinations if not (d.ref and alarms_referencing(app, d.ref))]
            if len(unwatched) < len(destinations) or not unwatched:
                continue
            outside = all(d.ref is None for d in unwatched)  # imported or passed in: its alarm may live there
            yield self.on_function(
                app, fn,
                f"failed events go to {', '.join(sorted({d.display for d in unwatched}))}, but no alarm watches it"
                + (" here (it is defined outside this template)" if outside else ""),
                "alarm on the DLQ's ApproximateNumberOfMessagesVisible ≥ 1 (and on DeadLetterErrors)",
                confidence="medium" if outside else None)


class TracingDisabled(Rule):
    """
    ## What it does
    Flags a function without active X-Ray tracing (`Tracing: Active`, or `TracingConfig.Mode: Active`).

    ## Why is this bad?
    Without traces, a slow invocation cannot be broken down into its downstream calls, and a request cannot
    be followed across functions, queues and APIs.

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
          Tracing: Active
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
    """

    id = "OBS006"
    slug = "tracing-disabled"
    severity = Severity.INFO
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            if fn.tracing != "Active" and not isinstance(fn.tracing, Unknown):
                yield self.on_function(app, fn, "active tracing is off", "set Tracing: Active")


class LogRetentionUnset(Rule):
    """
    ## What it does
    Flags a function whose log group is not defined with a `RetentionInDays`: either no log group resource
    exists for it (Lambda then creates `/aws/lambda/<name>` on first invocation, with no expiry) or the one
    defined has no retention.

    ## Why is this bad?
    Logs are kept, and billed for storage, forever. A log group created by Lambda is also left behind when the
    stack is deleted.

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
      FnLogs:
        Type: AWS::Logs::LogGroup
        Properties:
          LogGroupName: !Sub /aws/lambda/${Fn}
          RetentionInDays: 30
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention
    """

    id = "OBS007"
    slug = "log-retention-unset"
    severity = Severity.WARNING
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        by_function: dict[str, list[LogGroup]] = {}
        by_id = {g.id: g for g in app.log_groups}
        for g in app.log_groups:
            if g.function:
                by_function.setdefault(g.function, []).append(g)
        for fn in app.functions.values():
            groups = list(by_function.get(fn.id, []))
            if fn.log_group and fn.log_group.ref in by_id:
                groups.append(by_id[fn.log_group.ref])
            if fn.log_group and not fn.log_group.ref:
                continue  # a log group defined elsewhere: its retention is not known here
            if not groups:
                yield self.on_function(app, fn, "no log group with a retention is defined: logs are kept forever",
                                       "add an AWS::Logs::LogGroup named /aws/lambda/<function> with RetentionInDays")
            elif all(g.retention_days is None for g in groups):
                g = groups[0]
                yield self.finding(app, g.ref, g.id, f"log group of {fn.id} has no RetentionInDays: logs are kept "
                                   "forever", "set RetentionInDays (for example 30)")


class NoInvocationAlarm(Rule):
    """
    ## What it does
    Flags a scheduled, queue- or stream-driven function with no alarm on its `Invocations` metric (typically:
    fewer than 1 in a period where work is always expected).

    ## Why is this bad?
    When a schedule is disabled, a mapping is switched off or a permission is lost, the function simply stops
    being invoked. Nothing errors, so no error alarm fires.

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
          Events:
            Hourly:
              Type: Schedule
              Properties: {Schedule: rate(1 hour)}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Alerts:
        Type: AWS::SNS::Topic
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          Events:
            Hourly:
              Type: Schedule
              Properties: {Schedule: rate(1 hour)}
      FnNotRunning:
        Type: AWS::CloudWatch::Alarm
        Properties:
          Namespace: AWS/Lambda
          MetricName: Invocations
          Dimensions: [{Name: FunctionName, Value: !Ref Fn}]
          Statistic: Sum
          Period: 3600
          EvaluationPeriods: 2
          Threshold: 1
          ComparisonOperator: LessThanThreshold
          TreatMissingData: breaching
          AlarmActions: [!Ref Alerts]
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    id = "OBS008"
    slug = "no-invocation-alarm"
    severity = Severity.INFO
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            kinds = {e.kind for e in app.sources_of(fn.id)} & {"schedule", "sqs", "kinesis", "dynamodb", "msk",
                                                               "mq", "kafka"}
            if kinds and not alarms_on(app, fn, {"Invocations"}):
                yield self.on_function(app, fn, f"{'/'.join(sorted(kinds))}-driven function with no alarm for "
                                       "invocations stopping", "alarm when Invocations < 1 over the expected period")


class AlarmWithoutAction(Rule):
    """
    ## What it does
    Flags a CloudWatch alarm on a function's metrics that has no `AlarmActions`.

    ## Why is this bad?
    The alarm changes colour on a dashboard nobody is looking at. An alarm should notify someone (an SNS topic
    to a pager, chat or e-mail) or trigger a rollback.

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

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Alerts:
        Type: AWS::SNS::Topic
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
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
          AlarmActions: [!Ref Alerts]
    ```

    ## References
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
    """

    id = "OBS009"
    slug = "alarm-without-action"
    severity = Severity.WARNING
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        by_name = {fn.name: fid for fid, fn in app.functions.items() if fn.name}
        for alarm in app.alarms:
            if alarm.has_actions or alarm.actions_unknown:
                continue
            watched = sorted({f for m in alarm.metrics for f in m.functions}
                             | {by_name[n] for m in alarm.metrics for n in m.function_names if n in by_name})
            if watched:
                yield self.finding(app, alarm.ref, alarm.id,
                                   f"alarm on {', '.join(watched)} has no AlarmActions: nobody is told when it fires",
                                   "add AlarmActions (an SNS topic that reaches a person)")


RULES: tuple[type[Rule], ...] = (NoErrorAlarm, NoThrottleAlarm, NoDurationAlarm, NoIteratorAgeAlarm,
                                 FailureDestinationUnwatched, TracingDisabled, LogRetentionUnset, NoInvocationAlarm,
                                 AlarmWithoutAction)
