"""A live-account snapshot (``live/account.py``) → one :class:`Application` per Region.

The account is written out as the CloudFormation that would deploy it and handed to the CloudFormation builder,
so every template rule applies unchanged to the deployed configuration. Each resource remembers its ARN as its
"file": a finding names the function, role or alarm it is about. Values equal to Lambda's defaults (3 s, 128 MB,
512 MB of /tmp) are treated as not set: the deployed function runs on the default, which is what REL002 and
PERF004 report. What only an account knows (code storage, versions in use, metrics) goes to
:class:`AccountFacts` for the ACC rules.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

from lambdoctor.loaders.cloudformation import build_application
from lambdoctor.loaders.decode import FileNode
from lambdoctor.model import AccountFacts, Application, FunctionMetrics, SourceRef, VersionUse
from lambdoctor.versions import Alias as PlanAlias
from lambdoctor.versions import Inventory, Version, plan_function

SCHEMA = "lambdoctor-account/1"
_DEFAULTS = {"Timeout": 3, "MemorySize": 128}


class SnapshotError(Exception):
    """A snapshot that cannot be read at all (not JSON, another schema)."""


def _node(file: str, value: Any) -> Any:
    """Plain JSON → nodes that carry the resource's ARN as their file."""
    if isinstance(value, dict):
        node = FileNode(file)
        for k, v in value.items():
            node[k] = _node(file, v)
        return node
    if isinstance(value, list):
        return [_node(file, v) for v in value]
    return value


