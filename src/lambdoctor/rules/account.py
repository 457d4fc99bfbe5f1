"""ACC: what only the live account shows — code storage, versions kept, concurrency headroom and 14 days of metrics.

These rules read :class:`AccountFacts`, which only ``lambdoctor audit`` fills; on a template they are silent. The
examples are account snapshots (the JSON ``lambdoctor audit --save`` writes), trimmed to what the rule reads.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import AccountFacts, Application, FunctionMetrics
from lambdoctor.rules.base import Context, Rule

GB = 1024**3
MB = 1024**2


def _gb(n: float) -> str:
    return f"{n / GB:,.1f} GB"


def _size(n: float) -> str:
    if n >= GB:
        return _gb(n)
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n / 1024:,.0f} KB"


class AccountRule(Rule):
    evidence = "live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        if app.account is not None:
            yield from self.check_account(app, app.account, ctx)

    @abstractmethod
    def check_account(self, app: Application, account: AccountFacts, ctx: Context) -> Iterator[Finding]:
        """The findings for one Region's account facts; pure, like every rule."""

    def metrics(self, app: Application, account: AccountFacts) -> Iterator[tuple[str, FunctionMetrics]]:
        for fid in sorted(account.metrics):
            if fid in app.functions:
                yield fid, account.metrics[fid]


class CodeStorageNearQuota(AccountRule):
    """
    ## What it does
    Flags a Region whose code storage (every function version's and layer version's deployment package) is at
    50 % (warning) or 80 % (error) of the account's quota, 75 GB by default.

    ## Why is this bad?
    Every published version keeps its package. CI/CD that publishes on each deploy fills the quota in a year or
    two, and then every deploy in the Region fails with `CodeStorageExceededException` — on the day a fix is
    most needed. Deleting old versions takes hours to review by hand.

    ## Example
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "account_settings": {"AccountLimit": {"TotalCodeSize": 80530636800},
                          "AccountUsage": {"TotalCodeSize": 68719476736}}, "functions": []}]}
    ```

    ## Use instead
    Prune versions nothing uses (`lambdoctor prune --apply`), and stop publishing a version per deploy where
    nothing routes to it.
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "account_settings": {"AccountLimit": {"TotalCodeSize": 80530636800},
                          "AccountUsage": {"TotalCodeSize": 5368709120}}, "functions": []}]}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    - https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
    """

    id = "ACC001"
    slug = "code-storage-near-quota"
    severity = Severity.WARNING

    def check_account(self, app: Application, account: AccountFacts, ctx: Context) -> Iterator[Finding]:
        used, quota = account.code_storage_bytes, account.code_storage_quota
        if used is None or not quota:
            return
        share = used / quota
        if share < ctx.threshold("code_storage_warning_share"):
            return
        severity = Severity.ERROR if share >= ctx.threshold("code_storage_error_share") else Severity.WARNING
        biggest = sorted(((sum(v.size_bytes for v in vs), fid) for fid, vs in account.versions.items()),
                         reverse=True)[:3]
        top = ", ".join(f"{fid} {_size(size)}" for size, fid in biggest if size)
        yield self.finding(
            app, account.ref, f"region {account.region}",
            f"code storage in {account.region} is {_gb(used)} of the {_gb(quota)} quota ({share:.0%}); at the "
            f"quota every deploy fails" + (f"; largest version histories: {top}" if top else ""),
            "delete versions nothing uses (`lambdoctor prune`, then `--apply`), or ask for a quota increase",
            severity=severity)


