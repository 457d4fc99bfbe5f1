"""``lambdoctor prune``: old function versions out of the 75 GB regional code-storage quota, never one in use.

Every published version keeps its deployment package and counts against the Region's code storage (75 GB by
default, facts.md §3); CI/CD that publishes on each deploy fills it in a year or two and then every deploy fails.
Which versions are in use, and so never deleted, is decided by the pure plan in ``lambdoctor.versions``; this
module reads the inventory the plan needs and deletes what it says — the only calls to AWS.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# The plan itself is pure and shared with the audit's model (ACC002): it lives in lambdoctor.versions.
from lambdoctor.versions import (
    Alias,
    Decision,
    Inventory,
    LayerInventory,
    LayerVersion,
    Version,
    plan_function,
    plan_layer,
    reclaimable,
)

__all__ = ["DEFAULT_QUOTA_BYTES", "Alias", "Decision", "Inventory", "LayerInventory", "LayerVersion", "Outcome",
           "Version", "account_storage", "apply", "apply_layer", "list_functions", "mapping_qualifiers",
           "plan_function", "plan_layer", "read_inventory", "read_layers", "reclaimable"]

DEFAULT_QUOTA_BYTES = 75 * 1024**3  # "Function and layer storage: 75 GB" (Lambda quotas page)


# -- reading the inventory (boto3, read-only) ----------------------------------------------------------------------


def _qualifier(arn: str) -> str | None:
    """`arn:aws:lambda:r:acct:function:name:QUALIFIER` → QUALIFIER (None for an unqualified ARN)."""
    parts = arn.split(":")
    return parts[7] if len(parts) > 7 and parts[7] else None


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(exc).__name__))
    return type(exc).__name__


def mapping_qualifiers(lam: Any) -> dict[str, set[str]]:
    """Function name → the qualifiers its event source mappings target. Listed once for the whole Region:
    filtering by an unqualified name does not return the mappings of its versions and aliases."""
    out: dict[str, set[str]] = {}
    for page in lam.get_paginator("list_event_source_mappings").paginate():
        for m in page.get("EventSourceMappings", []):
            parts = m.get("FunctionArn", "").split(":")
            if len(parts) > 7 and parts[7]:
                out.setdefault(parts[6], set()).add(parts[7])
    return out


def read_inventory(lam: Any, function: str, keep: int, mappings: dict[str, set[str]] | None = None) -> Inventory:
    from botocore.exceptions import BotoCoreError, ClientError

    versions = [Version(c["Version"], int(c.get("CodeSize", 0)), c.get("LastModified", ""))
                for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=function)
                for c in page.get("Versions", [])]
    aliases = [Alias(a["Name"], a["FunctionVersion"],
                     tuple(sorted((a.get("RoutingConfig") or {}).get("AdditionalVersionWeights", {}).items())))
               for page in lam.get_paginator("list_aliases").paginate(FunctionName=function)
               for a in page.get("Aliases", [])]
    inv = Inventory(function, versions, aliases)

    def guarded(what: str, read: Any) -> set[str]:
        try:
            return {q for q in read() if q}
        except (ClientError, BotoCoreError) as exc:
            inv.unreadable.append(f"{what} ({_error_code(exc)})")
            return set()

    inv.provisioned = guarded("provisioned-concurrency configs", lambda: [
        _qualifier(c["FunctionArn"]) for page in lam.get_paginator("list_provisioned_concurrency_configs").paginate(
            FunctionName=function) for c in page.get("ProvisionedConcurrencyConfigs", [])])
    inv.mappings = guarded("event source mappings", lambda: (
        mappings if mappings is not None else mapping_qualifiers(lam)).get(function, set()))
    inv.urls = guarded("function URLs", lambda: _url_qualifiers(lam, function, aliases))
    # GetPolicy is one call per qualifier (15 calls a second at most): asked only of the versions the plan would
    # otherwise delete, and of the aliases.
    candidates = [d.version for d in plan_function(inv, keep) if d.action == "delete"]
    inv.policy = guarded("the resource policy", lambda: _policy_qualifiers(lam, function, candidates, aliases))
    return inv


def _url_qualifiers(lam: Any, function: str, aliases: Sequence[Alias]) -> list[str]:
    """A function URL belongs to the function or to one alias (never to a version number)."""
    from botocore.exceptions import ClientError

    out = []
    for alias in aliases:
        try:
            lam.get_function_url_config(FunctionName=function, Qualifier=alias.name)
            out.append(alias.name)
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
    return out


def _policy_qualifiers(lam: Any, function: str, versions: Sequence[str], aliases: Sequence[Alias]) -> list[str]:
    """Permissions added with a qualifier live in that version's or alias's own policy."""
    from botocore.exceptions import ClientError

    out = []
    for q in [*versions, *(a.name for a in aliases)]:
        try:
            policy = json.loads(lam.get_policy(FunctionName=function, Qualifier=q)["Policy"])
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                continue
            raise
        # A qualified permission's statement names the qualified ARN as its Resource.
        if any(_qualifier(str(st.get("Resource", ""))) == q for st in policy.get("Statement", [])):
            out.append(q)
    return out


def account_storage(lam: Any) -> tuple[int | None, int, str | None]:
    """(bytes used, quota, a note when GetAccountSettings could not be read)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        settings = lam.get_account_settings()
    except (ClientError, BotoCoreError) as exc:
        return None, DEFAULT_QUOTA_BYTES, (f"code storage in use not read (GetAccountSettings: {_error_code(exc)}); "
                                           "the quota is taken as the default 75 GB")
    used = int(settings.get("AccountUsage", {}).get("TotalCodeSize", 0))
    quota = int(settings.get("AccountLimit", {}).get("TotalCodeSize", DEFAULT_QUOTA_BYTES))
    return used, quota, None


