"""PERF: cold starts, package size and memory (which is also CPU)."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, Function, known_int
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.queries import is_latency_sensitive

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
          Handler: app.handler
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
          Handler: app.handler
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
    Flags a function without `MemorySize`, which then runs with Lambda's default of 128 MB.

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
            if fn.memory.origin == "platform-default":
                yield self.on_function(app, fn, "MemorySize is not set: Lambda's default of 128 MB (and the CPU "
                                       "share that comes with it) applies", "set MemorySize from a measurement")


RULES: tuple[type[Rule], ...] = (ColdStartOnLatencyPath, OversizedPackage, MemoryNotSet)
