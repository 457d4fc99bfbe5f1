"""`lambdoctor prune --apply` under a flaky network and answers not in the documented shape: nothing that something
uses is ever deleted, what was deleted is always reported, and the exit code says when a run was partial.

Every test runs the command line against moto's server behind ``faultproxy`` (a real HTTP proxy on 127.0.0.1), and
asserts the exact set of versions left, read from the server afterwards. The layout, one function per test:

    versions 1-8, $LATEST; alias live → 8 with 10 % on 7; alias beta → 6; an SQS mapping on version 2;
    a permission qualified with version 1; a function URL on alias beta; provisioned concurrency on version 3

With ``--keep 0`` a clean run deletes 4 and 5, and only those. The Lambda API reference pages the answers are
checked against: ListVersionsByFunction, ListAliases, ListEventSourceMappings, ListProvisionedConcurrencyConfigs,
GetProvisionedConcurrencyConfig, GetFunctionUrlConfig, GetPolicy, GetFunctionConfiguration, DeleteFunction
("You can't delete a version that an alias references").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import faultproxy
import prune_layout
import pytest
from click.testing import CliRunner, Result

from lambdoctor.cli import main

REGION = "eu-north-1"  # this module's own Region of moto's account: its mappings and layers are its own
ALL = {"$LATEST", "1", "2", "3", "4", "5", "6", "7", "8"}
CLEAN_LEFT = ALL - {"4", "5"}
_COUNT = [0]


@pytest.fixture(scope="module")
def _proxy(aws_endpoint: str) -> Iterator[faultproxy.FaultProxy]:
    yield from faultproxy.start(aws_endpoint)


@pytest.fixture
def proxy(_proxy: faultproxy.FaultProxy, monkeypatch: pytest.MonkeyPatch) -> Iterator[faultproxy.FaultProxy]:
    # One attempt per call: a fault is seen as the answer it is, not retried away (retries have their own test).
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    _proxy.reset()
    yield _proxy
    _proxy.reset()


def _clients(endpoint: str, region: str = REGION) -> dict[str, Any]:
    return prune_layout.clients(endpoint, region)


def make_function(endpoint: str, proxy: faultproxy.FaultProxy, layers: list[str] | None = None,
                  region: str = REGION) -> str:
    """The layout of the module docstring, straight on moto (not through the proxy); its name."""
    _COUNT[0] += 1
    name = f"fn-{_COUNT[0]}"
    prune_layout.build(endpoint, region, name, layers)
    proxy.provisioned[(name, "3")] = 5
    return name


def left(endpoint: str, name: str, region: str = REGION) -> set[str]:
    lam = _clients(endpoint, region)["lambda"]
    return {v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]}


def prune(proxy: faultproxy.FaultProxy, *args: str, region: str = REGION) -> tuple[Result, dict[str, Any]]:
    result = CliRunner().invoke(main, ["prune", "--keep", "0", "--apply", "--format", "json", "--region", region,
                                       "--endpoint-url", proxy.endpoint, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    try:
        doc = json.loads(result.stdout)
    except ValueError:
        doc = {}
    return result, doc


@pytest.fixture(scope="module")
def _untouchable(aws_endpoint: str, _proxy: faultproxy.FaultProxy) -> str:
    return make_function(aws_endpoint, _proxy)


@pytest.fixture
def untouchable(_untouchable: str, proxy: faultproxy.FaultProxy, aws_endpoint: str) -> Iterator[str]:
    """One function shared by the tests in which nothing may be deleted: each asserts that all its versions are
    still there (a test that deletes one fails, and so would the next)."""
    proxy.provisioned[(_untouchable, "3")] = 5
    yield _untouchable
    assert left(aws_endpoint, _untouchable) == ALL


def test_a_clean_run_deletes_exactly_the_unused_versions(aws_endpoint: str, proxy: faultproxy.FaultProxy) -> None:
    name = make_function(aws_endpoint, proxy)
    result, doc = prune(proxy, "--function", name)
    assert result.exit_code == 0, result.output
    [fn] = doc["functions"]
    assert fn["deleted"] == ["5", "4"] and fn["unknown"] == [] and fn["skipped"] == [] and not doc["partial"]
    assert left(aws_endpoint, name) == CLEAN_LEFT
    # every version's protection was read again right before its delete
    assert [r.query.get("Qualifier") for r in proxy.calls("GetProvisionedConcurrencyConfig")] == ["5", "4"]


# Each read that protects a version, and each way its answer can be wrong.
READS = ["GetFunctionConfiguration", "ListVersionsByFunction", "ListAliases", "ListEventSourceMappings",
         "ListProvisionedConcurrencyConfigs", "GetFunctionUrlConfig", "GetPolicy"]


@pytest.mark.parametrize("kind", ["truncated", "empty", "html", "403", "429", "503", "drop"])
@pytest.mark.parametrize("operation", READS)
def test_a_bad_answer_from_any_protection_source_deletes_nothing(
        aws_endpoint: str, proxy: faultproxy.FaultProxy, untouchable: str, operation: str, kind: str) -> None:
    name = untouchable
    proxy.fault(operation, kind)
    result, doc = prune(proxy, "--function", name)
    assert left(aws_endpoint, name) == ALL
    assert result.exit_code == 1, result.output
    [fn] = doc["functions"]
    assert fn["deleted"] == [] and fn["unknown"] and doc["partial"] and doc["freed_bytes"] == 0
    assert proxy.calls("DeleteFunction") == []


@pytest.mark.parametrize("kind", ["html", "empty", "truncated", "loop"])
@pytest.mark.parametrize("operation", ["ListVersionsByFunction", "ListAliases", "ListEventSourceMappings",
                                       "ListProvisionedConcurrencyConfigs"])
def test_a_bad_second_page_deletes_nothing(aws_endpoint: str, proxy: faultproxy.FaultProxy, untouchable: str,
                                          operation: str, kind: str) -> None:
    name = untouchable
    proxy.provisioned[(name, "live")] = 2  # a second config, so that its list has a second page
    proxy.page_size = 1  # the Region has a second mapping: the clean-run test's
    proxy.fault(operation, kind, page=2)
    result, doc = prune(proxy, "--function", name)
    assert left(aws_endpoint, name) == ALL
    assert result.exit_code == 1, result.output
    assert doc["functions"][0]["deleted"] == [] and doc["functions"][0]["unknown"]


def test_small_pages_read_to_the_end_give_the_clean_result(aws_endpoint: str,
                                                            proxy: faultproxy.FaultProxy) -> None:
    name = make_function(aws_endpoint, proxy)
    proxy.page_size = 1
    result, _doc = prune(proxy, "--function", name)
    assert result.exit_code == 0, result.output
    assert left(aws_endpoint, name) == CLEAN_LEFT
    assert max(r.page for r in proxy.calls("ListVersionsByFunction")) == 9


@pytest.mark.parametrize("form", ["arn", "partial", "qualified-arn", "qualified-name"])
def test_function_given_as_an_arn_keeps_what_its_mapping_targets(aws_endpoint: str, proxy: faultproxy.FaultProxy,
                                                                 form: str) -> None:
    name = make_function(aws_endpoint, proxy)
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:{name}"
    given = {"arn": arn, "partial": f"123456789012:function:{name}", "qualified-arn": f"{arn}:live",
             "qualified-name": f"{name}:8"}[form]
    result, doc = prune(proxy, "--function", given)
    assert result.exit_code == 0, result.output
    assert left(aws_endpoint, name) == CLEAN_LEFT
    assert doc["functions"][0]["function"] == name


def test_a_function_arn_of_another_region_is_a_usage_error(aws_endpoint: str, proxy: faultproxy.FaultProxy,
                                                           untouchable: str) -> None:
    name = untouchable
    result, _ = prune(proxy, "--function", f"arn:aws:lambda:us-west-2:123456789012:function:{name}")
    assert result.exit_code == 2 and "us-west-2" in result.output
    assert left(aws_endpoint, name) == ALL


@pytest.mark.parametrize("form", ["partial", "arn"])
def test_an_arn_of_another_account_prunes_nothing_here(aws_endpoint: str, proxy: faultproxy.FaultProxy,
                                                       untouchable: str, form: str) -> None:
    """Every call after the resolution names the function by its name, in this account: an ARN of another account
    must not make its same-named twin here be pruned (with the other's mappings, so none of its own)."""
    other = f"999999999999:function:{untouchable}"
    given = other if form == "partial" else f"arn:aws:lambda:{REGION}:{other}"
    result, doc = prune(proxy, "--function", given)
    assert left(aws_endpoint, untouchable) == ALL
    assert result.exit_code == 1, result.output
    assert doc["functions"][0]["deleted"] == [] and doc["functions"][0]["unknown"]
    assert proxy.calls("DeleteFunction") == []


def test_a_garbled_policy_is_a_reason_not_a_traceback(aws_endpoint: str, proxy: faultproxy.FaultProxy,
                                                       untouchable: str) -> None:
    name = untouchable
    proxy.fault("GetPolicy", "empty")
    result, doc = prune(proxy, "--function", name)
    assert result.exit_code == 1 and left(aws_endpoint, name) == ALL
    assert doc["functions"][0]["unknown"] == ["the resource policy (GetPolicy answered without a policy document "
                                              "with a Statement)"]


def test_what_was_deleted_is_reported_when_a_later_function_cannot_be_read(
        aws_endpoint: str, proxy: faultproxy.FaultProxy) -> None:
    first, second = make_function(aws_endpoint, proxy), make_function(aws_endpoint, proxy)
    proxy.fault("ListAliases", "drop", when=lambda r: faultproxy.function_of(r.path) == second)
    result, doc = prune(proxy, "--function", first, "--function", second)
    assert result.exit_code == 1, result.output
    assert left(aws_endpoint, first) == CLEAN_LEFT and left(aws_endpoint, second) == ALL
    by_name = {f["function"]: f for f in doc["functions"]}
    assert by_name[first]["deleted"] == ["5", "4"]
    assert by_name[second]["deleted"] == [] and by_name[second]["unknown"][0].startswith("aliases (")


def test_an_alias_moved_during_apply_protects_its_new_version(aws_endpoint: str,
                                                               proxy: faultproxy.FaultProxy) -> None:
    name = make_function(aws_endpoint, proxy)
    lam = _clients(aws_endpoint)["lambda"]
    moved: list[bool] = []

    def move_beta(_: faultproxy.Request) -> None:
        if not moved:  # another deploy moves beta to version 4 while 5 is being deleted
            lam.update_alias(FunctionName=name, Name="beta", FunctionVersion="4")
            moved.append(True)

    proxy.before("DeleteFunction", move_beta)
    result, doc = prune(proxy, "--function", name)
    assert result.exit_code == 1, result.output
    assert left(aws_endpoint, name) == CLEAN_LEFT | {"4"}
    fn = doc["functions"][0]
    assert fn["deleted"] == ["5"] and fn["skipped"] == [{"version": "4", "reason": "alias beta routes to it now"}]


def test_a_mapping_created_during_apply_protects_its_version(aws_endpoint: str,
                                                              proxy: faultproxy.FaultProxy) -> None:
    name = make_function(aws_endpoint, proxy)
    c = _clients(aws_endpoint)
    queue = c["sqs"].create_queue(QueueName=f"{name}-late")["QueueUrl"]
    arn = c["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    proxy.before("DeleteFunction", lambda _: c["lambda"].create_event_source_mapping(
        EventSourceArn=arn, FunctionName=f"{name}:4") if not proxy.calls("DeleteFunction")[1:] else None)
    result, doc = prune(proxy, "--function", name)
    assert left(aws_endpoint, name) == CLEAN_LEFT | {"4"}
    assert doc["functions"][0]["skipped"] == [{"version": "4", "reason": "an event source mapping targets it now"}]
    assert result.exit_code == 1


