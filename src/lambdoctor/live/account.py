"""Read a live account, read-only, into a snapshot: plain JSON that ``loaders/aws.py`` turns into the model.

Only Get*/List*/Describe* calls are made (``tests/live/test_audit.py`` records every call and checks it). The snapshot
can be saved (``lambdoctor audit --save``) and audited again offline (``--snapshot``), or turned into alarms
(``lambdoctor alarms --from-audit``).

Call budget per function: GetFunction (reserved concurrency; its own 100 requests/s quota), GetPolicy (its own
15/s), ListVersionsByFunction, ListAliases, ListFunctionUrlConfigs, ListFunctionEventInvokeConfigs, and
ListProvisionedConcurrencyConfigs when the function has published versions (provisioned concurrency needs one).
Everything else is read once per Region and paged: ListFunctions (50 a page), ListEventSourceMappings,
ListLayers, DescribeAlarms, DescribeLogGroups, GetMetricData (500 metrics a call) — and IAM once per account
through GetAccountAuthorizationDetails. A call that fails (AccessDenied, an API the endpoint does not have)
becomes a note, counted once per operation, never a crash.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from lambdoctor.findings import MASKED, secret_value_reason

SNAPSHOT_SCHEMA = "lambdoctor-account/1"
READ_ONLY_PREFIXES = ("Get", "List", "Describe")

# (metric, statistic): sums for counts, maxima for the concurrency gauges. Daily periods over the window.
METRICS: tuple[tuple[str, str], ...] = (
    ("Invocations", "Sum"), ("Errors", "Sum"), ("Throttles", "Sum"), ("DeadLetterErrors", "Sum"),
    ("DestinationDeliveryFailures", "Sum"), ("ConcurrentExecutions", "Maximum"),
    ("ProvisionedConcurrencyUtilization", "Maximum"),
)
METRIC_QUERIES_PER_CALL = 500  # GetMetricData's limit on MetricDataQueries

ClientFactory = Callable[[str, str], Any]  # (service, Region) → a boto3 client
Progress = Callable[[int, int], None]  # (functions read, functions found)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code") or "")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code.isdigit() or not code:  # an endpoint without the API answers with a bare HTTP status
            return f"HTTP {status or code}: not implemented by this endpoint"
        return code
    return type(exc).__name__


class Notes:
    """What could not be read, counted per (Region, operation, error) so 1,000 functions give one line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, str, str], int] = {}

    def add(self, region: str, operation: str, consequence: str, exc: BaseException) -> None:
        key = (region, operation, error_code(exc), consequence)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    def lines(self) -> list[str]:
        out = []
        for (region, operation, code, consequence), n in sorted(self._counts.items()):
            times = f" for {n:,} functions" if n > 1 else ""
            out.append(f"{region}: {operation} failed ({code}){times}: {consequence}")
        return out


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


