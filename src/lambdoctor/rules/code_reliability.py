"""REL rules whose evidence is the handler code, alone or against its configuration."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, Function, known_int
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.queries import (
    POLL_BATCH_KINDS,
    STREAM_KINDS,
    code_facts_once,
    resources_named_by,
    with_code,
)

_API_KINDS = {"api": "API Gateway (REST) answers 502", "http_api": "the HTTP API answers 500",
              "alb": "the load balancer answers 502"}


class SynchronousFunctionChain(Rule):
    """
    ## What it does
    Flags a handler that invokes another Lambda function synchronously: `lambda_client.invoke(...)` without
    `InvocationType` (the default is `RequestResponse`) or with `RequestResponse`. It is an error when the
    callee, found in the same template, has a timeout at or above the caller's.

    ## Why is this bad?
    The caller sits idle, and is billed, for as long as the callee runs; the two functions' concurrency adds
    up, errors and throttles of the callee become the caller's, and when the callee may run as long as the
    caller the caller times out first and retries a call that may still be running.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Pricing:
        Type: AWS::Serverless::Function
        Properties: {Runtime: python3.12, Handler: index.handler, Timeout: 30,
                     InlineCode: "def handler(event, context): return 1"}
      Checkout:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          Environment: {Variables: {PRICING_FUNCTION: !Ref Pricing}}
          InlineCode: |
            import json, os, boto3
            LAMBDA = boto3.client("lambda")
            def handler(event, context):
                out = LAMBDA.invoke(FunctionName=os.environ["PRICING_FUNCTION"], Payload=json.dumps(event))
                return json.load(out["Payload"])
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Pricing:
        Type: AWS::Serverless::Function
        Properties: {Runtime: python3.12, Handler: index.handler, Timeout: 30,
                     InlineCode: "def handler(event, context): return 1"}
      Checkout:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          Environment: {Variables: {PRICING_FUNCTION: !Ref Pricing}}
          InlineCode: |
            import json, os, boto3
            LAMBDA = boto3.client("lambda")
            def handler(event, context):
                LAMBDA.invoke(FunctionName=os.environ["PRICING_FUNCTION"], InvocationType="Event",
                              Payload=json.dumps(event))
                return {"accepted": True}
    ```
    Call the other function asynchronously, or put a queue or a Step Functions workflow between the two; when
    the answer is needed now, move the shared logic into a library both functions import.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/operatorguide/functions-calling-functions.html
    - https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
    """

    id = "REL010"
    slug = "synchronous-function-chain"
    severity = Severity.WARNING
    confidence = "medium"
    confidence_note = ("the callee and its invocation type are read from the code's SDK calls, which may be built "
                       "at run time")
    evidence = "code, cross"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn, facts in with_code(app):
            for call in facts.sdk_calls:
                if call.service != "lambda" or call.operation not in ("Invoke", "InvokeWithResponseStream"):
                    continue
                itype = call.invocation_type
                if call.operation == "Invoke" and itype is not None and itype.literal != "RequestResponse":
                    continue  # Event / DryRun, or set to something the code decides at run time
                callees = sorted(resources_named_by(app, fn, call.resource, "lambda") & set(app.functions))
                caller_timeout = known_int(fn.timeout)
                for callee_id in callees or [""]:
                    callee = app.functions.get(callee_id) if callee_id else None
                    callee_timeout = known_int(callee.timeout) if callee else None
                    literal = call.resource.literal if call.resource else None
                    name = callee_id or (repr(literal) if literal else "another function")
                    if callee_timeout is not None and caller_timeout is not None and callee_timeout >= caller_timeout:
                        yield self.on_function(
                            app, fn, f"waits synchronously for {name} (timeout {callee_timeout} s), which may run "
                            f"as long as this function's own {caller_timeout} s timeout: the caller times out "
                            "first", "invoke with InvocationType='Event' or through a queue; otherwise give the "
                            "callee a timeout well below the caller's", ref=call.ref, severity=Severity.ERROR)
                    else:
                        yield self.on_function(
                            app, fn, f"invokes {name} synchronously: this function waits, and is billed, while it "
                            "runs", "invoke with InvocationType='Event', through a queue or a Step Functions "
                            "workflow, or share the code as a library", ref=call.ref)


class ApiHandlerUnhandledError(Rule):
    """
    ## What it does
    Flags the handler of a function behind API Gateway, an Application Load Balancer or a function URL when an
    exception can leave it: a `raise`, or a statement that can fail, outside any `try` whose `except
    Exception` answers with a response. Handlers run by a web framework adapter (Powertools' `app.resolve`,
    Mangum, ...) or wrapped in an error-handling decorator are not flagged, nor is `json.dumps` of a literal it
    can serialize (a health check returning a constant has nothing to catch). A logging call never raises
    (logging reports its own errors), so the finding names the first line after it that can.

    ## Why is this bad?
    The client gets a bare 502 "Internal server error" (500 from an HTTP API) instead of a status code and a
    message it can act on; a validation error looks like an outage, clients retry requests that can never
    succeed, and the 4xx/5xx metrics no longer tell your bugs from your users' mistakes.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Orders:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          Events:
            Get: {Type: HttpApi, Properties: {Path: "/orders/{id}", Method: get}}
          InlineCode: |
            import json
            def handler(event, context):
                order_id = event["pathParameters"]["id"]
                if not order_id.isdigit():
                    raise ValueError("bad id")
                return {"statusCode": 200, "body": json.dumps({"id": order_id})}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Orders:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          Events:
            Get: {Type: HttpApi, Properties: {Path: "/orders/{id}", Method: get}}
          InlineCode: |
            import json
            def handler(event, context):
                try:
                    order_id = event["pathParameters"]["id"]
                    if not order_id.isdigit():
                        return {"statusCode": 400, "body": json.dumps({"error": "bad id"})}
                    return {"statusCode": 200, "body": json.dumps({"id": order_id})}
                except Exception:
                    return {"statusCode": 500, "body": json.dumps({"error": "internal error"})}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
    - https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html
    """

    id = "REL011"
    slug = "api-handler-unhandled-error"
    severity = Severity.WARNING
    confidence = "medium"
    confidence_note = ("which lines can raise is inferred from the handler's AST; a caller may validate input first")
    evidence = "code, cross"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn, facts in with_code(app):
            kinds = [e.kind for e in app.sources_of(fn.id) if e.kind in _API_KINDS]
            if any(u.function == fn.id for u in app.function_urls):
                kinds.append("url")
            if not kinds or facts.error_framework or facts.unprotected is None:
                continue
            answer = _API_KINDS.get(kinds[0], "the function URL answers 502")
            what = "raises" if facts.unprotected_raise else "can raise"
            yield self.on_function(
                app, fn, f"the handler {what} here with no catch-all that answers with a status code: "
                f"{answer} Internal Server Error and the caller cannot tell why",
                "catch errors in the handler (a 4xx for bad input, a logged 500 for the rest), or use a framework "
                "such as Powertools' event handler that maps exceptions to responses", ref=facts.unprotected)


class SwallowedException(Rule):
    """
    ## What it does
    Flags an `except` clause in code the handler runs that catches everything (`except:`, `except Exception`,
    `except ClientError`, ...) and then only passes, logs or prints, continues, or returns a success: it
    neither re-raises, nor returns an error response, nor records the failure (a `batchItemFailures` entry,
    a list of failures). Clauses that catch a specific exception (`KeyError`, `FileNotFoundError`) are taken
    as deliberate and not flagged. Returning `None` counts as a success only in the handler itself: a helper
    that returns `None` hands its caller a sentinel (a lookup that fails closed). Handlers of CloudFormation
    custom resources (a `ServiceToken`) are left out: they report to CloudFormation's response URL, and AWS's
    own `cfnresponse` module only logs a failed send.

    ## Why is this bad?
    The invocation succeeds. Lambda emits no `Errors` metric, so no alarm fires; asynchronous and queue
    events are not retried and never reach the dead-letter queue: the work is silently lost, and the only
    trace is a log line nobody reads.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 30
          InlineCode: |
            import logging
            def handler(event, context):
                try:
                    charge(event["order"])
                except Exception:
                    logging.exception("charge failed")
            def charge(order):
                return order["total"]
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
          Timeout: 30
          InlineCode: |
            import logging
            def handler(event, context):
                try:
                    charge(event["order"])
                except Exception:
                    logging.exception("charge failed")
                    raise
            def charge(order):
                return order["total"]
    ```
    Log and re-raise, return an error response, or report the failed item; catch only the exceptions you can
    actually handle.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    id = "REL012"
    slug = "swallowed-exception"
    severity = Severity.WARNING
    confidence = "medium"
    confidence_note = ("whether a caught exception is really lost is inferred from the handler's AST")
    evidence = "code"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        swallowed = ("pass", "log", "return-success")
        for fn, clause in code_facts_once(app, lambda f: (c for c in f.excepts if c.broad and c.action in swallowed)):
            if fn.custom_resource_handler:
                # A custom resource reports its outcome to CloudFormation's ResponseURL, not through Errors or
                # retries; AWS's own cfnresponse module logs a failed send the same way.
                continue
            verb = {"pass": "does nothing", "log": "only logs",
                    "return-success": "returns as if all went well"}[clause.action]
            caught = f"except {clause.caught}" if clause.caught else "a bare except"
            yield self.on_function(
                app, fn, f"{caught} {verb}: the invocation succeeds, no Errors metric is emitted and the "
                "event is not retried", "re-raise after logging, return an error response, or record the "
                "failure (batchItemFailures); catch only exceptions you can handle", ref=clause.ref)


