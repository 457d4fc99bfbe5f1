"""PERF: cold starts, package size and memory (which is also CPU)."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, Function, known_int
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.queries import code_facts_once, is_latency_sensitive

_MB = 1024 * 1024


def _slow_start_reason(fn: Function, ctx: Context) -> str | None:
    runtime = fn.runtime if isinstance(fn.runtime, str) else ""
    provisioned = known_int(fn.provisioned_concurrency)
    if provisioned:
        return None
    if runtime.startswith(("java", "dotnet")) and not fn.snapstart:
        return f"{runtime} without SnapStart or provisioned concurrency"
    if fn.code and fn.code.size_bytes > ctx.threshold("package_size_mb") * _MB:
        return f"a {fn.code.size_bytes / _MB:.0f} MB package"
    if len(fn.layers) >= ctx.threshold("many_layers"):
        return f"{len(fn.layers)} layers"
    return None


class ColdStartOnLatencyPath(Rule):
    """
    ## What it does
    Flags a function fronted by an API, a load balancer or a function URL whose start-up is slow: a Java or
    .NET runtime without SnapStart or provisioned concurrency, a package above 50 MB, or three or more layers.

    ## Why is this bad?
    A person waits on every cold start. JVM and CLR start-up plus framework initialisation commonly take
    several seconds, long enough for API clients to time out and retry (which causes more cold starts).

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Api:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: java21
          Handler: com.example.Handler::handleRequest
          CodeUri: s3://bucket/app.jar
          MemorySize: 1024
          Timeout: 20
          Events:
            Get:
              Type: HttpApi
              Properties: {Path: /items, Method: get}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Api:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: java21
          Handler: com.example.Handler::handleRequest
          CodeUri: s3://bucket/app.jar
          MemorySize: 1024
          Timeout: 20
          AutoPublishAlias: live
          SnapStart: {ApplyOn: PublishedVersions}
          Events:
            Get:
              Type: HttpApi
              Properties: {Path: /items, Method: get}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html
    - https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
    """

    id = "PERF001"
    slug = "cold-start-on-latency-path"
    severity = Severity.WARNING

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            if not is_latency_sensitive(app, fn):
                continue
            reason = _slow_start_reason(fn, ctx)
            if reason:
                yield self.on_function(app, fn, f"serves requests synchronously with a slow-start profile: {reason}",
                                       "enable SnapStart (Java, Python, .NET) or provisioned concurrency, or slim "
                                       "the package")


class OversizedPackage(Rule):
    """
    ## What it does
    Flags a function whose code on disk (the `CodeUri` folder or zip) is larger than 50 MB unzipped, or
    bundles what does not belong in it: boto3/botocore/s3transfer on a Python runtime (the runtime provides
    them), tests or docs.

    ## Why is this bad?
    Every byte is downloaded and unpacked on each cold start, counts against the 250 MB unzipped limit, and is
    stored once more for every published version, towards the 75 GB regional code-storage quota.

    ## Example
    ```yaml
    # files: src/app.py, src/boto3/__init__.py, src/botocore/__init__.py
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          CodeUri: src/
          Timeout: 10
    ```
    (`src/` contains its own copy of boto3 and botocore)

    ## Use instead
    ```yaml
    # files: src/app.py
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          CodeUri: src/
          Timeout: 10
    ```
    (with only the handler and its real dependencies in `src/`)

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    - https://docs.aws.amazon.com/lambda/latest/dg/python-package.html
    """

    id = "PERF002"
    slug = "oversized-package"
    severity = Severity.WARNING

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        limit_mb = ctx.threshold("package_size_mb")
        for fn in app.functions.values():
            code = fn.code
            if code is None:
                continue
            size_mb = code.size_bytes / _MB
            problems: list[str] = []
            if size_mb > limit_mb:
                bound = "" if code.complete else "at least "
                problems.append(f"{bound}{size_mb:.0f} MB unzipped (over {limit_mb:g} MB)")
            runtime = fn.runtime if isinstance(fn.runtime, str) else ""
            sdk = [b for b in code.bundled if b in ("boto3", "botocore", "s3transfer")]
            if sdk and runtime.startswith("python"):
                problems.append(f"bundles {', '.join(sdk)}, which the Python runtime already provides")
            extra = [b for b in code.bundled if b in ("tests", "docs")]
            if extra:
                problems.append(f"ships {', '.join(extra)}")
            if problems:
                yield self.on_function(app, fn, f"code package {code.path}: {'; '.join(problems)}",
                                       "exclude what the runtime provides and what is not needed at run time")


class MemoryNotSet(Rule):
    """
    ## What it does
    Flags a function without `MemorySize`, which then runs with Lambda's default of 128 MB. Handlers of
    CloudFormation custom resources (a `ServiceToken`) are left out: they run once per stack operation.

    ## Why is this bad?
    Memory also sets the CPU share (1,769 MB is one full vCPU). At 128 MB a function gets a small slice of a
    core: cold starts and CPU-bound work are slow, and because billing is memory × time, the smallest size is
    rarely the cheapest. Measure (`lambdoctor logs`, Power Tuning) and choose.

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
          MemorySize: 512
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
    """

    id = "PERF004"
    slug = "memory-not-set"
    severity = Severity.WARNING

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            # A custom resource's handler runs once per stack operation: its speed is nobody's concern.
            if fn.memory.origin == "platform-default" and not fn.custom_resource_handler:
                yield self.on_function(app, fn, "MemorySize is not set: Lambda's default of 128 MB (and the CPU "
                                       "share that comes with it) applies", "set MemorySize from a measurement")


class ClientCreatedPerInvocation(Rule):
    """
    ## What it does
    Flags an AWS SDK client or resource (`boto3.client`, `boto3.resource`, a `Session().client`), a database
    or cache connection (`psycopg2.connect`, `pymysql.connect`, `redis.Redis`, `MongoClient`, ...), or a secret
    or parameter fetch (`get_secret_value`, `get_parameter`) made inside the handler's call graph on every
    invocation. Creation at module level, lazy creation into a global or an attribute, and functions
    decorated with `functools.cache`/`lru_cache` are not flagged, nor are the handlers of CloudFormation custom
    resources (a `ServiceToken`), which run once per stack operation.

    ## Why is this bad?
    A boto3 client costs tens of milliseconds to build (it loads service models and resolves credentials); a
    database connection costs a TLS handshake and authentication, and takes one of the server's limited
    connection slots; a secret fetch is a network round trip, billed per call. Done once per execution
    environment, the cost is paid at cold start only; done per invocation, every request pays it.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Lookup:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          InlineCode: |
            import boto3
            def handler(event, context):
                table = boto3.resource("dynamodb").Table("orders")
                return table.get_item(Key={"pk": event["id"]}).get("Item")
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Lookup:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          InlineCode: |
            import boto3
            TABLE = boto3.resource("dynamodb").Table("orders")
            def handler(event, context):
                return TABLE.get_item(Key={"pk": event["id"]}).get("Item")
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html#function-code
    - https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html#python-handler-best-practices
    """

    id = "PERF003"
    slug = "client-created-per-invocation"
    severity = Severity.WARNING
    evidence = "code"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        per_invocation = code_facts_once(app, lambda f: (c for c in f.creations if c.per_invocation), by_column=True)
        for fn, c in per_invocation:
            if fn.custom_resource_handler:
                continue  # runs once per stack operation: a client per invocation costs nothing that matters
            what = {"client": "an SDK client is created", "connection": "a connection is opened",
                    "secret": "a secret/parameter is fetched"}[c.kind]
            yield self.on_function(
                app, fn, f"{what} ({c.what}) on every invocation: each request pays for it, not only the "
                "cold start", "create it once at module level (or lazily into a global), or cache the value "
                "(Powertools parameters caches secrets)", ref=c.ref)


RULES: tuple[type[Rule], ...] = (ColdStartOnLatencyPath, OversizedPackage, ClientCreatedPerInvocation, MemoryNotSet)
