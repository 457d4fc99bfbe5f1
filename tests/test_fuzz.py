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


# -- handler code: mutated and recombined Python never crashes the analysis ------------------------------------------
SNIPPETS = [
    "import boto3", "from boto3 import client as c", "from lib import *", "from . import nothing",
    "S3 = boto3.client('s3')", "T = boto3.resource('dynamodb').Table('t')", "x = getattr(S3, 'put_object')()",
    "global S3", "S3 = c(name)", "def f(a, *b, **k):\n    return f(a)", "async def g():\n    await g()",
    "class K:\n    def __init__(self):\n        self.c = boto3.client('sqs')\n"
    "    def m(self):\n        self.c.send_message()",
    "K().m()", "lambda e: e['x']", "match e:\n    case {'a': 1}:\n        pass",
    "try:\n    pass\nexcept* ValueError:\n    pass",
    "try:\n    S3.get_object(Bucket=e)\nexcept Exception:\n    pass",
    "with open(f'/tmp/{e}', 'w') as fh:\n    fh.write(e)",
    "@functools.lru_cache\ndef h():\n    return boto3.client('s3')", "T.put_item(Item=event)",
    "return {'batchItemFailures': [{'itemId': 1}]}", "raise", "(y := boto3.client('s3'))", "del S3",
    "for r in event['Records']:\n    CACHE.append(r)", "os.environ['A'] = event['b']", "print(*[1], **{})",
    "boto3.client(**kw).invoke(FunctionName=os.environ['F'])", "S3.get_paginator(x).paginate()",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SNIPPETS), max_size=12), st.lists(st.integers(0, 8), max_size=12))
def test_code_analysis_survives_any_combination(tmp_path_factory, snippets: list[str], indents: list[int]) -> None:  # type: ignore[no-untyped-def]
    from conftest import run_scan

    folder = tmp_path_factory.mktemp("code")
    body = []
    for i, snippet in enumerate(snippets):
        pad = " " * (indents[i] if i < len(indents) else 4)
        body += [pad + line for line in snippet.splitlines()]
    source = "import os\nimport boto3\nCACHE = []\ndef handler(event, context):\n" + "\n".join(body or ["    pass"])
    (folder / "src").mkdir()
    (folder / "src" / "app.py").write_text(source + "\n", encoding="utf-8")
    (folder / "src" / "lib.py").write_text("from app import *\n", encoding="utf-8")  # a circular star import
    (folder / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/, Timeout: 5,\n"
        "                 Events: {Q: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:1:q}}}}\n",
        encoding="utf-8")
    result = run_scan([folder])
    assert not [f for f in result.findings if f.rule == "SYS001"], [f.message for f in result.findings]
    assert result.applications