class TmpNotCleaned(Rule):
    """
    ## What it does
    Flags code that writes files under `/tmp` with names that change per invocation (an f-string, a
    concatenation, `mkstemp`, `NamedTemporaryFile(delete=False)`) or appends to them, and never removes them:
    no `os.remove`/`unlink`/`shutil.rmtree` in the function that writes, no self-deleting
    `tempfile.TemporaryDirectory`. A `with open(...)` closes the file; it does not delete it. Writing a
    fixed name over and over does not accumulate and is not flagged.

    ## Why is this bad?
    `/tmp` (512 MB by default) belongs to the execution environment, which serves thousands of invocations.
    Each one leaves its files behind until writes fail with "No space left on device", in one warm
    environment at a time, which makes it look random.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Resize:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 30
          InlineCode: |
            import boto3
            S3 = boto3.client("s3")
            def handler(event, context):
                key = event["key"]
                S3.download_file("images", key, f"/tmp/{key}")
                return {"resized": key}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Resize:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 30
          InlineCode: |
            import os, boto3
            S3 = boto3.client("s3")
            def handler(event, context):
                key = event["key"]
                path = f"/tmp/{key}"
                try:
                    S3.download_file("images", key, path)
                    return {"resized": key}
                finally:
                    os.remove(path)
    ```
    Or work inside `with tempfile.TemporaryDirectory() as d:`, which removes everything on exit.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html
    - https://docs.python.org/3/library/tempfile.html#tempfile.TemporaryDirectory
    """

    id = "REL013"
    slug = "tmp-not-cleaned"
    severity = Severity.WARNING
    confidence = "medium"
    confidence_note = ("whether /tmp grows is inferred from the writes the AST shows; a library may clean up")
    evidence = "code"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn, w in code_facts_once(app, lambda f: (t for t in f.tmp_writes if t.unique_names and not t.cleaned)):
            yield self.on_function(
                app, fn, f"{w.what} leaves a file under /tmp that nothing removes, new or larger on every "
                f"invocation: warm environments fill their {known_int(fn.ephemeral_storage) or 512} MB of /tmp "
                "until writes fail",
                "remove the file in a finally block, or use tempfile.TemporaryDirectory()", ref=w.ref)