def _qualifier(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[7] if len(parts) > 7 and parts[7] else None


def _function_name(arn: str) -> str:
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn


class _Region:
    def __init__(self, data: dict[str, Any], iam: dict[str, Any], account: str) -> None:
        self.data = data
        self.region = str(data.get("region", ""))
        self.account = account
        self.iam = iam
        self.resources: dict[str, Any] = {}
        self.files: dict[str, str] = {}
        self.problems: list[str] = []

    def add(self, lid: str, file: str, rtype: str, props: dict[str, Any], **extra: Any) -> None:
        self.resources[lid] = _node(file, {"Type": rtype, "Properties": props, **extra})

    def items(self, key: str) -> Iterator[tuple[str, Any]]:
        values = self.data.get(key) or []
        if not isinstance(values, list):
            self.problems.append(f"regions[{self.region}].{key}: expected a list")
            return
        for i, item in enumerate(values):
            yield f"{key}[{i}]", item

    def guarded(self, where: str, build: Any, item: Any) -> None:
        try:
            build(item)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.problems.append(f"{self.region}: {where}: unreadable ({type(exc).__name__}: {exc})")

    # -- roles -----------------------------------------------------------------------------------------------
    def role_target(self, arn: str) -> Any:
        roles = self.iam.get("Roles") or {}
        if arn not in roles:
            return arn
        role = roles[arn]
        lid = f"role:{role['RoleName']}"
        if lid not in self.resources:
            managed_docs = self.iam.get("ManagedPolicies") or {}
            aws_managed = [a for a in role.get("AttachedPolicies", []) if a not in managed_docs]
            self.add(lid, arn, "AWS::IAM::Role", {
                "Policies": [{"PolicyName": n, "PolicyDocument": d} for n, d in
                             sorted((role.get("InlinePolicies") or {}).items())],
                "ManagedPolicyArns": aws_managed})
            for policy_arn in role.get("AttachedPolicies", []):
                if policy_arn in managed_docs:
                    self.add(f"policy:{policy_arn}:{role['RoleName']}", policy_arn, "AWS::IAM::ManagedPolicy",
                             {"PolicyDocument": managed_docs[policy_arn], "Roles": [{"Ref": lid}]})
        return {"Fn::GetAtt": [lid, "Arn"]}

    # -- functions ---------------------------------------------------------------------------------------------
    def function(self, f: dict[str, Any]) -> None:
        c = f["Configuration"]
        name, arn = c["FunctionName"], c["FunctionArn"]
        props: dict[str, Any] = {"FunctionName": name, "PackageType": c.get("PackageType", "Zip")}
        for key in ("Runtime", "Handler", "Architectures"):
            if c.get(key):
                props[key] = c[key]
        for key, default in _DEFAULTS.items():
            if key in c and c[key] != default:
                props[key] = c[key]
        size = (c.get("EphemeralStorage") or {}).get("Size")
        if size and size != 512:
            props["EphemeralStorage"] = {"Size": size}
        if (c.get("Environment") or {}).get("Variables"):
            props["Environment"] = {"Variables": c["Environment"]["Variables"]}
        if c.get("Role"):
            props["Role"] = self.role_target(c["Role"])
        vpc = c.get("VpcConfig") or {}
        if vpc.get("SubnetIds"):
            props["VpcConfig"] = {"SubnetIds": vpc["SubnetIds"], "SecurityGroupIds": vpc.get("SecurityGroupIds", [])}
        if c.get("Layers"):
            props["Layers"] = [layer["Arn"] for layer in c["Layers"]]
        if f.get("ReservedConcurrency") is not None:
            props["ReservedConcurrentExecutions"] = f["ReservedConcurrency"]
        if (c.get("TracingConfig") or {}).get("Mode"):
            props["TracingConfig"] = {"Mode": c["TracingConfig"]["Mode"]}
        if (c.get("DeadLetterConfig") or {}).get("TargetArn"):
            props["DeadLetterConfig"] = {"TargetArn": c["DeadLetterConfig"]["TargetArn"]}
        if c.get("LoggingConfig"):
            props["LoggingConfig"] = c["LoggingConfig"]
        if (c.get("SnapStart") or {}).get("ApplyOn", "None") != "None":
            props["SnapStart"] = {"ApplyOn": c["SnapStart"]["ApplyOn"]}
        self.add(name, arn, "AWS::Lambda::Function", props)
        ref = {"Ref": name}

        aliases = {a["Name"]: a for a in f.get("Aliases") or []}
        provisioned = {_qualifier(p["FunctionArn"]): p.get("RequestedProvisionedConcurrentExecutions")
                       for p in f.get("ProvisionedConcurrency") or []}
        for alias in aliases.values():
            aprops: dict[str, Any] = {"FunctionName": ref, "Name": alias["Name"],
                                      "FunctionVersion": alias["FunctionVersion"]}
            if (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights"):
                aprops["RoutingConfig"] = {"AdditionalVersionWeights": [
                    {"FunctionVersion": v, "FunctionWeight": w}
                    for v, w in sorted(alias["RoutingConfig"]["AdditionalVersionWeights"].items())]}
            if alias["Name"] in provisioned:
                aprops["ProvisionedConcurrencyConfig"] = {
                    "ProvisionedConcurrentExecutions": provisioned[alias["Name"]]}
            self.add(f"{name}:{alias['Name']}", f"{arn}:{alias['Name']}", "AWS::Lambda::Alias", aprops)
        versions = f.get("Versions") or []
        for v in versions:
            number = v["Version"]
            if number in provisioned or v is versions[-1]:
                # Published versions stay until someone deletes them: Retain is what the account does.
                vprops: dict[str, Any] = {"FunctionName": ref}
                if number in provisioned:
                    vprops["ProvisionedConcurrencyConfig"] = {"ProvisionedConcurrentExecutions": provisioned[number]}
                self.add(f"{name}:{number}", f"{arn}:{number}", "AWS::Lambda::Version", vprops,
                         DeletionPolicy="Retain")
        for url in f.get("UrlConfigs") or []:
            q = _qualifier(url["FunctionArn"])
            self.add(f"url:{name}:{q or ''}", url["FunctionArn"], "AWS::Lambda::Url",
                     {"TargetFunctionArn": ref, "AuthType": url.get("AuthType", ""), **({"Qualifier": q} if q else {})})
        for cfg in f.get("EventInvokeConfigs") or []:
            q = _qualifier(cfg.get("FunctionArn", "")) or "$LATEST"
            self.add(f"async:{name}:{q}", cfg.get("FunctionArn", arn), "AWS::Lambda::EventInvokeConfig", {
                "FunctionName": ref, "Qualifier": q,
                **{k: cfg[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
                   if k in cfg}})
        policy = f.get("Policy") or {}
        for i, st in enumerate(policy.get("Statement") or []):
            self.permission(name, arn, i, st)

    def permission(self, name: str, arn: str, index: int, st: dict[str, Any]) -> None:
        if st.get("Effect", "Allow") != "Allow":
            return
        principal = st.get("Principal", "*")
        if isinstance(principal, dict):
            principal = principal.get("Service") or principal.get("AWS") or "*"
        if isinstance(principal, list):
            principal = principal[0] if principal else "*"
        action = st.get("Action", "lambda:InvokeFunction")
        props: dict[str, Any] = {"FunctionName": {"Ref": name}, "Principal": principal,
                                 "Action": action[0] if isinstance(action, list) and action else action}
        for conditions in (st.get("Condition") or {}).values():
            for key, value in (conditions or {}).items():
                k = key.lower()
                if k == "aws:sourcearn":
                    props["SourceArn"] = value
                elif k == "aws:sourceaccount":
                    props["SourceAccount"] = value
                elif k == "aws:principalorgid":
                    props["PrincipalOrgID"] = value
                elif k == "lambda:functionurlauthtype":
                    props["FunctionUrlAuthType"] = value
        self.add(f"permission:{name}:{st.get('Sid') or index}", arn, "AWS::Lambda::Permission", props)

    # -- region-wide ----------------------------------------------------------------------------------------
    def queue(self, arn: str, attrs: dict[str, Any]) -> str:
        lid = f"sqs:{arn.split(':')[-1]}"
        props: dict[str, Any] = {"QueueName": arn.split(":")[-1]}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if key in attrs:
                props[key] = int(attrs[key])
        if attrs.get("RedrivePolicy"):
            props["RedrivePolicy"] = json.loads(attrs["RedrivePolicy"])
        if str(attrs.get("FifoQueue", "")).lower() == "true":
            props["FifoQueue"] = True
        self.add(lid, arn, "AWS::SQS::Queue", props)
        return lid

    def mapping(self, m: dict[str, Any], queues: dict[str, str]) -> None:
        source = m.get("EventSourceArn", "")
        props: dict[str, Any] = {"FunctionName": {"Ref": _function_name(m["FunctionArn"])},
                                 "Enabled": m.get("State", "Enabled") not in ("Disabled", "Disabling")}
        if source:
            props["EventSourceArn"] = {"Fn::GetAtt": [queues[source], "Arn"]} if source in queues else source
        for key in ("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "MaximumRetryAttempts",
                    "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError", "DestinationConfig", "ScalingConfig",
                    "FilterCriteria", "StartingPosition", "ParallelizationFactor", "SelfManagedEventSource"):
            if m.get(key) not in (None, [], {}):
                props[key] = m[key]
        if _function_name(m["FunctionArn"]) in self.resources:
            self.add(f"mapping:{m.get('UUID', len(self.resources))}", m.get("FunctionArn", ""),
                     "AWS::Lambda::EventSourceMapping", props)

    def alarm(self, a: dict[str, Any]) -> None:
        keys = ("Namespace", "MetricName", "Dimensions", "Statistic", "ExtendedStatistic", "Threshold",
                "ComparisonOperator", "AlarmActions", "Metrics")
        props: dict[str, Any] = {k: a[k] for k in keys if k in a}
        self.add(f"alarm:{a['AlarmName']}", a.get("AlarmArn", a["AlarmName"]), "AWS::CloudWatch::Alarm", props)

    def log_group(self, g: dict[str, Any]) -> None:
        name = g["logGroupName"]
        props: dict[str, Any] = {"LogGroupName": name}
        if g.get("retentionInDays"):
            props["RetentionInDays"] = g["retentionInDays"]
        self.add(f"log:{name}", f"arn:aws:logs:{self.region}:{self.account}:log-group:{name}",
                 "AWS::Logs::LogGroup", props)

    def build(self, source: str) -> Application:
        functions = [(w, f) for w, f in self.items("functions") if isinstance(f, dict)]
        for where, f in functions:
            self.guarded(where, self.function, f)
        queues: dict[str, str] = {}
        raw_queues = self.data.get("queues") or {}
        for arn, attrs in raw_queues.items() if isinstance(raw_queues, dict) else []:
            self.guarded(f"queues[{arn}]", lambda a, arn=arn: queues.__setitem__(arn, self.queue(arn, a)), attrs)
        for where, m in self.items("event_source_mappings"):
            self.guarded(where, lambda x: self.mapping(x, queues), m)
        for where, a in self.items("alarms"):
            self.guarded(where, self.alarm, a)
        for where, g in self.items("log_groups"):
            self.guarded(where, self.log_group, g)
        app = build_application(source, {"Resources": self.resources})
        return dataclasses.replace(app, kind="live", account=self.facts(source, [f for _, f in functions]))

    def facts(self, source: str, functions: list[dict[str, Any]]) -> AccountFacts:
        settings = self.data.get("account_settings") or {}
        limit, usage = settings.get("AccountLimit") or {}, settings.get("AccountUsage") or {}
        versions: dict[str, tuple[VersionUse, ...]] = {}
        metrics: dict[str, FunctionMetrics] = {}
        days = tuple(self.data.get("metric_days") or ())
        mapped: dict[str, set[str]] = {}
        for _, m in self.items("event_source_mappings"):
            q = _qualifier(str(m.get("FunctionArn", "")))
            if q:
                mapped.setdefault(_function_name(m["FunctionArn"]), set()).add(q)
        for f in functions:
            try:
                name = f["Configuration"]["FunctionName"]
            except (KeyError, TypeError):
                continue
            versions[name] = _version_use(f, mapped.get(name, set()))
            m = f.get("Metrics")
            if isinstance(m, dict):
                def series(key: str, m: dict[str, Any] = m) -> tuple[float, ...]:
                    return tuple(float(x) for x in m.get(key) or ())
                metrics[name] = FunctionMetrics(days, series("Invocations"), series("Errors"), series("Throttles"),
                                                series("DeadLetterErrors"), series("DestinationDeliveryFailures"))
        return AccountFacts(
            self.region, SourceRef(source), int(self.data.get("lookback_days") or 0),
            code_storage_bytes=usage.get("TotalCodeSize"), code_storage_quota=limit.get("TotalCodeSize"),
            concurrency_limit=limit.get("ConcurrentExecutions"),
            unreserved_concurrency=limit.get("UnreservedConcurrentExecutions"),
            versions=versions, metrics=metrics)


def _version_use(f: dict[str, Any], mapped: set[str]) -> tuple[VersionUse, ...]:
    """What uses each published version, by the same rules as ``lambdoctor prune``. Qualified resource-policy
    statements live in each version's own policy and are not read by an audit (one call per version): prune reads
    them before it deletes anything."""
    inv = Inventory(
        f["Configuration"]["FunctionName"],
        [Version(v["Version"], int(v.get("CodeSize", 0)), v.get("LastModified", "")) for v in f.get("Versions") or []],
        [PlanAlias(a["Name"], a["FunctionVersion"],
                   tuple(sorted(((a.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).items())))
         for a in f.get("Aliases") or []],
        provisioned={q for p in f.get("ProvisionedConcurrency") or [] if (q := _qualifier(p["FunctionArn"]))},
        mappings=mapped,
        urls={q for u in f.get("UrlConfigs") or [] if (q := _qualifier(u["FunctionArn"]))},
    )
    unknown = [w for w in f.get("Unreadable") or [] if w in ("aliases", "provisioned concurrency", "function URLs",
                                                             "published versions")]
    return tuple(VersionUse(d.version, d.size_bytes, None if unknown and d.action == "delete" else
                            ("" if d.action == "delete" else d.reason))
                 for d in plan_function(inv, 0))


def build_account(source: str, snapshot: Any) -> tuple[list[Application], list[str]]:
    """Applications (one per Region) and the problems met on the way (each a located, plain reason)."""
    if not isinstance(snapshot, dict) or snapshot.get("schema") != SCHEMA:
        raise SnapshotError(f"not a lambdoctor account snapshot (expected \"schema\": \"{SCHEMA}\")")
    iam: dict[str, Any] = snapshot["iam"] if isinstance(snapshot.get("iam"), dict) else {}
    account = str(snapshot.get("account") or "")
    apps: list[Application] = []
    problems: list[str] = []
    regions = snapshot.get("regions")
    for i, data in enumerate(regions if isinstance(regions, list) else []):
        if not isinstance(data, dict) or not isinstance(data.get("region"), str):
            problems.append(f"regions[{i}]: not a Region (no \"region\" name)")
            continue
        region = _Region(data, iam, account)
        apps.append(region.build(f"aws://{account or 'account'}/{data['region']}"))
        problems.extend(region.problems)
    return apps, problems


def load_snapshot(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"line {exc.lineno}, column {exc.colno}: not JSON: {exc.msg}") from None
