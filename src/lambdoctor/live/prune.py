"""``lambdoctor prune``: old function versions out of the 75 GB regional code-storage quota, never one in use.

Every published version keeps its deployment package and counts against the Region's code storage (75 GB by
default, facts.md §3); CI/CD that publishes on each deploy fills it in a year or two and then every deploy fails.
Which versions are in use, and so never deleted, is decided by the pure plan in ``lambdoctor.versions``; this
module reads the inventory the plan needs and deletes what it says — the only calls to AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
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

__all__ = ["DEFAULT_QUOTA_BYTES", "Alias", "Decision", "FunctionRef", "Inventory", "LayerInventory", "LayerVersion",
           "Outcome", "Unreadable", "Version", "account_storage", "apply", "apply_layer", "list_functions",
           "mapping_qualifiers", "pages", "plan", "plan_function", "plan_layer", "protection_now", "read_inventory",
           "read_layers", "reclaimable", "resolve_function", "split_function"]

DEFAULT_QUOTA_BYTES = 75 * 1024**3  # "Function and layer storage: 75 GB" (Lambda quotas page)


# -- reading the inventory (boto3, read-only) ----------------------------------------------------------------------
# A protection source counts as read only when its answer has the shape the API reference documents: the list key
# present and a list, each item with the fields the plan needs, every page read until no NextMarker is given, and a
# marker never repeated. botocore does not check this: a body cut short or an HTML page with status 200 parses to a
# dict with no list in it and no error, which a plain ``page.get("Aliases", [])`` reads as "no aliases".

MAX_PAGES = 10_000  # 500,000 items at Lambda's largest page size (50): far beyond any Region's quotas


class Unreadable(Exception):
    """An answer that is not what the API documents, or that could not be had: the source is unknown."""


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(exc).__name__))
    return type(exc).__name__


def _items(page: Any, operation: str, key: str, fields: Sequence[str]) -> list[dict[str, Any]]:
    if not isinstance(page, dict) or not isinstance(page.get(key), list):
        raise Unreadable(f"{operation} answered without its {key} list")
    for item in page[key]:
        if not isinstance(item, dict) or any(not isinstance(item.get(f), str) for f in fields):
            raise Unreadable(f"{operation} answered an entry of {key} without {', '.join(fields)}")
    return list(page[key])


def pages(lam: Any, operation: str, key: str, fields: Sequence[str], **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged Lambda list, checked against the documented shape (Marker/NextMarker paging)."""
    call = getattr(lam, operation)
    name = lam.meta.method_to_api_mapping.get(operation, operation)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    marker: str | None = None
    for _ in range(MAX_PAGES):
        page = call(**params, **({"Marker": marker} if marker else {}))
        out.extend(_items(page, name, key, fields))
        marker = page.get("NextMarker")
        if marker is None or marker == "":
            return out
        if not isinstance(marker, str) or marker in seen:
            raise Unreadable(f"{name} gave a NextMarker it had given before: its pages do not end")
        seen.add(marker)
    raise Unreadable(f"{name} gave more than {MAX_PAGES} pages")


def _qualifier(arn: str) -> str | None:
    """`arn:aws:lambda:r:acct:function:name:QUALIFIER` → QUALIFIER (None for an unqualified ARN)."""
    parts = arn.split(":")
    return parts[7] if len(parts) > 7 and parts[7] else None


def _unqualified(arn: str) -> str:
    return ":".join(arn.split(":")[:7])


@dataclass(frozen=True)
class FunctionRef:
    """A function as the API names it: its name and its unqualified ARN, normalised once from whatever the user
    gave (a name, a partial ARN ``123456789012:function:name`` or a full ARN, each maybe with ``:qualifier``)."""

    name: str  # what the API calls are made with: the Region is the client's, and the ARN was checked to be in it
    arn: str  # unqualified; what event source mappings are matched on


