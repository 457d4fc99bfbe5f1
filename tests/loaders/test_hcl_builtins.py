"""The Terraform built-ins the HCL evaluator knows, each on the examples of its page in Terraform's documentation
(https://developer.hashicorp.com/terraform/language/functions/<name>, read 2026-12-02), written as HCL and
evaluated through the same parser and evaluator a .tf file goes through.

An example whose answer the evaluator cannot know (a function it does not have, an argument it does not take) must
come out UNKNOWN, never a guess."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambdoctor.loaders.hcl import Evaluator, parse_hcl
from lambdoctor.model import UNKNOWN, Unknown


def evaluate(expression: str, base_dir: str = ".") -> Any:
    body = parse_hcl(f"locals {{\n  x = {expression}\n}}\n", "main.tf")
    [block] = body.blocks
    return Evaluator(lambda root, steps, env: UNKNOWN, base_dir).ev(block.body.attrs["x"].expr, {})


DOCUMENTED = [
    # collection functions
    ('concat(["a", ""], ["b", "c"])', ["a", "", "b", "c"]),
    ('compact(["a", "", "b", null, "c"])', ["a", "b", "c"]),
    ('distinct(["a", "b", "a", "c", "d", "b"])', ["a", "b", "c", "d"]),
    ('element(["a", "b", "c"], 1)', "b"),
    ('element(["a", "b", "c"], 3)', "a"),  # the index wraps around
    ('flatten([["a", "b"], [], ["c"]])', ["a", "b", "c"]),
    ('flatten([[["a", "b"], []], ["c"]])', ["a", "b", "c"]),
    ('keys({a=1, c=2, d=3})', ["a", "c", "d"]),
    ('values({a=3, c=2, d=1})', [3, 2, 1]),
    ('length([])', 0),
    ('length(["a", "b"])', 2),
    ('length({"a" = "b"})', 1),
    ('length("hello")', 5),
    ('lookup({a="ay", b="bee"}, "a", "what?")', "ay"),
    ('lookup({a="ay", b="bee"}, "c", "what?")', "what?"),
    ('merge({a="b", c="d"}, {e="f", c="z"})', {"a": "b", "c": "z", "e": "f"}),
    ('merge({a="b"}, {a=[1,2], c="z"}, {d=3})', {"a": [1, 2], "c": "z", "d": 3}),
    ('contains(["a", "b", "c"], "a")', True),
    ('contains(["a", "b", "c"], "d")', False),
    ('one([])', None),
    ('one(["hello"])', "hello"),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    # string functions
    ('format("Hello, %s!", "Ander")', "Hello, Ander!"),
    ('format("There are %d lights", 4)', "There are 4 lights"),
    ('join("-", ["foo", "bar", "baz"])', "foo-bar-baz"),
    ('join(", ", ["foo", "bar", "baz"])', "foo, bar, baz"),
    ('join(", ", ["foo"])', "foo"),
    ('split(",", "foo")', ["foo"]),
    ('split(",", "foo,bar,baz")', ["foo", "bar", "baz"]),
    ('replace("1 + 2 + 3", "+", "-")', "1 - 2 - 3"),
    ('lower("HELLO")', "hello"),
    ('upper("hello")', "HELLO"),
    ('trimspace("  hello\\n\\n")', "hello"),
    ('startswith("hello world", "hello")', True),
    ('startswith("hello world", "world")', False),
    ('endswith("hello world", "world")', True),
    ('endswith("hello world", "hello")', False),
    ('substr("hello world", 1, 4)', "ello"),
    ('substr("hello world", -5, -1)', "world"),
    # numeric functions
    ('max(12, 54, 3)', 54),
    ('min(12, 54, 3)', 3),
    ('ceil(5.1)', 6),
    ('floor(4.9)', 4),
    ('abs(-12.4)', 12.4),
    # encoding and type conversion
    ('jsondecode("{\\"hello\\": \\"world\\"}")', {"hello": "world"}),
    ('jsondecode("true")', True),
    ('tostring("hello")', "hello"),
    ('tostring(1)', "1"),
    ('tostring(true)', "true"),
    ('tonumber(1)', 1),
    ('tonumber("1")', 1),
    ('tobool(true)', True),
    ('tobool("true")', True),
    ('tolist(["a", "b", "c"])', ["a", "b", "c"]),
    ('sensitive(1)', 1),
    # filesystem functions
    ('basename("foo/bar/baz.txt")', "baz.txt"),
    ('dirname("foo/bar/baz.txt")', "foo/bar"),
]


@pytest.mark.parametrize(("expression", "expected"), DOCUMENTED, ids=[e for e, _ in DOCUMENTED])
def test_documented_example(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


NOT_KNOWN = [
    'one(["hello", "goodbye"])',  # Terraform: an error
    'tobool("yes")',  # Terraform: an error
    'tonumber("hello")',  # Terraform: an error
    'lookup("not a map", "a", "b")',
    'concat(["a"], "b")',
    'length(5)',
    'keys(["a"])',
    'join(", ", [1, 2])',
    'chunklist(["a", "b", "c"], 2)',  # a built-in this evaluator does not have
    'upper(var.name)',  # an argument that is not known
    'format("%s-%s", var.prefix, "x")',
]


@pytest.mark.parametrize("expression", NOT_KNOWN)
def test_what_cannot_be_known_is_unknown(expression: str) -> None:
    assert isinstance(evaluate(expression), Unknown)


def test_file_reads_relative_to_the_module(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("Hello World", encoding="utf-8")
    assert evaluate('file("hello.txt")', str(tmp_path)) == "Hello World"
    assert isinstance(evaluate('file("missing.txt")', str(tmp_path)), Unknown)
    (tmp_path / "policy.json").write_text('{"Version": "2012-10-17", "Statement": []}', encoding="utf-8")
    assert evaluate('jsondecode(file("policy.json"))', str(tmp_path)) == {"Version": "2012-10-17", "Statement": []}


def test_conversions_pass_an_unknown_through() -> None:
    assert isinstance(evaluate("tostring(var.x)"), Unknown)
    assert evaluate('concat(["a"], [var.x])')[0] == "a"