class ExcessVersions(AccountRule):
    """
    ## What it does
    Flags a function that keeps more than 5 published versions nothing uses — no alias (primary or weighted),
    provisioned-concurrency config, event source mapping or function URL points at them — with the bytes they
    hold. Qualified resource-policy statements are checked by `lambdoctor prune` before it deletes anything.

    ## Why is this bad?
    Unused versions are dead weight in the Region's 75 GB code-storage quota. A function deployed twice a day
    with a 60 MB package adds 40 GB a year.

    ## Example
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "functions": [{"Configuration": {"FunctionName": "orders",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
                    "Aliases": [{"Name": "live", "FunctionVersion": "8"}],
                    "Versions": [{"Version": "1", "CodeSize": 62914560}, {"Version": "2", "CodeSize": 62914560},
                                 {"Version": "3", "CodeSize": 62914560}, {"Version": "4", "CodeSize": 62914560},
                                 {"Version": "5", "CodeSize": 62914560}, {"Version": "6", "CodeSize": 62914560},
                                 {"Version": "7", "CodeSize": 62914560}, {"Version": "8", "CodeSize": 62914560}]}]}]}
    ```

    ## Use instead
    Keep the versions aliases use and a few for rollback; prune the rest.
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "functions": [{"Configuration": {"FunctionName": "orders",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
                    "Aliases": [{"Name": "live", "FunctionVersion": "8"}],
                    "Versions": [{"Version": "6", "CodeSize": 62914560}, {"Version": "7", "CodeSize": 62914560},
                                 {"Version": "8", "CodeSize": 62914560}]}]}]}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html
    - https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    """

    id = "ACC002"
    slug = "excess-versions"
    severity = Severity.WARNING

    def check_account(self, app: Application, account: AccountFacts, ctx: Context) -> Iterator[Finding]:
        limit = int(ctx.threshold("kept_versions"))
        for fid in sorted(account.versions):
            unused = [v for v in account.versions[fid] if v.in_use == ""]
            if fid not in app.functions or len(unused) <= limit:
                continue
            held = sum(v.size_bytes for v in unused)
            reclaim = sum(v.size_bytes for v in unused[limit:])  # newest first: the oldest beyond the limit
            yield self.on_function(
                app, app.functions[fid],
                f"{len(unused)} published versions nothing uses hold {_size(held)} of code storage "
                f"(versions {unused[-1].version} to {unused[0].version}); keeping the {limit} newest would free "
                f"{_size(reclaim)}",
                f"`lambdoctor prune --function {fid} --keep {limit}` shows the plan; add `--apply` to delete")


class UnreservedConcurrencyLow(AccountRule):
    """
    ## What it does
    Flags a Region where reserved concurrency leaves less than 20 % of the account's concurrency limit
    unreserved, and names the largest reservations.

    ## Why is this bad?
    Every function without a reservation shares the unreserved pool. When reservations eat it, a traffic spike
    on one ordinary function throttles all the others; Lambda refuses a reservation that would leave less than
    100 unreserved, so a Region at that floor cannot even shift capacity in an incident.

    ## Example
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "account_settings": {"AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 100}},
     "functions": [{"Configuration": {"FunctionName": "ingest",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:ingest"},
                    "ReservedConcurrency": 900}]}]}
    ```

    ## Use instead
    Reserve only what a function must be guaranteed (or must not exceed), and raise the account limit first.
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "account_settings": {"AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 800}},
     "functions": [{"Configuration": {"FunctionName": "ingest",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:ingest"},
                    "ReservedConcurrency": 200}]}]}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
    """

    id = "ACC003"
    slug = "unreserved-concurrency-low"
    severity = Severity.WARNING

    def check_account(self, app: Application, account: AccountFacts, ctx: Context) -> Iterator[Finding]:
        limit, unreserved = account.concurrency_limit, account.unreserved_concurrency
        if not limit or unreserved is None or unreserved >= ctx.threshold("unreserved_concurrency_share") * limit:
            return
        reserved = sorted(((v, fn.id) for fn in app.functions.values()
                           if fn.reserved_concurrency is not None
                           and isinstance(v := fn.reserved_concurrency.value, int) and v > 0), reverse=True)
        top = ", ".join(f"{fid} {n:,}" for n, fid in reserved[:3])
        yield self.finding(
            app, account.ref, f"region {account.region}",
            f"only {unreserved:,} of {limit:,} concurrent executions in {account.region} are unreserved "
            f"({unreserved / limit:.0%})" + (f"; largest reservations: {top}" if top else ""),
            "lower reservations that exceed the functions' measured peak (ConcurrentExecutions maximum), or raise "
            "the account's concurrency quota")