class BatchResponseMismatch(Rule):
    """
    ## What it does
    Compares the handler of an SQS, Kinesis or DynamoDB-stream function with its event source: the handler
    returns `batchItemFailures` but the event source lacks `FunctionResponseTypes: [ReportBatchItemFailures]`;
    the event source reports item failures but the handler never returns them; or the entries use another key
    than `itemIdentifier`. Powertools' batch utilities build the response themselves and count as returning it.

    ## Why is this bad?
    Without `ReportBatchItemFailures` Lambda ignores the returned list: the invocation succeeded, so every
    message of the batch is deleted, the failed ones included. With it but a handler that never reports, one
    failure still has to fail the whole batch. An entry without `itemIdentifier` makes the response invalid,
    and Lambda retries the whole batch.

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
          Timeout: 30
          Events:
            Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 10}}
          InlineCode: |
            def handler(event, context):
                failures = []
                for record in event["Records"]:
                    if not record["body"]:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
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
          Timeout: 30
          Events:
            Jobs:
              Type: SQS
              Properties:
                Queue: !GetAtt Jobs.Arn
                BatchSize: 10
                FunctionResponseTypes: [ReportBatchItemFailures]
          InlineCode: |
            def handler(event, context):
                failures = []
                for record in event["Records"]:
                    if not record["body"]:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
    - https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
    - https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/
    """

    id = "REL014"
    slug = "batch-response-mismatch"
    severity = Severity.ERROR
    evidence = "cross"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn, facts in with_code(app):
            sources = [e for e in app.sources_of(fn.id) if e.kind in POLL_BATCH_KINDS]
            if not sources or facts.def_ref is None:
                continue
            reporting = [e for e in sources if e.report_batch_item_failures]
            silent = [e for e in sources if not e.report_batch_item_failures]
            if facts.returns_batch_failures is not None and silent:
                yield self.on_function(
                    app, fn, f"the handler returns batchItemFailures, but event source {silent[0].id} lacks "
                    "FunctionResponseTypes: [ReportBatchItemFailures]: Lambda ignores the list and deletes the "
                    "failed messages with the batch", "add FunctionResponseTypes: [ReportBatchItemFailures] to the "
                    "event source", ref=facts.returns_batch_failures)
            if (reporting and facts.returns_batch_failures is None and not facts.batch_utility
                    and not facts.returns_unknown):
                yield self.on_function(
                    app, fn, f"event source {reporting[0].id} reports batch item failures, but the handler never "
                    "returns batchItemFailures: a failed record cannot be retried on its own",
                    "return {'batchItemFailures': [{'itemIdentifier': <messageId or sequence number>}, ...]}, "
                    "or use Powertools' process_partial_response", ref=facts.def_ref)
            for item in facts.batch_items:
                if "itemIdentifier" not in item.keys:
                    key = sorted(item.keys)[0]
                    yield self.on_function(
                        app, fn, f"batchItemFailures entries use the key {key!r}; Lambda reads only "
                        "'itemIdentifier', treats the response as invalid and retries the whole batch",
                        "use {'itemIdentifier': record['messageId']} (SQS) or the record's sequence number "
                        "(streams)", ref=item.ref)


