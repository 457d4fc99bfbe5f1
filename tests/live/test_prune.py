"""`lambdoctor prune`: the plan as a property over random layouts, and plan/apply against moto's server.

moto has no ListProvisionedConcurrencyConfigs, GetProvisionedConcurrencyConfig and GetAccountSettings. Against the
bare server those calls fail and become notes (and, for provisioned concurrency, "nothing of this function is
deleted"); where a test needs provisioned concurrency answered, it talks to the server through ``faultproxy``,
which answers those two APIs in their documented shape. Faults are in test_prune_faults.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import faultproxy
import prune_layout
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdoctor.cli import main
from lambdoctor.live import prune
from lambdoctor.live.prune import Alias, Inventory, Version


@st.composite
def layouts(draw: Any) -> tuple[Inventory, int]:
    n = draw(st.integers(min_value=0, max_value=40))
    versions = [Version("$LATEST", draw(st.integers(0, 10**8)))] + [
        Version(str(i), draw(st.integers(0, 10**8))) for i in range(1, n + 1)]
    numbers = [str(i) for i in range(1, n + 1)] or ["$LATEST"]
    aliases = []
    for k in range(draw(st.integers(0, 4))):
        primary = draw(st.sampled_from(numbers))
        weighted = draw(st.lists(st.sampled_from(numbers), max_size=1))
        aliases.append(Alias(f"a{k}", primary, tuple((w, 0.1) for w in weighted if w != primary)))
    qualifiers = st.sets(st.sampled_from(numbers + [a.name for a in aliases]), max_size=3)
    inv = Inventory("f", versions, aliases, draw(qualifiers), draw(qualifiers), draw(qualifiers), draw(qualifiers))
    if draw(st.booleans()) and draw(st.booleans()):
        inv.unreadable.append("provisioned-concurrency configs (AccessDeniedException)")
    return inv, draw(st.integers(0, 5))


def _protected(inv: Inventory) -> set[str]:
    by_name = {a.name: a for a in inv.aliases}
    out = {"$LATEST"}
    for a in inv.aliases:
        out |= {a.version, *(v for v, _ in a.weights)}
    for q in inv.provisioned | inv.mappings | inv.urls | inv.policy:
        out |= {by_name[q].version, *(v for v, _ in by_name[q].weights)} if q in by_name else {q}
    return out


@settings(max_examples=400, deadline=None)
@given(layouts())
def test_prune_never_deletes_a_protected_version_and_counts_what_it_frees(layout: tuple[Inventory, int]) -> None:
    inv, keep = layout
    plan = prune.plan_function(inv, keep)
    assert sorted(d.version for d in plan) == sorted(v.version for v in inv.versions)
    deleted = {d.version for d in plan if d.action == "delete"}
    assert not deleted & _protected(inv)
    if inv.unreadable:
        assert not deleted
    unprotected = sorted((int(v.version) for v in inv.versions if v.version not in _protected(inv)), reverse=True)
    expected_kept = set() if inv.unreadable else {str(v) for v in unprotected[:keep]}
    assert deleted == ({str(v) for v in unprotected} - expected_kept if not inv.unreadable else set())
    assert prune.reclaimable(plan) == sum(v.size_bytes for v in inv.versions if v.version in deleted)


@pytest.fixture
def account(aws_endpoint: str) -> dict[str, Any]:
    """A function with 8 published versions: alias live → 8 with 10 % on 7, alias beta → 6, an SQS mapping on
    version 2, a permission qualified with version 1, a function URL on alias beta."""
    lam = boto3.client("lambda", endpoint_url=aws_endpoint, region_name="us-east-1")
    name = f"orders-{len(lam.list_functions()['Functions'])}"
    prune_layout.build(aws_endpoint, "us-east-1", name)
    return {"name": name, "endpoint": aws_endpoint, "lambda": lam}


@pytest.fixture
def proxied(aws_endpoint: str) -> Iterator[faultproxy.FaultProxy]:
    yield from faultproxy.start(aws_endpoint)


def test_plan_and_apply_against_the_server(account: dict[str, Any], proxied: faultproxy.FaultProxy) -> None:
    name = account["name"]
    proxied.provisioned[(name, "3")] = 5
    lam = boto3.client("lambda", endpoint_url=proxied.endpoint, region_name="us-east-1")
    plan = {d.version: (d.action, d.reason) for d in prune.plan_function(prune.read_inventory(lam, name, 1), 1)}
    assert plan == {
        "$LATEST": ("keep", "$LATEST is never deleted"),
        "8": ("keep", "alias live points here"),
        "7": ("keep", "alias live routes 10 % of traffic here"),
        "6": ("keep", "alias beta points here"),
        "5": ("keep", "one of the 1 newest versions not in use"),
        "4": ("delete", "not in use, older than the 1 newest"),
        "3": ("keep", "provisioned concurrency targets it"),
        "2": ("keep", "an event source mapping targets it"),
        "1": ("keep", "a resource-policy statement targets it"),
    }
    outcome = prune.apply(lam, name, 1)
    assert outcome.deleted == ["4"] and outcome.failed == []
    left = {v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]}
    assert left == {"$LATEST", "1", "2", "3", "5", "6", "7", "8"}
    again = prune.apply(lam, name, 1)  # re-running is safe: nothing more to delete
    assert again.deleted == [] and again.failed == []


def test_cli_plan_without_provisioned_concurrency_deletes_nothing(account: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["prune", "--function", account["name"], "--keep", "0", "--format", "json",
                                       "--endpoint-url", account["endpoint"], "--region", "us-east-1", "--apply"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 1  # partial: a protection source could not be read
    [fn] = doc["functions"]
    assert fn["deleted"] == [] and doc["reclaimable_bytes"] == 0 and doc["freed_bytes"] == 0 and doc["partial"]
    assert fn["unknown"] == ["provisioned-concurrency configs (404)"]
    reasons = {v["version"]: v["reason"] for v in fn["versions"]}
    assert reasons["5"].startswith("could not read provisioned-concurrency configs (")
    assert reasons["5"].endswith("): not deleted while unknown")
    assert doc["notes"][0].startswith("code storage in use not read (GetAccountSettings: ")


@st.composite
def layer_layouts(draw: Any) -> tuple[prune.LayerInventory, int]:
    n = draw(st.integers(min_value=0, max_value=30))
    versions = [prune.LayerVersion(f"arn:aws:lambda:us-east-1:1:layer:deps:{i}", i, draw(st.integers(0, 10**8)))
                for i in range(1, n + 1)]
    used = draw(st.sets(st.sampled_from([v.arn for v in versions]), max_size=n)) if versions else set()
    inv = prune.LayerInventory("deps", versions, used)
    if draw(st.integers(0, 9)) == 0:
        inv.unreadable.append("the layers functions use (AccessDeniedException)")
    return inv, draw(st.integers(0, 5))


@settings(max_examples=400, deadline=None)
@given(layer_layouts())
def test_layer_prune_never_deletes_a_used_layer_version(layout: tuple[prune.LayerInventory, int]) -> None:
    inv, keep = layout
    plan = prune.plan_layer(inv, keep)
    assert sorted(int(d.version) for d in plan) == sorted(v.version for v in inv.versions)
    deleted = {int(d.version) for d in plan if d.action == "delete"}
    unused = sorted((v.version for v in inv.versions if v.arn not in inv.used), reverse=True)
    assert deleted == (set() if inv.unreadable else set(unused[keep:]))
    assert prune.reclaimable(plan) == sum(v.size_bytes for v in inv.versions if v.version in deleted)