@dataclass
class Outcome:
    function: str
    decisions: list[Decision]
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (version, reason)


def apply(lam: Any, function: str, keep: int, mappings: dict[str, set[str]] | None = None) -> Outcome:
    """Delete what a fresh plan deletes. The plan is made again from a fresh read right before deleting: an alias
    moved since the report was printed protects its version. A version already gone counts as deleted, so a
    re-run after a failure is safe."""
    from botocore.exceptions import BotoCoreError, ClientError

    decisions = plan_function(read_inventory(lam, function, keep, mappings), keep)
    outcome = Outcome(function, decisions)
    for d in decisions:
        if d.action != "delete":
            continue
        try:
            lam.delete_function(FunctionName=function, Qualifier=d.version)
            outcome.deleted.append(d.version)
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                outcome.deleted.append(d.version)
            else:
                outcome.failed.append((d.version, _error_code(exc)))
        except BotoCoreError as exc:
            outcome.failed.append((d.version, type(exc).__name__))
    return outcome


def list_functions(lam: Any) -> list[str]:
    return [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate()
            for f in page.get("Functions", [])]


# -- layers (--layers): reading and deleting; the plan is versions.plan_layer ------------------------------


def layers_in_use(lam: Any, functions: Sequence[str]) -> set[str]:
    """Every layer version ARN named by any version ($LATEST included) of any function of the Region."""
    return {layer["Arn"] for fn in functions
            for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=fn)
            for v in page.get("Versions", []) for layer in v.get("Layers", [])}


def read_layers(lam: Any, functions: Sequence[str]) -> list[LayerInventory]:
    from botocore.exceptions import BotoCoreError, ClientError

    unreadable: list[str] = []
    try:
        used = layers_in_use(lam, functions)
    except (ClientError, BotoCoreError) as exc:
        used, unreadable = set(), [f"the layers functions use ({_error_code(exc)})"]
    out = []
    for layer in (x for page in lam.get_paginator("list_layers").paginate() for x in page.get("Layers", [])):
        name = layer["LayerName"]
        versions = []
        for page in lam.get_paginator("list_layer_versions").paginate(LayerName=name):
            for v in page.get("LayerVersions", []):
                got = lam.get_layer_version(LayerName=name, VersionNumber=v["Version"])
                versions.append(LayerVersion(v["LayerVersionArn"], int(v["Version"]),
                                             int(got.get("Content", {}).get("CodeSize", 0)),
                                             v.get("CreatedDate", "")))
        out.append(LayerInventory(name, versions, used, list(unreadable)))
    return out


def apply_layer(lam: Any, inv: LayerInventory, keep: int) -> Outcome:
    from botocore.exceptions import BotoCoreError, ClientError

    decisions = plan_layer(inv, keep)
    outcome = Outcome(f"layer:{inv.layer}", decisions)
    for d in decisions:
        if d.action != "delete":
            continue
        try:
            lam.delete_layer_version(LayerName=inv.layer, VersionNumber=int(d.version))
            outcome.deleted.append(d.version)  # deleting a deleted layer version succeeds: re-runs are safe
        except (ClientError, BotoCoreError) as exc:
            outcome.failed.append((d.version, _error_code(exc)))
    return outcome