def split_function(given: str) -> tuple[str, str | None, str | None]:
    """(the function without its qualifier, the qualifier or None, the Region an ARN names or None). The formats
    are DeleteFunction's FunctionName "Name formats" (Lambda API reference)."""
    parts = given.split(":")
    if parts[0] == "arn" and len(parts) in (7, 8) and parts[5] == "function":
        return ":".join(parts[:7]), (parts[7] if len(parts) == 8 else None), parts[3]
    if len(parts) in (3, 4) and parts[1] == "function":
        return ":".join(parts[:3]), (parts[3] if len(parts) == 4 else None), None
    if len(parts) in (1, 2) and parts[0]:
        return parts[0], (parts[1] if len(parts) == 2 else None), None
    raise ValueError(f"{given!r} is not a function name or ARN")


def resolve_function(lam: Any, given: str) -> FunctionRef:
    """The function the user named, as the API knows it (GetFunctionConfiguration gives its ARN).

    Every later call names the function by its name, in the client's Region and account. So an ARN (full or
    partial) must name a function of that account: one of another account would otherwise have its same-named
    twin here pruned with the other's mappings, that is with none of its own."""
    unqualified, _, region = split_function(given)
    if region is not None and region != lam.meta.region_name:
        raise ValueError(f"{given} is in {region}; this run reads {lam.meta.region_name} (give --region {region})")
    ref = _configured(lam, unqualified)
    if ":" in unqualified:
        own = _configured(lam, ref.name)
        account = unqualified.split(":")[-3]  # arn:aws:lambda:REGION:ACCOUNT:function:NAME or ACCOUNT:function:NAME
        if own.arn != ref.arn or own.arn.split(":")[4] != account:
            raise ValueError(f"{given} is not a function of the account this run reads ({own.arn.split(':')[4]})")
    return ref


def _configured(lam: Any, function: str) -> FunctionRef:
    config = lam.get_function_configuration(FunctionName=function)
    arn, name = config.get("FunctionArn"), config.get("FunctionName")
    if not isinstance(arn, str) or not isinstance(name, str) or arn.count(":") < 6:
        raise Unreadable("GetFunctionConfiguration answered without FunctionName and FunctionArn")
    return FunctionRef(name, _unqualified(arn))


def list_functions(lam: Any) -> list[FunctionRef]:
    return [FunctionRef(f["FunctionName"], _unqualified(f["FunctionArn"]))
            for f in pages(lam, "list_functions", "Functions", ("FunctionName", "FunctionArn"))]


def mapping_qualifiers(lam: Any) -> dict[str, set[str]]:
    """Unqualified function ARN → the qualifiers its event source mappings target. Listed once for the whole
    Region: filtering by an unqualified name does not return the mappings of its versions and aliases."""
    out: dict[str, set[str]] = {}
    for m in pages(lam, "list_event_source_mappings", "EventSourceMappings", ("FunctionArn",)):
        out.setdefault(_unqualified(m["FunctionArn"]), set())
        if q := _qualifier(m["FunctionArn"]):
            out[_unqualified(m["FunctionArn"])].add(q)
    return out


