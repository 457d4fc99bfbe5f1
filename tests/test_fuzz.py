"""Property-based: the loader and rules survive mutated templates (never SYS001, never an exception)."""

from __future__ import annotations

from typing import Any

from conftest import ROOT, TODAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdoctor.config import Config
from lambdoctor.engine import make_context, run_rules
from lambdoctor.loaders.cloudformation import build_application
from lambdoctor.loaders.decode import DecodeError, decode_text

BASE = decode_text((ROOT / "examples" / "shop" / "template.yaml").read_text())
SEED = (ROOT / "examples" / "shop" / "template.yaml").read_text()
CTX = make_context(Config(), TODAY)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["*", "arn:aws:sqs:us-east-1:1:q", "-1", "Allow"]))
intrinsics = st.one_of(
    st.builds(lambda x: {"Ref": x}, st.sampled_from(["Stage", "OrdersTable", "Nope", "AWS::NoValue"])),
    st.builds(lambda x: {"Fn::GetAtt": [x, "Arn"]}, st.sampled_from(["FulfilmentQueue", "Nope"])),
    st.builds(lambda x: {"Fn::Sub": x}, st.text(max_size=20)),
    st.builds(lambda a, b: {"Fn::If": ["C", a, b]}, scalars, scalars),
)
values = st.recursive(st.one_of(scalars, intrinsics),
                      lambda inner: st.one_of(st.lists(inner, max_size=3),
                                              st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = [p for p in _paths(BASE) if p]


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        copy = dict(node)
        copy[head] = _replace(node[head], rest, value)
        return copy
    copy_list = list(node)
    copy_list[head] = _replace(node[head], rest, value)
    return copy_list


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=4))
def test_mutated_templates_never_crash_the_loader_or_a_rule(mutations: list[tuple[tuple[Any, ...], Any]]) -> None:
    doc: Any = BASE
    for path, value in mutations:
        try:
            doc = _replace(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the path
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        return
    app = build_application("fuzz.yaml", doc)
    findings, _ = run_rules([app], Config(), CTX)
    assert not [f for f in findings if f.rule == "SYS001"], findings


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(SEED) - 1), st.integers(0, 40), st.text(max_size=12))
def test_mutated_text_decodes_or_gives_a_located_error(start: int, length: int, insert: str) -> None:
    text = SEED[:start] + insert + SEED[start + length:]
    try:
        decode_text(text)
    except DecodeError as exc:
        assert exc.line >= 1 and exc.column >= 1 and exc.reason