class _RegionReader:
    def __init__(self, make_client: ClientFactory, region: str, notes: Notes) -> None:
        self.region = region
        self.notes = notes
        self.lam = make_client("lambda", region)
        self.make_client = make_client

    def guarded(self, operation: str, consequence: str, read: Callable[[], Any], default: Any = None,
                missing_ok: bool = False) -> Any:
        try:
            return read()
        except Exception as exc:  # refused, throttled past every retry, or an answer botocore could not parse
            if missing_ok and error_code(exc) == "ResourceNotFoundException":
                return default
            self.notes.add(self.region, operation, consequence, exc)
            return default

    # -- per function ---------------------------------------------------------------------------------------
    def function(self, config: dict[str, Any]) -> dict[str, Any]:
        lam, name = self.lam, config["FunctionName"]
        out: dict[str, Any] = {"Configuration": config, "Unreadable": []}
        # Values that look secret (SEC002's detector) never enter the snapshot: the name stays, the value becomes
        # a marker that says why, which SEC002 reads back from a saved snapshot.
        variables = (config.get("Environment") or {}).get("Variables") or {}
        for key, value in list(variables.items()):
            why = secret_value_reason(str(key), value) if isinstance(value, str) else None
            if why:
                variables[key] = MASKED.format(reason=why)
                out.setdefault("MaskedEnvironment", []).append(key)

        def read(operation: str, what: str, call: Callable[[], Any], default: Any, missing_ok: bool = False) -> Any:
            sentinel = object()
            value = self.guarded(operation, f"{what} unknown", call, sentinel, missing_ok)
            if value is sentinel:
                out["Unreadable"].append(what)
                return default
            return value

        got = read("GetFunction", "reserved concurrency", lambda: lam.get_function(FunctionName=name), {})
        out["ReservedConcurrency"] = (got.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
        policy = read("GetPolicy", "resource policy", lambda: lam.get_policy(FunctionName=name), None,
                      missing_ok=True)
        out["Policy"] = json.loads(policy["Policy"]) if policy and policy.get("Policy") else None
        versions = read("ListVersionsByFunction", "published versions", lambda: _pages(
            lam, "list_versions_by_function", "Versions", FunctionName=name), [])
        out["Versions"] = [{"Version": v["Version"], "CodeSize": int(v.get("CodeSize", 0)),
                            "LastModified": v.get("LastModified", ""),
                            "Layers": [layer["Arn"] for layer in v.get("Layers", [])]}
                           for v in versions if v.get("Version") != "$LATEST"]
        out["Aliases"] = [{"Name": a["Name"], "FunctionVersion": a["FunctionVersion"],
                           "RoutingConfig": a.get("RoutingConfig") or {}}
                          for a in read("ListAliases", "aliases", lambda: _pages(
                              lam, "list_aliases", "Aliases", FunctionName=name), [])]
        out["UrlConfigs"] = [{"FunctionArn": u["FunctionArn"], "AuthType": u.get("AuthType", "")}
                             for u in read("ListFunctionUrlConfigs", "function URLs", lambda: _pages(
                                 lam, "list_function_url_configs", "FunctionUrlConfigs", FunctionName=name), [])]
        out["EventInvokeConfigs"] = [
            {k: c[k] for k in ("FunctionArn", "MaximumRetryAttempts", "MaximumEventAgeInSeconds",
                               "DestinationConfig") if k in c}
            for c in read("ListFunctionEventInvokeConfigs", "asynchronous invocation settings", lambda: _pages(
                lam, "list_function_event_invoke_configs", "FunctionEventInvokeConfigs", FunctionName=name), [])]
        # Provisioned concurrency needs a published version or an alias: without versions there is none.
        out["ProvisionedConcurrency"] = [] if not out["Versions"] else [
            {"FunctionArn": c["FunctionArn"],
             "RequestedProvisionedConcurrentExecutions": c.get("RequestedProvisionedConcurrentExecutions")}
            for c in read("ListProvisionedConcurrencyConfigs", "provisioned concurrency", lambda: _pages(
                lam, "list_provisioned_concurrency_configs", "ProvisionedConcurrencyConfigs",
                FunctionName=name), [])]
        return out

    # -- once per Region --------------------------------------------------------------------------------------
    def settings(self) -> dict[str, Any] | None:
        got = self.guarded("GetAccountSettings", "code storage and concurrency limits unknown (ACC001, ACC003 "
                           "not checked)", self.lam.get_account_settings)
        return {k: got[k] for k in ("AccountLimit", "AccountUsage") if k in got} if got else None

    def mappings(self) -> list[dict[str, Any]]:
        keys = ("UUID", "FunctionArn", "EventSourceArn", "State", "BatchSize", "MaximumBatchingWindowInSeconds",
                "FunctionResponseTypes", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
                "BisectBatchOnFunctionError", "DestinationConfig", "ScalingConfig", "FilterCriteria",
                "StartingPosition", "ParallelizationFactor", "SelfManagedEventSource")
        return [{k: m[k] for k in keys if k in m} for m in self.guarded(
            "ListEventSourceMappings", "event source mappings unknown", lambda: _pages(
                self.lam, "list_event_source_mappings", "EventSourceMappings"), [])]

    def layers(self) -> list[dict[str, Any]]:
        out = []
        for layer in self.guarded("ListLayers", "layers unknown", lambda: _pages(self.lam, "list_layers", "Layers"),
                                  []):
            name = layer["LayerName"]
            versions = self.guarded("ListLayerVersions", "layer versions unknown", partial(
                _pages, self.lam, "list_layer_versions", "LayerVersions", LayerName=name), [])
            out.append({"LayerName": name, "LayerArn": layer.get("LayerArn", ""),
                        "Versions": [{"Version": v["Version"], "LayerVersionArn": v["LayerVersionArn"],
                                      "CreatedDate": v.get("CreatedDate", "")} for v in versions]})
        return out

    def queues(self, mappings: Sequence[dict[str, Any]]) -> dict[str, dict[str, str]]:
        """Attributes of the SQS queues mappings read from (visibility timeout, redrive policy)."""
        out: dict[str, dict[str, str]] = {}
        arns = [arn for arn in sorted({m.get("EventSourceArn", "") for m in mappings})
                if len(parts := arn.split(":")) == 6 and parts[2] == "sqs" and parts[3] == self.region]
        sqs = self.make_client("sqs", self.region) if arns else None
        for arn in arns:
            parts = arn.split(":")

            def attributes(queue: str = parts[5], owner: str = parts[4]) -> dict[str, str]:
                assert sqs is not None
                url = sqs.get_queue_url(QueueName=queue, QueueOwnerAWSAccountId=owner)["QueueUrl"]
                got: dict[str, str] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                return got

            attrs = self.guarded("GetQueueAttributes", "a mapped queue's settings unknown", attributes)
            if attrs is not None:
                out[arn] = {k: attrs[k] for k in ("VisibilityTimeout", "RedrivePolicy", "MessageRetentionPeriod",
                                                  "FifoQueue") if k in attrs}
        return out

    def alarms(self) -> list[dict[str, Any]]:
        keys = ("AlarmName", "AlarmArn", "Namespace", "MetricName", "Dimensions", "Statistic", "ExtendedStatistic",
                "Threshold", "ComparisonOperator", "AlarmActions", "Metrics")
        cw = self.make_client("cloudwatch", self.region)
        return [{k: a[k] for k in keys if k in a} for a in self.guarded(
            "DescribeAlarms", "existing alarms unknown (OBS rules may report alarms that exist)", lambda: _pages(
                cw, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"]), [])]

    def log_groups(self, functions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        logs = self.make_client("logs", self.region)
        custom = {(f["Configuration"].get("LoggingConfig") or {}).get("LogGroup", "") for f in functions}
        prefixes = ["/aws/lambda/", *sorted(g for g in custom if g and not g.startswith("/aws/lambda/"))]
        out: list[dict[str, Any]] = []
        for prefix in prefixes:
            groups = self.guarded("DescribeLogGroups", "log retention unknown", partial(
                _pages, logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix), [])
            out.extend({"logGroupName": g["logGroupName"], "retentionInDays": g.get("retentionInDays")}
                       for g in groups if prefix == "/aws/lambda/" or g["logGroupName"] == prefix)
        return out

    def metrics(self, names: Sequence[str], days: int, now: datetime) -> tuple[list[str], dict[str, Any]]:
        """Daily values per function and metric, oldest first; a day without data points is 0."""
        end = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        start = end - timedelta(days=days)
        day_keys = [(start + timedelta(days=i)).date().isoformat() for i in range(days)]
        queries = [{"Id": f"m{i}_{j}", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                       "Dimensions": [{"Name": "FunctionName", "Value": name}]},
            "Period": 86400, "Stat": stat}}
            for i, name in enumerate(names) for j, (metric, stat) in enumerate(METRICS)]
        values: dict[str, Any] = {name: {m: [0.0] * days for m, _ in METRICS} for name in names}
        cw = self.make_client("cloudwatch", self.region)
        for at in range(0, len(queries), METRIC_QUERIES_PER_CALL):
            batch = queries[at:at + METRIC_QUERIES_PER_CALL]

            def fetch(batch: list[dict[str, Any]] = batch) -> list[Any]:
                return _pages(cw, "get_metric_data", "MetricDataResults", MetricDataQueries=batch,
                              StartTime=start, EndTime=end)

            for result in self.guarded("GetMetricData", "metrics unknown (ACC004-ACC007 not checked for these "
                                       "functions)", fetch, []):
                i, j = (int(x) for x in result["Id"][1:].split("_"))
                series = values[names[i]][METRICS[j][0]]
                for ts, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    day = ts.astimezone(UTC).date().isoformat()
                    if day in day_keys:
                        k = day_keys.index(day)
                        series[k] = max(series[k], value) if METRICS[j][1] == "Maximum" else series[k] + value
        return day_keys, values


def read_roles(make_client: ClientFactory, region: str, role_arns: Iterable[str], notes: Notes
               ) -> dict[str, Any]:
    """The execution roles' inline policies, attached policy ARNs and customer-managed policy documents."""
    wanted = set(role_arns)
    iam = make_client("iam", region)
    try:
        pages = list(iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["Role", "LocalManagedPolicy"]))
    except Exception as exc:  # as in _RegionReader.guarded: a note, not a crash
        notes.add("iam", "GetAccountAuthorizationDetails", "execution-role permissions unknown (SEC001-SEC003 "
                  "not checked)", exc)
        return {}
    roles: dict[str, Any] = {}
    documents: dict[str, Any] = {}
    for page in pages:
        for role in page.get("RoleDetailList", []):
            if role["Arn"] in wanted:
                roles[role["Arn"]] = {
                    "RoleName": role["RoleName"],
                    "InlinePolicies": {p["PolicyName"]: p["PolicyDocument"] for p in role.get("RolePolicyList", [])},
                    "AttachedPolicies": [p["PolicyArn"] for p in role.get("AttachedManagedPolicies", [])],
                }
        for policy in page.get("Policies", []):
            default = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
            if default is not None:
                documents[policy["Arn"]] = default["Document"]
    attached = {a for r in roles.values() for a in r["AttachedPolicies"]}
    return {"Roles": roles, "ManagedPolicies": {a: d for a, d in documents.items() if a in attached}}


def enabled_regions(make_client: ClientFactory, default_region: str) -> list[str]:
    ec2 = make_client("ec2", default_region)
    return sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"])


def read_region(make_client: ClientFactory, region: str, days: int, now: datetime, notes: Notes,
                workers: int = 8, progress: Progress | None = None) -> dict[str, Any]:
    reader = _RegionReader(make_client, region, notes)
    try:
        listed: list[dict[str, Any]] | None = _pages(reader.lam, "list_functions", "Functions")
    except Exception as exc:
        notes.add(region, "ListFunctions", "no function could be listed in this Region", exc)
        listed = None
        if getattr(exc, "response", None) is None:
            # no answer at all (no credentials, an endpoint that does not answer): every other call would fail
            # the same way, each after its own retries
            return {"region": region, "listed": False, "lookback_days": days, "metric_days": [],
                    "account_settings": None, "functions": [], "event_source_mappings": [], "queues": {},
                    "layers": [], "alarms": [], "log_groups": []}
    configs: list[dict[str, Any]] = listed or []
    functions: list[dict[str, Any]] = [{}] * len(configs)
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(reader.function, c): i for i, c in enumerate(configs)}
        region_wide = [pool.submit(f) for f in (reader.settings, reader.mappings, reader.layers, reader.alarms)]
        for future in as_completed(futures):
            functions[futures[future]] = future.result()
            done += 1
            if progress:
                progress(done, len(configs))
        settings, mappings, layers, alarms = (f.result() for f in region_wide)
        assert isinstance(mappings, list)
    names = [c["FunctionName"] for c in configs]
    days_read, metrics = reader.metrics(names, days, now) if names else ([], {})
    for f in functions:
        f["Metrics"] = metrics.get(f["Configuration"]["FunctionName"])
    return {"region": region, "listed": listed is not None, "lookback_days": days, "metric_days": days_read,
            "account_settings": settings,
            "functions": functions, "event_source_mappings": mappings, "queues": reader.queues(mappings),
            "layers": layers, "alarms": alarms, "log_groups": reader.log_groups(functions)}


def read_account(make_client: ClientFactory, regions: Sequence[str], days: int, now: datetime,
                 workers: int = 8, progress: Progress | None = None) -> dict[str, Any]:
    notes = Notes()
    read = [read_region(make_client, r, days, now, notes, workers, progress) for r in regions]
    role_arns = {f["Configuration"].get("Role", "") for r in read for f in r["functions"]} - {""}
    iam = read_roles(make_client, regions[0], role_arns, notes) if role_arns else {}
    account = next((f["Configuration"]["FunctionArn"].split(":")[4] for r in read for f in r["functions"]), "")
    masked = sum(len(f.get("MaskedEnvironment", [])) for r in read for f in r["functions"])
    lines = notes.lines() + ([f"{masked} environment value(s) that look secret are masked (their names are kept)"]
                             if masked else [])
    return {"schema": SNAPSHOT_SCHEMA, "account": account, "read_at": now.isoformat(), "regions": read,
            "iam": iam, "notes": lines}


def dumps(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, indent=1, sort_keys=True, default=str)
