"""REL: configuration that makes a function fail, retry badly or lose data."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.facts import SdkCall
from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, EnvVar, EventSource, Function, Statement, known_int
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.queries import (
    POLL_BATCH_KINDS,
    STREAM_KINDS,
    resources_named_by,
    role_of,
    statement_allows,
    statement_targets,
)


class ApiTimeoutOverIntegrationLimit(Rule):
    """
    ## What it does
    Flags a function behind API Gateway whose timeout is at or above the integration timeout (REST API: 29 s
    unless the integration sets a larger `TimeoutInMillis`; HTTP API: 30 s), or within a few seconds of it.
    The integrations are read from SAM events, `AWS::ApiGateway::Method`, `AWS::ApiGatewayV2::Integration`,
    an HTTP API's quick-create `Target`, and the `x-amazon-apigateway-integration` of an inline OpenAPI
    definition (`DefinitionBody`, `Body`). An asynchronous integration (`X-Amz-Invocation-Type: 'Event'`)
    answers at once and is REL005's instead.

    ## Why is this bad?
    When the integration times out, the client gets a 504 while the function keeps running, and is billed,
    to completion. Clients then retry, so one slow dependency doubles the load on itself. Without a few
    seconds of buffer the function cannot even return its own, better error in time.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Report:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): return {'statusCode': 200}"
          Timeout: 60
          Events:
            Get:
              Type: Api
              Properties: {Path: /report, Method: get}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Report:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): return {'statusCode': 200}"
          Timeout: 20
          Events:
            Get:
              Type: Api
              Properties: {Path: /report, Method: get}
    ```
    Long work behind an API belongs in an asynchronous job that the client polls.

    ## References
    - https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
    - https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
    """

    id = "REL001"
    slug = "api-timeout-over-integration-limit"
    severity = Severity.ERROR

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        warn_at = ctx.threshold("api_timeout_warning_seconds")
        for fn in app.functions.values():
            timeout = known_int(fn.timeout)
            if timeout is None:
                continue
            for es in app.sources_of(fn.id):
                limit_ms = known_int(es.integration_timeout_ms)
                if es.kind not in ("api", "http_api") or es.mode == "async" or limit_ms is None:
                    continue  # an asynchronous integration answers at once: its function may run long
                label = "REST API" if es.kind == "api" else "HTTP API"
                limit = limit_ms / 1000
                if timeout * 1000 >= limit_ms:
                    yield self.on_function(
                        app, fn,
                        f"timeout {timeout} s is at or above the {label} integration timeout of {limit:g} s: the "
                        "client gets a 504 while the function keeps running",
                        f"set Timeout below {limit:g} s (at most {warn_at:g} s), or move the work to an async job",
                        ref=fn.timeout.ref or es.ref)
                    break
                elif timeout > warn_at:
                    yield self.on_function(
                        app, fn,
                        f"timeout {timeout} s leaves less than {limit - warn_at:g} s of buffer below the {label} "
                        f"integration timeout of {limit:g} s",
                        f"set Timeout to {warn_at:g} s or less so the function can answer before the gateway gives up",
                        ref=fn.timeout.ref or es.ref, severity=Severity.WARNING)
                break  # one finding per function, however many routes share the integration limit


class TimeoutNotSet(Rule):
    """
    ## What it does
    Flags a function without `Timeout`, which then runs with Lambda's default of 3 seconds.

    ## Why is this bad?
    Three seconds is rarely a decision anybody made: a cold start plus one slow downstream call exceeds it, and
    the invocation fails with "Task timed out after 3.00 seconds". The right value follows from the work and
    from what invokes the function (an API's 29 s, a queue's visibility timeout).

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 15
    ```
    A `Timeout` in SAM's `Globals.Function` counts as set.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
    """

    id = "REL002"
    slug = "timeout-not-set"
    severity = Severity.WARNING

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            if fn.timeout.origin == "platform-default":
                yield self.on_function(app, fn, "Timeout is not set: Lambda's default of 3 seconds applies",
                                       "set Timeout to what the work needs (and below what invokes it)")


class SqsVisibilityBelowTimeout(Rule):
    """
    ## What it does
    Flags an SQS queue feeding a function whose visibility timeout is below six times the function timeout
    (plus the batching window), as the Lambda Developer Guide recommends; an error when it is below the
    function timeout itself.

    ## Why is this bad?
    While a batch is being processed its messages are invisible for the visibility timeout. If that runs out
    first, the messages reappear and another invocation processes them again: duplicates. A visibility timeout
    below the function timeout is rejected when the mapping is created ("Queue visibility timeout: 30 seconds
    is less than Function timeout: 60 seconds"). The 6× margin leaves room for throttling retries.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Jobs:
        Type: AWS::SQS::Queue
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 60
          Events:
            Queue:
              Type: SQS
              Properties:
                Queue: !GetAtt Jobs.Arn
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Jobs:
        Type: AWS::SQS::Queue
        Properties:
          VisibilityTimeout: 360
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 60
          Events:
            Queue:
              Type: SQS
              Properties:
                Queue: !GetAtt Jobs.Arn
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    """

    id = "REL003"
    slug = "sqs-visibility-below-timeout"
    severity = Severity.ERROR

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        factor = ctx.threshold("sqs_visibility_factor")
        for es in app.event_sources:
            if es.kind != "sqs" or not es.source or not es.source.ref:
                continue
            queue = app.queues.get(es.source.ref)
            fn = app.functions.get(es.function)
            if queue is None or fn is None:
                continue
            visibility, timeout = known_int(queue.visibility_timeout), known_int(fn.timeout)
            window = known_int(es.batching_window) or 0
            if visibility is None or timeout is None:
                continue
            needed = int(factor * timeout + window)
            default = " (the default)" if queue.visibility_timeout.is_default else ""
            where = queue.visibility_timeout.ref or queue.ref
            if visibility < timeout:
                yield self.finding(
                    app, where, queue.id,
                    f"visibility timeout {visibility} s{default} is below the timeout of {fn.id} ({timeout} s): "
                    "the deployment fails, or messages are processed twice",
                    f"set VisibilityTimeout to at least {needed} s ({factor:g} × {timeout} s + {window} s window)")
            elif visibility < needed:
                yield self.finding(
                    app, where, queue.id,
                    f"visibility timeout {visibility} s{default} is below {factor:g} × the timeout of {fn.id} "
                    f"({timeout} s) + batching window ({window} s) = {needed} s: messages can reappear while "
                    "being processed",
                    f"set VisibilityTimeout to at least {needed} s", severity=Severity.WARNING)


class BatchWithoutPartialFailureReport(Rule):
    """
    ## What it does
    Flags an SQS, Kinesis or DynamoDB-stream event source with a batch size above 1 that does not enable
    `FunctionResponseTypes: [ReportBatchItemFailures]`.

    ## Why is this bad?
    Without partial batch responses, one bad record fails the whole batch: every message in it is retried
    (SQS: processed again, duplicates), or the whole shard waits (streams). With the setting, the handler
    returns the IDs that failed and only those are retried.

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
          Events:
            Queue:
              Type: SQS
              Properties:
                Queue: !GetAtt Jobs.Arn
                BatchSize: 10
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
              Properties:
                Queue: !GetAtt Jobs.Arn
                BatchSize: 10
                FunctionResponseTypes: [ReportBatchItemFailures]
    ```
    The handler must then return `{"batchItemFailures": [{"itemIdentifier": <messageId>}]}`.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
    - https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
    """

    id = "REL004"
    slug = "batch-without-partial-failure-report"
    severity = Severity.WARNING

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for es in app.event_sources:
            if es.kind not in POLL_BATCH_KINDS or es.report_batch_item_failures or es.function not in app.functions:
                continue
            size = known_int(es.batch_size)
            if size is None or size <= 1:
                continue
            default = " (the default)" if es.batch_size and es.batch_size.is_default else ""
            yield self.finding(
                app, es.ref, es.function,
                f"{es.kind} batch of {size}{default} without ReportBatchItemFailures: one failing record makes "
                "the whole batch retry",
                "add FunctionResponseTypes: [ReportBatchItemFailures] and return batchItemFailures from the handler")


class AsyncWithoutFailureDestination(Rule):
    """
    ## What it does
    Flags a function invoked asynchronously (S3, SNS, EventBridge, schedules, CloudWatch Logs, IoT, an API
    Gateway integration with `X-Amz-Invocation-Type: 'Event'`, or a permission for such a service) that has
    neither a dead-letter queue nor an `OnFailure` destination. Synchronous (API) and poll-based (SQS, streams)
    triggers are not asynchronous invocations and are not flagged.

    ## Why is this bad?
    Lambda retries a failed asynchronous event twice and then discards it. Without a DLQ or an on-failure
    destination the event is gone and nothing records that it existed.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Nightly:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 60
          Events:
            Every:
              Type: Schedule
              Properties: {Schedule: rate(1 day)}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Failed:
        Type: AWS::SQS::Queue
      Nightly:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 60
          EventInvokeConfig:
            DestinationConfig:
              OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}
          Events:
            Every:
              Type: Schedule
              Properties: {Schedule: rate(1 day)}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
    """

    id = "REL005"
    slug = "async-without-failure-destination"
    severity = Severity.WARNING

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            triggers = sorted({e.kind for e in app.sources_of(fn.id) if e.mode == "async"})
            if not triggers:
                continue
            if fn.dead_letter is not None or (fn.async_config and fn.async_config.on_failure is not None):
                continue
            yield self.on_function(
                app, fn,
                f"invoked asynchronously ({', '.join(triggers)}) with no dead-letter queue or on-failure "
                "destination: events that still fail after 2 retries are dropped",
                "add an OnFailure destination (EventInvokeConfig.DestinationConfig) or a DeadLetterQueue")


class StreamRetriesUnbounded(Rule):
    """
    ## What it does
    Flags a Kinesis or DynamoDB-stream event source that keeps the defaults of unlimited retries and no
    maximum record age, and has no on-failure destination (an error). With retries or the record age bounded
    but no on-failure destination, Lambda discards the failing batch once they run out: a warning, since the
    records are then lost without a trace.

    ## Why is this bad?
    A stream is processed in order per shard. With the defaults, one record the function cannot process is
    retried until it expires from the stream (24 hours to a year later), and every record behind it in that
    shard waits: the iterator age climbs and the pipeline silently stops.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Clicks:
        Type: AWS::Kinesis::Stream
        Properties: {ShardCount: 1}
      Consumer:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 30
          Events:
            Stream:
              Type: Kinesis
              Properties:
                Stream: !GetAtt Clicks.Arn
                StartingPosition: LATEST
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Clicks:
        Type: AWS::Kinesis::Stream
        Properties: {ShardCount: 1}
      Poison:
        Type: AWS::SQS::Queue
      Consumer:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 30
          Events:
            Stream:
              Type: Kinesis
              Properties:
                Stream: !GetAtt Clicks.Arn
                StartingPosition: LATEST
                MaximumRetryAttempts: 3
                BisectBatchOnFunctionError: true
                DestinationConfig:
                  OnFailure: {Destination: !GetAtt Poison.Arn}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-errors.html
    """

    id = "REL006"
    slug = "stream-retries-unbounded"
    severity = Severity.ERROR

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for es in app.event_sources:
            if es.kind not in STREAM_KINDS or es.function not in app.functions or es.on_failure is not None:
                continue
            retries, age = known_int(es.maximum_retry_attempts), known_int(es.maximum_record_age)
            if retries == -1 and age == -1:
                yield self.finding(
                    app, es.ref, es.function,
                    f"{es.kind} stream source retries a failing batch forever (no MaximumRetryAttempts, no "
                    "MaximumRecordAgeInSeconds, no on-failure destination): one poison record blocks the shard",
                    "set MaximumRetryAttempts, BisectBatchOnFunctionError and an OnFailure destination")
            elif retries is not None and age is not None:
                # "If the error handling measures fail, Lambda discards the records and continues processing
                # batches from the stream"; an on-failure destination keeps them.
                # https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
                bound = (f"{retries} retries" if retries != -1 else f"{age} s of record age")
                yield self.finding(
                    app, es.ref, es.function,
                    f"{es.kind} stream source discards a failing batch after {bound} and has no on-failure "
                    "destination: its records are lost without a trace",
                    "add DestinationConfig.OnFailure (an SQS queue or SNS topic) to keep the failed batches' "
                    "metadata", severity=Severity.WARNING)


class QueueWithoutRedrive(Rule):
    """
    ## What it does
    Flags an SQS queue consumed by a function that has no redrive policy (a dead-letter queue with a
    `maxReceiveCount`).

    ## Why is this bad?
    A message the function can never process returns to the queue after each visibility timeout and is
    received again, and again, until the retention period (4 days by default) ends, costing an invocation
    each time and hiding among good messages. A DLQ takes it out of the way after a few attempts.

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
          Events:
            Queue:
              Type: SQS
              Properties: {Queue: !GetAtt Jobs.Arn}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      JobsDlq:
        Type: AWS::SQS::Queue
      Jobs:
        Type: AWS::SQS::Queue
        Properties:
          VisibilityTimeout: 180
          RedrivePolicy:
            deadLetterTargetArn: !GetAtt JobsDlq.Arn
            maxReceiveCount: 5
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
    - https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    """

    id = "REL007"
    slug = "queue-without-redrive"
    severity = Severity.WARNING

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        consumers_of: dict[str, set[str]] = {}
        for es in app.event_sources:
            if es.kind == "sqs" and es.source and es.source.ref and es.function in app.functions:
                consumers_of.setdefault(es.source.ref, set()).add(es.function)
        for qid in sorted(consumers_of):
            queue = app.queues.get(qid)
            if queue is None or queue.dead_letter is not None:
                continue
            consumers = sorted(consumers_of[qid])
            yield self.finding(
                app, queue.ref, queue.id,
                f"queue consumed by {', '.join(consumers)} has no redrive policy: a message that always fails is "
                "retried until it expires",
                "add RedrivePolicy with a dead-letter queue and a maxReceiveCount (3–5 is typical)")


# Actions that write to a trigger's resource, per trigger kind (REL008).
_WRITE_ACTIONS = {
    "s3": ("s3:PutObject",),
    "sqs": ("sqs:SendMessage",),
    "sns": ("sns:Publish",),
    "dynamodb": ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"),
    "kinesis": ("kinesis:PutRecord", "kinesis:PutRecords"),
}


class RecursiveTrigger(Rule):
    """
    ## What it does
    Flags a function that is triggered by a resource its role lets it write to: an S3 bucket it can put
    objects into, a queue it can send to, a topic it can publish to, a table whose stream triggers it, a
    Kinesis stream it can put records into. When the handler code is available, the finding points at the
    call that writes to the trigger (through an environment variable that references it, or, for S3, the
    bucket named in the event record). The role's resource is matched by reference, by literal name, or by the
    same deploy-time name (`!Sub "${AWS::StackName}-photos"` in both the bucket and the policy, as SAM's
    documentation suggests to avoid a circular dependency). Also flags `RecursiveLoop: Allow`, which turns off
    Lambda's loop detection.

    ## Why is this bad?
    One write inside the handler triggers the next invocation, which writes again: an infinite loop that runs
    up the bill at the speed of the account's concurrency. Lambda stops some loops after about 16 rounds, but
    not every service is covered, and `RecursiveLoop: Allow` disables that protection.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Uploads:
        Type: AWS::S3::Bucket
      Resize:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 30
          Policies:
            - S3CrudPolicy: {BucketName: !Ref Uploads}
          Events:
            Upload:
              Type: S3
              Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Uploads:
        Type: AWS::S3::Bucket
      Thumbnails:
        Type: AWS::S3::Bucket
      Resize:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 30
          Policies:
            - S3ReadPolicy: {BucketName: !Ref Uploads}
            - S3WritePolicy: {BucketName: !Ref Thumbnails}
          Events:
            Upload:
              Type: S3
              Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}
    ```
    Write the output somewhere else. When the same bucket is unavoidable, filter the trigger by a prefix that
    the output never uses (reported as a warning with lower confidence).

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html
    - https://docs.aws.amazon.com/lambda/latest/dg/with-s3-tutorial.html
    """

    id = "REL008"
    slug = "recursive-trigger"
    severity = Severity.ERROR
    evidence = "iac, cross"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            if fn.recursive_loop == "Allow":
                yield self.on_function(
                    app, fn, "RecursiveLoop: Allow turns off Lambda's recursive-loop detection",
                    "remove RecursiveLoop (the default, Terminate, stops loops after about 16 rounds)")
            role = role_of(app, fn)
            facts = app.code.get(fn.id)
            seen: set[str] = set()
            for es in app.sources_of(fn.id):
                if not es.source or not es.source.ref or es.source.ref in seen:
                    continue  # two triggers from one bucket (created, removed) are one loop, said once
                seen.add(es.source.ref)
                written = self._written_by_code(app, fn, es) if facts else None
                if written is not None:  # the code's own write is the stronger evidence: report that one
                    filtered = es.filtered
                    yield self.on_function(
                        app, fn, f"the handler calls {written.method}() on {es.source.ref}, which triggers this "
                        "function: each write can invoke it again" + (
                            " (the trigger has a key filter; check the output never matches it)" if filtered
                            else ""), "write the output to another resource", ref=written.ref,
                        severity=Severity.WARNING if filtered else None, confidence="medium" if filtered else "high")
                elif role is not None:
                    yield from self._loop(app, fn, es, role.statements)

    @staticmethod
    def _written_by_code(app: Application, fn: Function, es: EventSource) -> SdkCall | None:
        facts = app.code[fn.id]
        writes = _WRITE_ACTIONS.get(es.kind)
        if writes is None or es.source is None:
            return None
        for call in facts.sdk_calls:  # a call writes when an IAM action it needs is a write to the trigger
            if call.service != es.kind or not any(a in writes for need in call.actions or () for a in need):
                continue
            if es.source.ref in resources_named_by(app, fn, call.resource, call.service):
                return call
            # An S3-triggered handler writing to the bucket named in its own event record writes to its trigger.
            if es.kind == "s3" and call.resource is not None and call.resource.event:
                return call
        return None

    def _loop(self, app: Application, fn: Function, es: EventSource, statements: tuple[Statement, ...]
              ) -> Iterator[Finding]:
        assert es.source is not None and es.source.ref is not None
        source = es.source.ref
        kind = es.kind
        actions = _WRITE_ACTIONS.get(kind)
        if actions is None:
            return
        res = app.resources.get(source)
        names = (res.name,) if res and isinstance(res.name, str) else ()
        for st in statements:
            allowed = [a for a in actions if statement_allows(st, a)]
            if allowed and statement_targets(st, source, names, res.symbolic_name if res else None):
                filtered = es.filtered
                yield self.on_function(
                    app, fn,
                    f"triggered by {source} ({kind}) and allowed to {allowed[0]} to it: each write can invoke the "
                    "function again" + (" (the trigger has a key filter; check the output never matches it)"
                                        if filtered else ""),
                    "write the output to another resource, or narrow the permission so it cannot reach the "
                    "trigger", ref=st.ref, severity=Severity.WARNING if filtered else None,
                    confidence="medium" if filtered else "high")
                return


_DB_ENV_NAMES = ("DB_HOST", "DATABASE_URL", "DB_ENDPOINT", "DATABASE_HOST", "RDS_HOST", "RDS_ENDPOINT",
                 "PGHOST", "MYSQL_HOST", "REDIS_HOST", "REDIS_URL", "CACHE_ENDPOINT", "DB_URL", "DB_CLUSTER_ENDPOINT")


def _names_a_proxy(var: EnvVar) -> bool:
    """An RDS Proxy endpoint given as a literal (``<name>.proxy-<id>.<region>.rds.amazonaws.com``) or through a
    parameter that says so by its name (``DbProxyEndpoint``): the proxy pools the connections."""
    return bool(var.literal and ".proxy-" in var.literal) or bool(var.parameter and "proxy" in var.parameter.lower())


_DB_TYPES = frozenset({"AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::ElastiCache::CacheCluster",
                       "AWS::ElastiCache::ReplicationGroup", "AWS::Redshift::Cluster", "AWS::DocDB::DBCluster",
                       "AWS::Neptune::DBCluster"})


class UnboundedConcurrencyToFragileDownstream(Rule):
    """
    ## What it does
    Flags a function without reserved concurrency (and, when SQS is its only trigger, without
    `ScalingConfig.MaximumConcurrency` on every queue) that talks to a connection-limited database or cache: one
    defined in the template that the function's environment points at, or, for a VPC-attached function, a database-like
    setting such as `DB_HOST` or `DATABASE_URL`. A function that reaches the database through an RDS Proxy is
    not flagged: one defined in the template, a proxy endpoint (`<name>.proxy-<id>...rds.amazonaws.com`), or a
    parameter whose name says it holds one (`DbProxyEndpoint`).

    ## Why is this bad?
    Lambda scales to hundreds of concurrent environments in seconds, each with its own connection. A burst
    exhausts the database's `max_connections` and every client, not only Lambda, starts failing.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Db:
        Type: AWS::RDS::DBInstance
        Properties: {Engine: postgres, DBInstanceClass: db.t4g.micro, AllocatedStorage: "20"}
      Api:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          Environment:
            Variables:
              DB_HOST: !GetAtt Db.Endpoint.Address
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Db:
        Type: AWS::RDS::DBInstance
        Properties: {Engine: postgres, DBInstanceClass: db.t4g.micro, AllocatedStorage: "20"}
      Api:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          ReservedConcurrentExecutions: 20
          Environment:
            Variables:
              DB_HOST: !GetAtt Db.Endpoint.Address
    ```
    Or put an RDS Proxy between the function and the database.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html
    """

    id = "REL009"
    slug = "unbounded-concurrency-to-fragile-downstream"
    severity = Severity.WARNING
    confidence = "medium"
    confidence_note = ("which downstream is fragile (a relational database, a connection-limited endpoint) is "
                       "inferred from the code's clients and the environment's names")

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        databases = {rid for rid, r in app.resources.items() if r.type in _DB_TYPES}
        proxies = {rid for rid, r in app.resources.items() if r.type == "AWS::RDS::DBProxy"}
        for fn in app.functions.values():
            if fn.reserved_concurrency is not None:
                continue
            # Capped SQS triggers bound the function only when nothing else invokes it: an API, a URL or any other
            # trigger still scales it to the account's concurrency.
            sources = app.sources_of(fn.id)
            if (sources and all(e.kind == "sqs" and e.maximum_concurrency is not None for e in sources)
                    and not any(u.function == fn.id for u in app.function_urls)):
                continue
            if any(v.refs & proxies or _names_a_proxy(v) for v in fn.environment):
                continue
            target = next((sorted(v.refs & databases)[0] for v in fn.environment if v.refs & databases), None)
            reason = f"connects to {target}" if target else None
            if reason is None and fn.vpc is not None:
                hit = next((v.name for v in fn.environment if v.name.upper() in _DB_ENV_NAMES), None)
                reason = f"is VPC-attached with {hit} set" if hit else None
            if reason is None:
                continue
            yield self.on_function(
                app, fn,
                f"{reason} but has no reserved concurrency: a burst opens one connection per environment and can "
                "exhaust the database's connection limit",
                "set ReservedConcurrentExecutions (or ScalingConfig.MaximumConcurrency for SQS), or use RDS Proxy")


class VpcWithoutEgress(Rule):
    """
    ## What it does
    Flags a VPC-attached function whose subnets, all defined in the same template, route to no NAT gateway
    (or other egress device), in a template with no VPC endpoints, while the function's role lets it call AWS
    services. A route to an internet gateway does not count: Lambda's network interfaces never get public IP
    addresses. Subnets or route tables defined elsewhere are not judged.

    ## Why is this bad?
    Every call to an AWS API (S3, DynamoDB, SQS, Secrets Manager...) or to the internet hangs until the
    function times out. Nothing in the error says "no route"; it just looks like a slow dependency.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Vpc:
        Type: AWS::EC2::VPC
        Properties: {CidrBlock: 10.0.0.0/16}
      Private:
        Type: AWS::EC2::Subnet
        Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
      Routes:
        Type: AWS::EC2::RouteTable
        Properties: {VpcId: !Ref Vpc}
      Assoc:
        Type: AWS::EC2::SubnetRouteTableAssociation
        Properties: {SubnetId: !Ref Private, RouteTableId: !Ref Routes}
      Sg:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupDescription: fn, VpcId: !Ref Vpc}
      Table:
        Type: AWS::DynamoDB::Table
        Properties:
          BillingMode: PAY_PER_REQUEST
          AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          VpcConfig: {SubnetIds: [!Ref Private], SecurityGroupIds: [!Ref Sg]}
          Policies:
            - DynamoDBCrudPolicy: {TableName: !Ref Table}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Vpc:
        Type: AWS::EC2::VPC
        Properties: {CidrBlock: 10.0.0.0/16}
      Private:
        Type: AWS::EC2::Subnet
        Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
      Routes:
        Type: AWS::EC2::RouteTable
        Properties: {VpcId: !Ref Vpc}
      Assoc:
        Type: AWS::EC2::SubnetRouteTableAssociation
        Properties: {SubnetId: !Ref Private, RouteTableId: !Ref Routes}
      DynamoEndpoint:
        Type: AWS::EC2::VPCEndpoint
        Properties:
          VpcId: !Ref Vpc
          ServiceName: !Sub com.amazonaws.${AWS::Region}.dynamodb
          RouteTableIds: [!Ref Routes]
      Sg:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupDescription: fn, VpcId: !Ref Vpc}
      Table:
        Type: AWS::DynamoDB::Table
        Properties:
          BillingMode: PAY_PER_REQUEST
          AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          VpcConfig: {SubnetIds: [!Ref Private], SecurityGroupIds: [!Ref Sg]}
          Policies:
            - DynamoDBCrudPolicy: {TableName: !Ref Table}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
    """

    id = "REL015"
    slug = "vpc-without-egress"
    severity = Severity.WARNING

    # Services whose actions a VPC-attached function needs only for its own plumbing.
    _PLUMBING = ("logs:", "ec2:", "xray:")

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        if app.vpc_endpoints:
            return  # endpoints exist: which services they cover is beyond a template-level judgement
        subnet_tables: dict[str, list[str]] = {}
        for rt in app.route_tables.values():
            for subnet in rt.subnets:
                subnet_tables.setdefault(subnet, []).append(rt.id)
        for fn in app.functions.values():
            if fn.vpc is None or not fn.vpc.subnets:
                continue
            if any(not s.ref or s.ref not in app.resources for s in fn.vpc.subnets):
                continue  # a subnet from elsewhere: its routes are unknown
            if any(s.ref not in subnet_tables for s in fn.vpc.subnets):
                continue  # no explicit association: the VPC's main route table applies, unknown here
            tables = [app.route_tables[t] for s in fn.vpc.subnets for t in subnet_tables[s.ref or ""]]
            if any(r.nat_gateway for t in tables for r in t.routes):
                continue
            role = role_of(app, fn)
            if role is None:
                continue
            calls = sorted({a.split(":", 1)[0] for st in role.statements if st.effect == "Allow"
                            for a in st.actions if not a.startswith(self._PLUMBING)})
            if not calls:
                continue
            yield self.on_function(
                app, fn,
                f"VPC-attached, but its subnets route to no NAT gateway and the template has no VPC endpoints: "
                f"calls to {', '.join(calls[:4])} will hang until the timeout",
                "add a NAT gateway route to the private subnets' route table, or VPC endpoints for the services "
                "it calls", ref=fn.vpc.ref)


RULES: tuple[type[Rule], ...] = (
    ApiTimeoutOverIntegrationLimit,
    TimeoutNotSet,
    SqsVisibilityBelowTimeout,
    BatchWithoutPartialFailureReport,
    AsyncWithoutFailureDestination,
    StreamRetriesUnbounded,
    QueueWithoutRedrive,
    RecursiveTrigger,
    UnboundedConcurrencyToFragileDownstream,
    VpcWithoutEgress,
)