class IdleFunction(AccountRule):
    """
    ## What it does
    Flags a function with zero invocations over the whole look-back window (14 days by default).

    ## Why is this bad?
    Either it is dead code — still holding code storage, an execution role with permissions, and an attack
    surface — or the trigger that should call it is broken and nobody noticed.

    ## Example
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "lookback_days": 2, "metric_days": ["2026-11-20", "2026-11-21"],
     "functions": [{"Configuration": {"FunctionName": "old-report",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:old-report"},
                    "Metrics": {"Invocations": [0, 0]}}]}]}
    ```

    ## Use instead
    Delete functions nobody calls; fix the trigger of one that should be called.
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "lookback_days": 2, "metric_days": ["2026-11-20", "2026-11-21"],
     "functions": [{"Configuration": {"FunctionName": "old-report",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:old-report"},
                    "Metrics": {"Invocations": [0, 3]}}]}]}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    id = "ACC004"
    slug = "idle-function"
    severity = Severity.INFO

    def check_account(self, app: Application, account: AccountFacts, ctx: Context) -> Iterator[Finding]:
        for fid, m in self.metrics(app, account):
            if m.days and sum(m.invocations) == 0:
                yield self.on_function(
                    app, app.functions[fid],
                    f"no invocations in the {len(m.days)} days {m.days[0]} to {m.days[-1]}",
                    "delete the function if nothing needs it; otherwise check the trigger that should invoke it")


class HighErrorRate(AccountRule):
    """
    ## What it does
    Flags a function whose errors reach 5 % of its invocations on any day of the look-back window (days with
    fewer than 20 invocations are not judged).

    ## Why is this bad?
    A steady error rate means retries (and their duplicates), events parked in dead-letter queues, or callers
    receiving failures — and usually no alarm fired, or the rate would not have lasted a day.

    ## Example
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "lookback_days": 2, "metric_days": ["2026-11-20", "2026-11-21"],
     "functions": [{"Configuration": {"FunctionName": "checkout",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:checkout"},
                    "Metrics": {"Invocations": [1000, 1200], "Errors": [3, 180]}}]}]}
    ```

    ## Use instead
    Fix the failing path and alarm on the error rate (`lambdoctor alarms`).
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "lookback_days": 2, "metric_days": ["2026-11-20", "2026-11-21"],
     "functions": [{"Configuration": {"FunctionName": "checkout",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:checkout"},
                    "Metrics": {"Invocations": [1000, 1200], "Errors": [3, 4]}}]}]}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    id = "ACC005"
    slug = "high-error-rate"
    severity = Severity.WARNING

    def check_account(self, app: Application, account: AccountFacts, ctx: Context) -> Iterator[Finding]:
        share = ctx.threshold("error_rate_share")
        minimum = ctx.threshold("error_rate_min_invocations")
        for fid, m in self.metrics(app, account):
            worst = max(((e / n, day, e, n) for day, n, e in zip(m.days, m.invocations, m.errors, strict=False)
                         if n >= minimum), default=None)
            if worst and worst[0] >= share:
                rate, day, errors, n = worst
                bad_days = sum(1 for n2, e2 in zip(m.invocations, m.errors, strict=False)
                               if n2 >= minimum and e2 / n2 >= share)
                yield self.on_function(
                    app, app.functions[fid],
                    f"errors reached {rate:.1%} of invocations on {day} ({errors:,.0f} of {n:,.0f}); "
                    f"{bad_days} of {len(m.days)} days at or above {share:.0%}",
                    "read that day's [ERROR] records (`lambdoctor logs --log-group ... --since`) and alarm on the "
                    "error rate (`lambdoctor alarms`)")


class Throttled(AccountRule):
    """
    ## What it does
    Flags a function with throttled invocations in the look-back window.

    ## Why is this bad?
    A throttled synchronous call is a 429 for the caller; throttled asynchronous events and queue batches are
    retried and delayed, and can age out. Throttling means the function hit its reserved concurrency or the
    Region's unreserved pool ran dry.

    ## Example
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "lookback_days": 2, "metric_days": ["2026-11-20", "2026-11-21"],
     "functions": [{"Configuration": {"FunctionName": "api",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:api"},
                    "Metrics": {"Invocations": [5000, 7000], "Throttles": [0, 42]}}]}]}
    ```

    ## Use instead
    Size reserved concurrency from the measured peak, or raise the account limit.
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "lookback_days": 2, "metric_days": ["2026-11-20", "2026-11-21"],
     "functions": [{"Configuration": {"FunctionName": "api",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:api"},
                    "Metrics": {"Invocations": [5000, 7000], "Throttles": [0, 0]}}]}]}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    id = "ACC006"
    slug = "throttled"
    severity = Severity.WARNING

    def check_account(self, app: Application, account: AccountFacts, ctx: Context) -> Iterator[Finding]:
        for fid, m in self.metrics(app, account):
            total = sum(m.throttles)
            if total > 0:
                days = sum(1 for t in m.throttles if t > 0)
                peak, day = max(zip(m.throttles, m.days, strict=False))
                fn = app.functions[fid]
                limit = fn.reserved_concurrency.value if fn.reserved_concurrency is not None else None
                cap = f"reserved concurrency {limit}" if isinstance(limit, int) else "the Region's unreserved pool"
                yield self.on_function(
                    app, fn,
                    f"{total:,.0f} throttled invocations on {days} of {len(m.days)} days (most: {peak:,.0f} on "
                    f"{day}); the cap was {cap}",
                    "raise or remove the reservation if the peak is legitimate; for queues, set the mapping's "
                    "MaximumConcurrency below the reservation instead")


