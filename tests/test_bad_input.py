"""Every kind of bad file gives one located SYS000, in bounded time, and the other files are still scanned."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import run_scan

GOOD = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.12, Handler: app.handler, InlineCode: x}\n")


def _bomb() -> str:
    text = 'Resources: {}\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for i in range(2, 12):
        name = chr(96 + i)
        text += f"{name}: &{name} [" + ",".join(["*" + prev] * 9) + "]\n"
        prev = name
    return text


CASES = [
    ("syntax.yaml", "Resources:\n  Fn:\n    Type: [unclosed\n", 4, "did not find expected"),
    # the Serverless Framework's js-yaml refuses a duplicate key (a template's is only a warning: below)
    ("serverless.yml", "service: a\nprovider: {name: aws}\nfunctions:\n  f: {handler: h.f}\n  f: {handler: h.g}\n",
     5, "duplicate key 'f'"),
    ("tag.yaml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {VisibilityTimeout: !Foo 3}\n", 4,
     "unknown tag '!Foo'"),
    ("latin1.yaml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue # caf\xe9\n".encode("latin-1"), 3, "not UTF-8"),
    ("binary.yaml", b"Resources\x00\x01\x02\xff", 1, "not UTF-8"),
    ("nul.yaml", "Resources:\n  a: b\x00\n", 2, "binary content"),
    ("deep.json", '{"Resources": ' + "[" * 100_000 + "]" * 100_000 + "}", 1, "nesting deeper than"),
    ("bomb.yaml", _bomb(), 8, "alias bomb"),
    ("json.json", '{"Resources": {"Q": {"Type": "AWS::SQS::Queue",}}}', 1, ""),
    ("list.yaml", "- Resources\n- b\n", 1, "not a CloudFormation template"),
]


@pytest.mark.parametrize(("name", "content", "line", "reason"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_sys000_and_the_good_one_is_still_scanned(write, name, content, line, reason) -> None:  # type: ignore[no-untyped-def]
    bad = write(name, content)
    good = write("good/template.yaml", GOOD)
    started = time.perf_counter()
    result = run_scan([bad, good])
    assert time.perf_counter() - started < 10
    sys000 = [f for f in result.findings if f.rule == "SYS000"]
    assert len(sys000) == 1, result.findings
    assert sys000[0].file == str(bad)
    assert sys000[0].line == line
    assert reason in sys000[0].message
    assert [a.source for a in result.applications] == [str(good)]
    assert not [f for f in result.findings if f.rule == "SYS001"]


def test_empty_explicit_file(write) -> None:  # type: ignore[no-untyped-def]
    result = run_scan([write("empty.yaml", "")])
    assert [(f.rule, f.line, f.message) for f in result.findings] == [
        ("SYS000", 1, "not a CloudFormation template: no Resources mapping")]


def test_dangling_symlink_and_symlink_loop(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    write("app/template.yaml", GOOD)
    os.symlink(tmp_path / "missing.yaml", tmp_path / "app" / "gone.yaml")
    os.symlink(tmp_path / "app", tmp_path / "app" / "loop")  # a directory link back to itself
    result = run_scan([tmp_path / "app"])
    assert len(result.applications) == 1
    sys000 = [f for f in result.findings if f.rule == "SYS000"]
    assert [(f.file.endswith("gone.yaml"), f.message.startswith("cannot read file")) for f in sys000] == [(True, True)]


def test_unrelated_yaml_in_a_folder_is_not_judged(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("proj/.github/workflows/ci.yml", "on: [push]\njobs: {build: {runs-on: ubuntu-latest}}\n")
    write("proj/chart/values.yaml", "image: {{ .Values.image }}\n")  # a Helm template: not YAML at all
    write("proj/template.yaml", GOOD)
    result = run_scan([tmp_path / "proj"])
    assert len(result.applications) == 1
    assert not [f for f in result.findings if f.rule == "SYS000"]


def test_a_crashing_rule_is_sys001_and_the_run_goes_on(write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from lambdoctor.rules.reliability import TimeoutNotSet

    def boom(self, app, ctx):  # type: ignore[no-untyped-def]
        raise KeyError("Timeout")

    monkeypatch.setattr(TimeoutNotSet, "check", boom)
    result = run_scan([write("template.yaml", GOOD)])
    sys001 = [f for f in result.findings if f.rule == "SYS001"]
    assert [f.message for f in sys001] == ["rule REL002 crashed: KeyError: 'Timeout'"]
    assert any(f.rule == "PERF004" for f in result.findings)  # other rules still ran


def test_strange_but_valid_shapes_do_not_crash(write) -> None:  # type: ignore[no-untyped-def]
    text = """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: !If [IsProd, 30, 10]
      MemorySize: "512"
      Environment: {Variables: [not, a, map]}
      VpcConfig: !If [UseVpc, {SubnetIds: [a]}, !Ref AWS::NoValue]
      Role: !GetAtt [MissingRole, Arn]
      Layers: !Ref LayerList
      Code: {ZipFile: !Sub "${AWS::Region}"}
  Weird:
    Type: AWS::SQS::Queue
    Properties: [1, 2]
  NoType: {}
  Str: just a string
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Fn, EventSourceArn: !ImportValue other-stack-queue, BatchSize: ten}
"""
    result = run_scan([write("t.yaml", text)])
    assert not [f for f in result.findings if f.rule.startswith("SYS")]
    fn = result.applications[0].functions["Fn"]
    assert fn.memory.value == 512
    assert not fn.timeout.known


def test_yaml_merge_keys_override_without_a_duplicate_error(write) -> None:  # type: ignore[no-untyped-def]
    text = """
x-defaults: &defaults {Runtime: python3.12, Handler: app.handler, Timeout: 3, InlineCode: x}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      <<: *defaults
      Timeout: 20
"""
    result = run_scan([write("merge.yaml", text)])
    assert not [f for f in result.findings if f.rule.startswith("SYS")]
    assert result.applications[0].functions["Fn"].timeout.value == 20


def test_a_duplicate_key_in_a_template_is_a_warning_and_the_last_value_counts(write) -> None:  # type: ignore[no-untyped-def]
    # CloudFormation deploys such a template, keeping the last value (cfn-lint issue #35; validate-template accepts
    # it); 9 of several hundred public templates have one. The rest of the file is analysed.
    template = write("app/template.yaml", (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: app.handler\n"
        "      InlineCode: \"def handler(event, context): pass\"\n"
        "      Timeout: 3\n"
        "      MemorySize: 512\n"
        "      Timeout: 30\n"))
    result = run_scan([template], select=["SYS000", "REL002"])
    assert [(f.rule, f.severity.label, f.line, f.message) for f in result.findings] == [
        ("SYS000", "warning", 11, "duplicate key 'Timeout' (first at line 9): CloudFormation keeps this last value "
                                  "and ignores the earlier one")]
    (app,) = result.applications
    assert app.functions["Fn"].timeout.value == 30 and app.functions["Fn"].timeout.ref.line == 11