_ASYNC_MAX_EVENT_AGE = 21600  # 6 h: Lambda keeps retrying an async event this long by default
_STREAM_RETENTION = 86400  # 24 h: the default retention of Kinesis and DynamoDB streams


def _hours(seconds: int) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:g} days"
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds} s"


class IdempotencyWindowBelowRetryWindow(Rule):
    """
    ## What it does
    Flags an asynchronously invoked, queue- or stream-triggered handler that uses Powertools idempotency
    with records that expire (`IdempotencyConfig.expires_after_seconds`, default 1 hour) before the platform
    stops redelivering: 6 hours for asynchronous events (`MaximumEventAgeInSeconds`), the queue's retention
    period (or `maxReceiveCount` × visibility timeout with a redrive policy) for SQS, the record age limit or
    the 24 h retention for streams.

    ## Why is this bad?
    A duplicate that arrives after the idempotency record expired is processed again: the payment is taken
    twice, the e-mail goes out twice. Redeliveries hours later are normal: throttling, a failing downstream,
    a long visibility timeout.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Payments:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 30
          Events:
            Paid: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop]}}}
          InlineCode: |
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)
            persistence = DynamoDBPersistenceLayer(table_name="idempotency")
            config = IdempotencyConfig(expires_after_seconds=600)
            @idempotent(config=config, persistence_store=persistence)
            def handler(event, context):
                return {"charged": event["detail"]["amount"]}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Payments:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 30
          Events:
            Paid: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop]}}}
          InlineCode: |
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)
            persistence = DynamoDBPersistenceLayer(table_name="idempotency")
            config = IdempotencyConfig(expires_after_seconds=6 * 3600 + 600)
            @idempotent(config=config, persistence_store=persistence)
            def handler(event, context):
                return {"charged": event["detail"]["amount"]}
    ```
    Or shorten the retry window (`MaximumEventAgeInSeconds`, the queue's retention) below the expiry.

    ## References
    - https://docs.powertools.aws.dev/lambda/python/latest/utilities/idempotency/
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
    """

    id = "REL016"
    slug = "idempotency-window-below-retry-window"
    severity = Severity.WARNING
    confidence = "medium"
    confidence_note = ("the idempotency window is read from the code's configuration, which may be set at run time")
    evidence = "code, cross"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn, facts in with_code(app):
            if facts.idempotency is None or not facts.idempotency.value.isdigit():
                continue
            expiry = int(facts.idempotency.value)
            window = self._retry_window(app, fn)
            if window is None or expiry >= window[0]:
                continue
            yield self.on_function(
                app, fn, f"idempotency records expire after {_hours(expiry)}, but {window[1]} for up to "
                f"{_hours(window[0])}: a late duplicate is processed twice",
                f"set IdempotencyConfig(expires_after_seconds=...) to at least {window[0]}, or shorten the "
                "retry window", ref=facts.idempotency.ref)

    @staticmethod
    def _retry_window(app: Application, fn: Function) -> tuple[int, str] | None:
        windows: list[tuple[int, str]] = []
        for es in app.sources_of(fn.id):
            if es.mode == "async":
                cfg = fn.async_config
                retries = known_int(cfg.maximum_retry_attempts) if cfg else None
                age = known_int(cfg.maximum_event_age) if cfg else None
                if retries != 0:
                    windows.append((age or _ASYNC_MAX_EVENT_AGE, "Lambda retries asynchronous events"))
            elif es.kind == "sqs" and es.source and es.source.ref and es.source.ref in app.queues:
                q = app.queues[es.source.ref]
                retention = known_int(q.retention_period) or 345600
                count, visibility = known_int(q.max_receive_count), known_int(q.visibility_timeout)
                if q.dead_letter and count and visibility:
                    retention = min(retention, count * visibility)
                windows.append((retention, f"queue {q.id} redelivers a message"))
            elif es.kind in STREAM_KINDS:
                age = known_int(es.maximum_record_age)
                windows.append((age if age and age > 0 else _STREAM_RETENTION, f"stream {es.id} redelivers records"))
        return max(windows) if windows else None


RULES: tuple[type[Rule], ...] = (SynchronousFunctionChain, ApiHandlerUnhandledError, SwallowedException, TmpNotCleaned,
                                 BatchResponseMismatch, IdempotencyWindowBelowRetryWindow)