class FailureDeliveryErrors(AccountRule):
    """
    ## What it does
    Flags a function whose `DeadLetterErrors` or `DestinationDeliveryFailures` were above zero in the
    look-back window.

    ## Why is this bad?
    These count events that failed every retry *and then* could not be written to the dead-letter queue or the
    on-failure destination (deleted queue, missing permission, KMS key). Those events are gone: nothing
    retries them and nobody can replay them.

    ## Example
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "lookback_days": 2, "metric_days": ["2026-11-20", "2026-11-21"],
     "functions": [{"Configuration": {"FunctionName": "emailer",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:emailer"},
                    "Metrics": {"Invocations": [300, 280], "DeadLetterErrors": [0, 7]}}]}]}
    ```

    ## Use instead
    Give the execution role `sqs:SendMessage` (or `sns:Publish`) on the DLQ, and alarm on both metrics.
    ```json
    {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": [{"region": "us-east-1",
     "lookback_days": 2, "metric_days": ["2026-11-20", "2026-11-21"],
     "functions": [{"Configuration": {"FunctionName": "emailer",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:emailer"},
                    "Metrics": {"Invocations": [300, 280], "DeadLetterErrors": [0, 0]}}]}]}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    id = "ACC007"
    slug = "failure-delivery-errors"
    severity = Severity.ERROR

    def check_account(self, app: Application, account: AccountFacts, ctx: Context) -> Iterator[Finding]:
        for fid, m in self.metrics(app, account):
            dlq, dest = sum(m.dead_letter_errors), sum(m.destination_delivery_failures)
            if dlq or dest:
                parts = [f"{n:,.0f} {what}" for n, what in ((dlq, "DeadLetterErrors"),
                                                             (dest, "DestinationDeliveryFailures")) if n]
                yield self.on_function(
                    app, app.functions[fid],
                    f"{' and '.join(parts)} in {len(m.days)} days: events that failed every retry were then lost",
                    "check the dead-letter queue or destination still exists and the execution role may write to "
                    "it (sqs:SendMessage, sns:Publish, KMS)")


ACC_RULES: tuple[type[AccountRule], ...] = (CodeStorageNearQuota, ExcessVersions, UnreservedConcurrencyLow,
                                             IdleFunction, HighErrorRate, Throttled, FailureDeliveryErrors)
