"""Which published versions (of a function or a layer) are in use, and which a prune may delete: a pure plan.

A function version is in use when it is `$LATEST`, the primary or weighted version of an alias, the target of a
provisioned-concurrency config, an event source mapping or a function URL, or named by a qualified statement of
the function's resource policy; a layer version when any function version names it. Of the rest, the `keep` newest
stay. When one of the protection sources could not be read, nothing goes: not knowing is not permission.
Used by ``lambdoctor prune`` (live/prune.py) and by the audit's model (ACC002, loaders/aws.py); tested as a property
over random layouts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Version:
    version: str  # "$LATEST" or a number
    size_bytes: int
    last_modified: str = ""


@dataclass(frozen=True)
class Alias:
    name: str
    version: str
    weights: tuple[tuple[str, float], ...] = ()  # additional versions and their share of traffic


@dataclass
class Inventory:
    function: str
    versions: list[Version]
    aliases: list[Alias] = field(default_factory=list)
    provisioned: set[str] = field(default_factory=set)  # qualifiers (version numbers or alias names)
    mappings: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    policy: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)  # protection sources that could not be read


@dataclass(frozen=True)
class Decision:
    version: str
    size_bytes: int
    last_modified: str
    action: str  # "keep" or "delete"
    reason: str


def _number(version: str) -> int:
    return int(version) if version.isdigit() else -1


def _through_aliases(qualifiers: Iterable[str], aliases: Sequence[Alias]) -> dict[str, str]:
    """A qualifier is a version number or an alias name; an alias name protects the versions it routes to."""
    by_name = {a.name: a for a in aliases}
    out: dict[str, str] = {}
    for q in qualifiers:
        if q in by_name:
            alias = by_name[q]
            for v in (alias.version, *(w for w, _ in alias.weights)):
                out.setdefault(v, f"via alias {alias.name}")
        else:
            out.setdefault(q, "")
    return out


def plan_function(inv: Inventory, keep: int) -> list[Decision]:
    """Every version of one function with its action and why, newest first."""
    protected: dict[str, str] = {"$LATEST": "$LATEST is never deleted"}
    for alias in inv.aliases:
        protected.setdefault(alias.version, f"alias {alias.name} points here")
        for version, weight in alias.weights:
            protected.setdefault(version, f"alias {alias.name} routes {weight * 100:g} % of traffic here")
    sources = (("provisioned concurrency", inv.provisioned), ("an event source mapping", inv.mappings),
               ("a function URL", inv.urls), ("a resource-policy statement", inv.policy))
    for what, qualifiers in sources:
        for version, via in _through_aliases(qualifiers, inv.aliases).items():
            protected.setdefault(version, f"{what} targets it{' ' + via if via else ''}")
    ordered = sorted(inv.versions, key=lambda v: (_number(v.version), v.version), reverse=True)
    return _decide([(v.version, v.size_bytes, v.last_modified, protected.get(v.version)) for v in ordered],
                   inv.unreadable, keep, "not in use")


def _decide(newest_first: list[tuple[str, int, str, str | None]], unreadable: Sequence[str], keep: int,
            unused: str) -> list[Decision]:
    """(version, size, date, why it is protected or None) → decisions: protected ones stay; nothing goes while a
    protection source is unknown; of the rest the ``keep`` newest stay."""
    out: list[Decision] = []
    kept = 0
    for version, size, date, protection in newest_first:
        if protection is not None:
            out.append(Decision(version, size, date, "keep", protection))
        elif unreadable:
            out.append(Decision(version, size, date, "keep",
                                f"could not read {', '.join(unreadable)}: not deleted while unknown"))
        elif kept < keep:
            kept += 1
            out.append(Decision(version, size, date, "keep", f"one of the {keep} newest versions not in use"))
        else:
            out.append(Decision(version, size, date, "delete", f"{unused}, older than the {keep} newest"))
    return out


def reclaimable(decisions: Iterable[Decision]) -> int:
    return sum(d.size_bytes for d in decisions if d.action == "delete")


# -- layers ---------------------------------------------------------------------------------------------------
# A layer version's package counts against the same code-storage quota. Deleting one does not break a function
# that already uses it (Lambda keeps a copy for it), but it can no longer be added to a function or deployed
# again: so a version any function version still names is kept, as are the `keep` newest of the rest.


@dataclass
class LayerInventory:
    layer: str
    versions: list[LayerVersion]
    used: set[str] = field(default_factory=set)  # layer version ARNs some function version names
    unreadable: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LayerVersion:
    arn: str
    version: int
    size_bytes: int
    created: str = ""


def plan_layer(inv: LayerInventory, keep: int) -> list[Decision]:
    ordered = sorted(inv.versions, key=lambda v: v.version, reverse=True)
    return _decide([(str(v.version), v.size_bytes, v.created, "a function version uses it" if v.arn in inv.used
                     else None) for v in ordered], inv.unreadable, keep, "no function uses it")