@pytest.mark.parametrize("operation", ["ListAliases", "ListEventSourceMappings", "GetProvisionedConcurrencyConfig",
                                       "GetPolicy"])
def test_a_failed_re_check_skips_the_delete(aws_endpoint: str, proxy: faultproxy.FaultProxy, untouchable: str,
                                            operation: str) -> None:
    name = untouchable
    # Only the re-check's calls fail: the plan's own come first (GetPolicy: 5, 4 and 1, which only the policy
    # protects, and the aliases live and beta).
    deletes_planned = {"ListAliases": 1, "ListEventSourceMappings": 1, "GetProvisionedConcurrencyConfig": 0,
                       "GetPolicy": 5}[operation]  # the plan's own calls of that operation
    proxy.fault(operation, "503", when=lambda r: len(proxy.calls(operation)) > deletes_planned)
    result, doc = prune(proxy, "--function", name)
    assert left(aws_endpoint, name) == ALL
    fn = doc["functions"][0]
    assert [v for v, _ in ((s["version"], s["reason"]) for s in fn["skipped"])] == ["5", "4"]
    assert all(s["reason"].startswith("could not read its protection again") for s in fn["skipped"])
    assert result.exit_code == 1


@pytest.mark.parametrize("kind", ["429", "503", "drop"])
def test_a_passing_fault_is_retried_and_the_run_completes(aws_endpoint: str, proxy: faultproxy.FaultProxy,
                                                          monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    name = make_function(aws_endpoint, proxy)
    proxy.fault("ListAliases", kind, times=1)
    result, _doc = prune(proxy, "--function", name)
    assert result.exit_code == 0, result.output
    assert left(aws_endpoint, name) == CLEAN_LEFT


def test_all_functions_unreadable_is_exit_2_and_deletes_nothing(aws_endpoint: str, proxy: faultproxy.FaultProxy,
                                                                untouchable: str) -> None:
    name = untouchable
    proxy.fault("ListFunctions", "html")
    result, _ = prune(proxy)
    assert result.exit_code == 2 and "could not read the account's functions" in result.output
    assert left(aws_endpoint, name) == ALL


LAYER_REGIONS = {"truncated": "ap-south-1", "empty": "ap-northeast-1", "html": "ap-northeast-2", "403": "me-south-1",
                 "drop": "af-south-1", "clean": "eu-south-1"}  # a Region each: --layers reads every function


def _layer(endpoint: str, name: str, n: int, region: str) -> list[str]:
    lam = _clients(endpoint, region)["lambda"]
    return [lam.publish_layer_version(LayerName=name, Content={"ZipFile": prune_layout.zipped(f"layer {i}")})[
        "LayerVersionArn"] for i in range(n)]


@pytest.mark.parametrize("kind", ["truncated", "empty", "html", "403", "drop"])
def test_layers_a_short_answer_about_a_user_deletes_no_layer_version(aws_endpoint: str,
                                                                     proxy: faultproxy.FaultProxy,
                                                                     kind: str) -> None:
    layer, region = f"deps-{kind}", LAYER_REGIONS[kind]
    arns = _layer(aws_endpoint, layer, 3, region)
    user = make_function(aws_endpoint, proxy, layers=[arns[0]], region=region)
    bystander = make_function(aws_endpoint, proxy, region=region)
    proxy.fault("ListVersionsByFunction", kind, when=lambda r: faultproxy.function_of(r.path) == user)
    result, doc = prune(proxy, "--function", bystander, "--layers", region=region)
    lam = _clients(aws_endpoint, region)["lambda"]
    remaining = {v["Version"] for v in lam.list_layer_versions(LayerName=layer)["LayerVersions"]}
    assert remaining == {1, 2, 3}
    assert result.exit_code == 1
    [entry] = [x for x in doc["layers"] if x["layer"] == layer]
    assert entry["deleted"] == [] and entry["unknown"][0].startswith("the layers functions use (")
    assert left(aws_endpoint, bystander, region) == CLEAN_LEFT  # the function itself was read in full


def test_layers_clean_run_keeps_the_used_version(aws_endpoint: str, proxy: faultproxy.FaultProxy) -> None:
    region = LAYER_REGIONS["clean"]
    arns = _layer(aws_endpoint, "deps-clean", 3, region)
    name = make_function(aws_endpoint, proxy, layers=[arns[1]], region=region)
    result, doc = prune(proxy, "--layers", region=region)
    assert result.exit_code == 0, result.output
    assert left(aws_endpoint, name, region) == CLEAN_LEFT
    lam = _clients(aws_endpoint, region)["lambda"]
    remaining = {v["Version"] for v in lam.list_layer_versions(LayerName="deps-clean")["LayerVersions"]}
    assert remaining == {2}
    [entry] = [x for x in doc["layers"] if x["layer"] == "deps-clean"]
    assert sorted(entry["deleted"]) == ["1", "3"]