def _aliases(lam: Any, ref: FunctionRef) -> list[Alias]:
    out = []
    for a in pages(lam, "list_aliases", "Aliases", ("Name", "FunctionVersion"), FunctionName=ref.name):
        weights = (a.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if not isinstance(weights, dict):
            raise Unreadable("ListAliases answered a RoutingConfig without its AdditionalVersionWeights map")
        out.append(Alias(a["Name"], a["FunctionVersion"], tuple(sorted(weights.items()))))
    return out


def _reason(what: str, exc: BaseException) -> str:
    return f"{what} ({exc if isinstance(exc, Unreadable) else _error_code(exc)})"


def _guarded(inv: Inventory, what: str, read: Callable[[], Iterable[str | None]]) -> set[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return {q for q in read() if q}
    except (ClientError, BotoCoreError, Unreadable) as exc:
        inv.unreadable.append(_reason(what, exc))
        return set()


def read_inventory(lam: Any, function: FunctionRef | str, keep: int,
                   mappings: dict[str, set[str]] | None = None) -> Inventory:
    """Everything that protects a version of ``function``; each source that could not be read in full is named in
    ``unreadable`` (and then the plan deletes nothing of this function)."""
    from botocore.exceptions import BotoCoreError, ClientError

    ref = function if isinstance(function, FunctionRef) else resolve_function(lam, function)
    inv = Inventory(ref.name, [])
    try:
        inv.versions = [Version(c["Version"], int(c.get("CodeSize") or 0), str(c.get("LastModified", "")))
                        for c in pages(lam, "list_versions_by_function", "Versions", ("Version",),
                                       FunctionName=ref.name)]
    except (ClientError, BotoCoreError, Unreadable, ValueError, TypeError) as exc:
        inv.unreadable.append(_reason("the published versions", exc))
    try:
        inv.aliases = _aliases(lam, ref)
    except (ClientError, BotoCoreError, Unreadable) as exc:
        inv.unreadable.append(_reason("aliases", exc))
        return inv  # provisioned concurrency, URLs and policies may name aliases: nothing more to learn
    inv.provisioned = _guarded(inv, "provisioned-concurrency configs", lambda: [
        _qualifier(c["FunctionArn"]) for c in pages(lam, "list_provisioned_concurrency_configs",
                                                    "ProvisionedConcurrencyConfigs", ("FunctionArn",),
                                                    FunctionName=ref.name)])
    inv.mappings = _guarded(inv, "event source mappings", lambda: (
        mappings if mappings is not None else mapping_qualifiers(lam)).get(ref.arn, set()))
    inv.urls = _guarded(inv, "function URLs", lambda: _url_qualifiers(lam, ref, inv.aliases))
    if inv.unreadable:
        return inv
    # GetPolicy is one call per qualifier (15 calls a second at most): asked only of the versions the plan would
    # otherwise delete, and of the aliases.
    candidates = [d.version for d in plan_function(inv, keep) if d.action == "delete"]
    inv.policy = _guarded(inv, "the resource policy", lambda: _policy_qualifiers(lam, ref, candidates, inv.aliases))
    return inv


def _url_qualifiers(lam: Any, ref: FunctionRef, aliases: Sequence[Alias]) -> list[str]:
    """A function URL belongs to the function or to one alias (never to a version number)."""
    return [alias.name for alias in aliases if _has_url(lam, ref, alias.name)]


def _has_url(lam: Any, ref: FunctionRef, qualifier: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        got = lam.get_function_url_config(FunctionName=ref.name, Qualifier=qualifier)
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return False
        raise
    if not isinstance(got.get("FunctionUrl"), str) or not isinstance(got.get("FunctionArn"), str):
        raise Unreadable("GetFunctionUrlConfig answered without FunctionUrl and FunctionArn")
    return True


def _policy_names(lam: Any, ref: FunctionRef, qualifier: str) -> bool:
    """Whether the qualifier's own resource policy has a statement naming the qualified ARN."""
    from botocore.exceptions import ClientError

    try:
        text = lam.get_policy(FunctionName=ref.name, Qualifier=qualifier).get("Policy")
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return False
        raise
    try:
        policy = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        policy = None
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(st, dict) for st in statements):
        raise Unreadable("GetPolicy answered without a policy document with a Statement")
    # A qualified permission's statement names the qualified ARN as its Resource.
    resources = [r for st in statements for r in (st.get("Resource") if isinstance(st.get("Resource"), list)
                                                   else [st.get("Resource")])]
    return any(_qualifier(str(r)) == qualifier for r in resources)


def _policy_qualifiers(lam: Any, ref: FunctionRef, versions: Sequence[str], aliases: Sequence[Alias]) -> list[str]:
    """Permissions added with a qualifier live in that version's or alias's own policy."""
    return [q for q in [*versions, *(a.name for a in aliases)] if _policy_names(lam, ref, q)]


def protection_now(lam: Any, ref: FunctionRef, version: str) -> str | None:
    """Read again, right before deleting ``version``, whatever could protect that one version: why it is now
    protected (or could not be read), or None when it is still free to go. An alias that routes to it also covers
    the provisioned concurrency, mappings, URL and policy statements of that alias."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        for alias in _aliases(lam, ref):
            if version == alias.version or version in (w for w, _ in alias.weights):
                return f"alias {alias.name} routes to it now"
        qualified = f"{ref.arn}:{version}"
        if pages(lam, "list_event_source_mappings", "EventSourceMappings", ("FunctionArn",),
                 FunctionName=qualified):
            return "an event source mapping targets it now"
        try:
            got = lam.get_provisioned_concurrency_config(FunctionName=ref.name, Qualifier=version)
            if not isinstance(got.get("Status"), str):
                raise Unreadable("GetProvisionedConcurrencyConfig answered without a Status")
            return "provisioned concurrency targets it now"
        except ClientError as exc:
            if _error_code(exc) != "ProvisionedConcurrencyConfigNotFoundException":
                raise
        if _policy_names(lam, ref, version):
            return "a resource-policy statement targets it now"
    except (ClientError, BotoCoreError, Unreadable) as exc:
        return f"could not read its protection again: {_reason('the re-check', exc)}"
    return None


def account_storage(lam: Any) -> tuple[int | None, int, str | None]:
    """(bytes used, quota, a note when GetAccountSettings could not be read)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        settings = lam.get_account_settings()
        used = int(settings["AccountUsage"]["TotalCodeSize"])
        quota = int(settings.get("AccountLimit", {}).get("TotalCodeSize", DEFAULT_QUOTA_BYTES))
    except (ClientError, BotoCoreError) as exc:
        return None, DEFAULT_QUOTA_BYTES, (f"code storage in use not read (GetAccountSettings: {_error_code(exc)}); "
                                           "the quota is taken as the default 75 GB")
    except (KeyError, TypeError, ValueError, AttributeError):
        return None, DEFAULT_QUOTA_BYTES, ("code storage in use not read (GetAccountSettings answered without "
                                           "AccountUsage.TotalCodeSize); the quota is taken as the default 75 GB")
    return used, quota, None


@dataclass
class Outcome:
    function: str
    decisions: list[Decision]
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (version, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # planned, but protected when re-read
    unknown: list[str] = field(default_factory=list)  # what could not be read: nothing of it was deleted

    @property
    def partial(self) -> bool:
        return bool(self.failed or self.skipped or self.unknown)


def _resolved(lam: Any, function: FunctionRef | str) -> FunctionRef | Outcome:
    """The function as a FunctionRef, or an Outcome saying why it could not be resolved (the run goes on)."""
    from lambdoctor.live.session import is_aws_error

    if isinstance(function, FunctionRef):
        return function
    try:
        return resolve_function(lam, function)
    except Exception as exc:
        if not (is_aws_error(exc) or isinstance(exc, (Unreadable, ValueError))):
            raise
        return Outcome(function, [], unknown=[_reason("the function", exc)])


def plan(lam: Any, function: FunctionRef | str, keep: int, mappings: dict[str, set[str]] | None = None) -> Outcome:
    """The plan for one function, nothing deleted; what could not be read is in ``unknown``."""
    ref = _resolved(lam, function)
    if isinstance(ref, Outcome):
        return ref
    inv = read_inventory(lam, ref, keep, mappings)
    return Outcome(inv.function, plan_function(inv, keep), unknown=list(inv.unreadable))


def apply(lam: Any, function: FunctionRef | str, keep: int, mappings: dict[str, set[str]] | None = None) -> Outcome:
    """Delete what a fresh plan deletes. The plan is made from a fresh read right before deleting, and each
    version's protection is read once more right before its own delete: an alias moved or a mapping created since
    then protects it. A version already gone counts as deleted, so a re-run after a failure is safe."""
    from botocore.exceptions import BotoCoreError, ClientError

    ref = _resolved(lam, function)
    if isinstance(ref, Outcome):
        return ref
    outcome = plan(lam, ref, keep, mappings)
    if outcome.unknown:
        return outcome
    for d in outcome.decisions:
        if d.action != "delete":
            continue
        why = protection_now(lam, ref, d.version)
        if why is not None:
            outcome.skipped.append((d.version, why))
            continue
        try:
            lam.delete_function(FunctionName=ref.name, Qualifier=d.version)
            outcome.deleted.append(d.version)
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                outcome.deleted.append(d.version)
            else:
                outcome.failed.append((d.version, _error_code(exc)))
        except BotoCoreError as exc:
            outcome.failed.append((d.version, type(exc).__name__))
    return outcome


# -- layers (--layers): reading and deleting; the plan is versions.plan_layer ------------------------------


def layers_in_use(lam: Any, functions: Sequence[FunctionRef]) -> set[str]:
    """Every layer version ARN named by any version ($LATEST included) of any function of the Region."""
    used: set[str] = set()
    for fn in functions:
        for v in pages(lam, "list_versions_by_function", "Versions", ("Version",), FunctionName=fn.name):
            layers = v.get("Layers") or []
            if not isinstance(layers, list) or any(not isinstance(x, dict) or not isinstance(x.get("Arn"), str)
                                                   for x in layers):
                raise Unreadable("ListVersionsByFunction answered a version whose Layers have no Arn")
            used.update(x["Arn"] for x in layers)
    return used


def read_layers(lam: Any, functions: Sequence[FunctionRef] | None) -> list[LayerInventory]:
    """Each layer of the Region with its versions and the ARNs in use; ``functions`` None: the list of functions
    could not be read, so no layer version is known to be unused."""
    from botocore.exceptions import BotoCoreError, ClientError

    unreadable: list[str] = []
    used: set[str] = set()
    if functions is None:
        unreadable = ["the list of functions"]
    else:
        try:
            used = layers_in_use(lam, functions)
        except (ClientError, BotoCoreError, Unreadable) as exc:
            unreadable = [_reason("the layers functions use", exc)]
    out = []
    for layer in pages(lam, "list_layers", "Layers", ("LayerName",)):
        name = layer["LayerName"]
        inv = LayerInventory(name, [], used, list(unreadable))
        try:
            for v in pages(lam, "list_layer_versions", "LayerVersions", ("LayerVersionArn",), LayerName=name):
                got = lam.get_layer_version(LayerName=name, VersionNumber=int(v["Version"]))
                size = (got.get("Content") or {}).get("CodeSize")
                if not isinstance(size, int):
                    raise Unreadable("GetLayerVersion answered without Content.CodeSize")
                inv.versions.append(LayerVersion(v["LayerVersionArn"], int(v["Version"]), size,
                                                 str(v.get("CreatedDate", ""))))
        except (ClientError, BotoCoreError, Unreadable, KeyError, TypeError, ValueError) as exc:
            inv.unreadable.append(_reason("the layer's versions", exc))
        out.append(inv)
    return out


def apply_layer(lam: Any, inv: LayerInventory, keep: int) -> Outcome:
    from botocore.exceptions import BotoCoreError, ClientError

    decisions = plan_layer(inv, keep)
    outcome = Outcome(f"layer:{inv.layer}", decisions, unknown=list(inv.unreadable))
    for d in decisions:
        if d.action != "delete":
            continue
        try:
            lam.delete_layer_version(LayerName=inv.layer, VersionNumber=int(d.version))
            outcome.deleted.append(d.version)  # deleting a deleted layer version succeeds: re-runs are safe
        except (ClientError, BotoCoreError) as exc:
            outcome.failed.append((d.version, _error_code(exc)))
    return outcome
