"""Bounded on every input (docs/security.md, promise 4): hostile files of a few KB each get a located SYS000 in
bounded time and memory, and the other files of the run are still reported.

Each case runs `lambdoctor scan`/`logs` in a child process; the peak resident memory is measured from outside
(the child's rusage, read by a small wrapper process, so no earlier child of the test counts), and the time with a
monotonic clock around it. The bounds are generous against this machine (2 cores) and far below what each input
took before its budget existed (minutes, gigabytes, or forever).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

GOOD = """Resources:
  Good:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: {ZipFile: "def handler(e, c): pass"}
      Role: arn:aws:iam::123456789012:role/r
"""

_MEASURE = """
import json, resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[2:], capture_output=True, text=True, cwd=sys.argv[1], timeout=120)
print(json.dumps({"rc": done.returncode, "out": done.stdout, "err": done.stderr,
                  "seconds": time.monotonic() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measured(cwd: Path, *args: str) -> dict[str, Any]:
    wrapper = subprocess.run([sys.executable, "-c", _MEASURE, str(cwd), sys.executable, "-m", "lambdoctor", *args],
                             capture_output=True, text=True, timeout=180)
    result: dict[str, Any] = json.loads(wrapper.stdout)
    return result


def sys000(run: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    doc = json.loads(run["out"])
    return [(f["file"], f["line"], f["column"], f["message"]) for f in doc["findings"] if f["rule"] == "SYS000"]


def rules_on(run: dict[str, Any], file: str) -> set[str]:
    return {f["rule"] for f in json.loads(run["out"])["findings"] if f["file"] == file}


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_fifos_are_reported_never_read(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", GOOD)
    os.mkfifo(tmp_path / "template.yaml")
    os.mkdir(tmp_path / "tf")
    write(tmp_path, "tf/main.tf", 'resource "aws_lambda_function" "f" {\n  function_name = "f"\n}\n')
    os.mkfifo(tmp_path / "tf" / "terraform.tfvars")
    os.mkdir(tmp_path / "sls")
    write(tmp_path, "sls/serverless.yml", "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
          "custom: ${file(./vars.yml)}\nfunctions:\n  f:\n    handler: h.f\n")
    os.mkfifo(tmp_path / "sls" / "vars.yml")
    run = measured(tmp_path, "scan", ".", "--format", "json")
    assert run["seconds"] < 60
    assert run["rc"] == 1, run["err"]
    assert sorted(sys000(run)) == [
        ("sls/serverless.yml", 5, 1, "${file(./vars.yml)}: a FIFO, not a regular file: not read"),
        ("sls/vars.yml", 1, 1, "cannot read file: a FIFO, not a regular file: not read"),  # met in the walk too
        ("template.yaml", 1, 1, "cannot read file: a FIFO, not a regular file: not read"),
        ("tf/terraform.tfvars", 1, 1, "cannot read file: a FIFO, not a regular file: not read"),
    ]
    assert "OBS001" in rules_on(run, "good.yaml")  # the rest is still read
    named = measured(tmp_path, "scan", "template.yaml", "--format", "json")
    assert named["rc"] == 2 and sys000(named) == [
        ("template.yaml", 1, 1, "cannot read file: a FIFO, not a regular file: not read")]


def _doubling_serverless() -> str:
    lines = ["service: bomb", "provider:", "  name: aws", "  runtime: python3.12", "custom:", "  a0: xxxxxxxxxxxxxxxx"]
    lines += [f"  a{i}: ${{self:custom.a{i - 1}}}${{self:custom.a{i - 1}}}" for i in range(1, 40)]
    return "\n".join([*lines, "functions:", "  f:", "    handler: h.f", "    environment:",
                      "      X: ${self:custom.a39}", ""])


def _doubling_locals(kind: str) -> str:
    if kind == "string":
        body = ['  s0 = "xxxxxxxxxxxxxxxx"',
                *(f'  s{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"' for i in range(1, 40))]
        use = "local.s39"
    elif kind == "list":
        body = ['  s0 = ["a", "b"]', *(f"  s{i} = concat(local.s{i - 1}, local.s{i - 1})" for i in range(1, 40))]
        use = "length(local.s39)"
    else:  # an integer squared at each level
        body = ["  s0 = 3", *(f"  s{i} = local.s{i - 1} * local.s{i - 1}" for i in range(1, 40))]
        use = "local.s39"
    return "locals {\n" + "\n".join(body) + "\n}\n" + (
        f'resource "aws_lambda_function" "f" {{\n  function_name = "f"\n  description = {use}\n}}\n')


@pytest.mark.parametrize(("name", "files", "where", "message"), [
    ("serverless variables doubling", {"serverless.yml": _doubling_serverless()}, ("serverless.yml", 23, 3),
     "its variables expand to more than 1,048,576 characters: over the budget of expansion, not expanded"),
    ("a string doubled through locals", {"main.tf": _doubling_locals("string")}, ("main.tf", 19, 9),
     "this expression evaluates to a string of more than 1,048,576 characters: the budget of evaluation is "
     "exceeded, the module is not modelled"),
    ("a list doubled through locals", {"main.tf": _doubling_locals("list")}, ("main.tf", 18, 9),
     "this expression evaluates to a collection of more than 100,000 elements: the budget of evaluation is "
     "exceeded, the module is not modelled"),
    ("an integer squared forty times", {"main.tf": _doubling_locals("int")}, ("main.tf", 14, 9),
     "this expression evaluates to an integer of more than 4,096 bits: the budget of evaluation is exceeded, the "
     "module is not modelled"),
    ("a format width of a billion", {"main.tf": 'locals {\n  x = format("%999999999d", 1)\n}\n'
                                                'resource "aws_lambda_function" "f" {\n  function_name = local.x\n}\n'},
     ("main.tf", 2, 7), "format() with a field width over 10,000: over the budget of evaluation"),
    ("a 5,000-digit integer in HCL", {"main.tf": 'resource "aws_lambda_function" "f" {\n  memory_size = '
                                                 + "9" * 5000 + "\n}\n"},
     ("main.tf", 2, 17), "an integer literal of 5,000 digits: over the budget of evaluation"),
    ("a module calling itself six ways", {"main.tf": "\n".join(f'module "m{i}" {{\n  source = "./"\n}}'
                                                               for i in range(6))
                                          + '\nresource "aws_lambda_function" "f" {\n  function_name = "f"\n}\n'},
     ("main.tf", 13, 1), "more than 1,000 module calls to model (a module that calls itself, or a deep fan-out): "
                         "the rest is not modelled"),
    ("a 5,000-digit integer in YAML", {"template.yaml": "Resources:\n  F:\n    Type: AWS::Lambda::Function\n"
                                                        "    Properties:\n      Timeout: " + "9" * 5000 + "\n"},
     ("template.yaml", 5, 16), "a number of 5,000 digits: over the 1,000 digits a value may have"),
    ("a 5,000-digit integer in JSON", {"template.json": '{"Resources": {"F": {"Type": "AWS::Lambda::Function", '
                                                        '"Properties": {"Timeout": ' + "9" * 5000 + "}}}}"},
     ("template.json", 1, 81), "a number of 5,000 digits: over the 1,000 digits a value may have"),
])
def test_every_expansion_has_a_budget(tmp_path: Path, name: str, files: dict[str, str],
                                      where: tuple[str, int, int], message: str) -> None:
    for file, text in files.items():
        write(tmp_path / "app", file, text)
    write(tmp_path, "good/template.yaml", GOOD)
    run = measured(tmp_path, "scan", "app", "good", "--format", "json")
    assert run["seconds"] < 30 and run["peak_mb"] < 400, (name, run["seconds"], run["peak_mb"])
    file, line, column = where
    assert (f"app/{file}", line, column, message) in sys000(run), (name, sys000(run), run["err"][-2000:])
    assert "OBS001" in rules_on(run, "good/template.yaml")
    assert run["rc"] == 1


@pytest.mark.parametrize("text", [
    "locals {\n" + "a {\n" * 2000 + "}\n" * 2000 + "}\n",  # blocks 2,000 deep
    "locals {\n  x = " + "(" * 2000 + "1" + ")" * 2000 + "\n  y = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n}\n",
])
def test_deep_hcl_is_a_sys000_and_the_rest_is_reported(tmp_path: Path, text: str) -> None:
    write(tmp_path, "app/main.tf", text + 'resource "aws_lambda_function" "f" {\n  function_name = "f"\n}\n')
    write(tmp_path, "good/template.yaml", GOOD)
    run = measured(tmp_path, "scan", "app", "good", "--format", "json", "--fail-on", "warning")
    assert run["rc"] == 1 and run["seconds"] < 60, run["err"][-2000:]
    assert "OBS001" in rules_on(run, "good/template.yaml")
    found = sys000(run)
    # Either refused as too deep, or modelled: never a traceback (a crash would leave no JSON report at all).
    assert found in ([("app/main.tf", 1, 1, "file nested too deeply to model")], []), found


def test_a_zip_that_inflates_to_300_mb_is_not_inflated(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "code.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("app.py", "x = 1\n" + "#" * (300 * 1024 * 1024))
    assert (tmp_path / "code.zip").stat().st_size < 1024 * 1024
    write(tmp_path, "template.yaml", "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n"
          "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: code.zip\n"
          "      Handler: app.handler\n      Runtime: python3.12\n")
    run = measured(tmp_path, "scan", ".", "--format", "json")
    assert run["peak_mb"] < 200, run["peak_mb"]
    assert ("code.zip", 1, 1, "app.py inflates to 314,572,806 bytes, over the 5,000,000-byte limit for handler "
                              "code; not analyzed") in sys000(run)


def test_what_is_skipped_in_a_folder_is_said(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", GOOD)
    (tmp_path / "huge.json").write_bytes(b'{"Resources": {}, "pad": "' + b"x" * (21 * 1024 * 1024) + b'"}')
    (tmp_path / "utf16.yaml").write_bytes(GOOD.replace("Good:", "Wide:").encode("utf-16"))
    write(tmp_path, "cdk.out/Stack.template.json", '{"Outputs": {')
    run = measured(tmp_path, "scan", ".", "--format", "json")
    doc = json.loads(run["out"])
    assert "huge.json: not read, 21 MB is over the 20 MB a template or plan may be here" in doc["notes"]
    assert {f["resource"] for f in doc["findings"] if f["file"] == "utf16.yaml"} >= {"Wide"}
    assert [(f, m) for f, _, _, m in sys000(run) if f.startswith("cdk.out")] == [
        ("cdk.out/Stack.template.json", "not a CloudFormation template: no Resources mapping")] or [
        f for f, *_ in sys000(run) if f.startswith("cdk.out")] == ["cdk.out/Stack.template.json"]


def test_an_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root (CI) a folder's permission bits do not stop a read: the refusal is made where os.walk meets it."""
    from lambdoctor.loaders.discover import load_paths

    write(tmp_path, "good.yaml", GOOD)
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    loaded = load_paths([str(tmp_path)])
    assert [(p.file, p.reason) for p in loaded.problems] == [
        (str(tmp_path / "locked"), "cannot read folder: Permission denied")]
    assert [a.source for a in loaded.applications] == [str(tmp_path / "good.yaml")]


def test_a_report_value_beyond_any_limit_is_not_a_number(tmp_path: Path) -> None:
    rid = "8f5e8a4c-1b2c-4d3e-9f4a-0123456789ab"
    write(tmp_path, "f.log", f"START RequestId: {rid} Version: $LATEST\nEND RequestId: {rid}\n"
          f"REPORT RequestId: {rid}\tDuration: 12.00 ms\tBilled Duration: 1e400 ms\tMemory Size: 128 MB\t"
          "Max Memory Used: 60 MB\n")
    run = measured(tmp_path, "logs", "f.log", "--format", "json")
    assert run["rc"] == 0, run["err"]
    [fn] = json.loads(run["out"])["functions"]
    assert fn["invocations"] == 1 and fn["billed_ms_total"] == 0 and fn["duration_ms"]["max"] == 12.0


def test_a_gzip_log_that_inflates_a_thousand_times_is_not_read(tmp_path: Path) -> None:
    import gzip

    with gzip.open(tmp_path / "bomb.log.gz", "wb") as fh:  # 1 GB of "a\n" in about 1 MB
        block = b"a\n" * (1 << 20)
        for _ in range(512):
            fh.write(block)
    rid = "8f5e8a4c-1b2c-4d3e-9f4a-0123456789ab"
    write(tmp_path, "orders.log", f"START RequestId: {rid} Version: $LATEST\nEND RequestId: {rid}\n"
          f"REPORT RequestId: {rid}\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\t"
          "Max Memory Used: 60 MB\n")
    run = measured(tmp_path, "logs", "bomb.log.gz", "orders.log", "--format", "json")
    assert run["seconds"] < 20 and run["peak_mb"] < 400, (run["seconds"], run["peak_mb"])
    doc = json.loads(run["out"])
    size = (tmp_path / "bomb.log.gz").stat().st_size
    assert [(f["file"], f["message"]) for f in doc["findings"] if f["rule"] == "SYS000"] == [
        ("bomb.log.gz", f"inflates more than 100 times its size ({size:,} bytes): not read, a log "
                        "does not compress that well (a budget of decompression, docs/security.md)")]
    assert [f["function"] for f in doc["functions"]] == ["orders"]


def test_thousands_of_small_log_files_read_in_batches_give_what_one_file_gives(tmp_path: Path) -> None:
    """3,000 one-invocation files of one function (a log group exported stream by stream) against the same
    invocations in one file: the same statistics, in seconds (one statement per file took 26 ms a file here)."""
    many, one = tmp_path / "many" / "aws" / "lambda" / "orders", tmp_path / "one" / "aws" / "lambda" / "orders"
    many.mkdir(parents=True)
    one.mkdir(parents=True)
    texts = []
    for i in range(3000):
        rid = f"8f5e8a4c-1b2c-4d3e-9f4a-{i:012d}"
        cold = "\tInit Duration: 250.00 ms" if i % 100 == 0 else ""
        error = f"[ERROR]\t2026-11-30T10:00:00.000Z\t{rid}\tboom\n" if i % 7 == 0 else ""
        texts.append(f"START RequestId: {rid} Version: $LATEST\n{error}END RequestId: {rid}\n"
                     f"REPORT RequestId: {rid}\tDuration: {10 + i % 50}.00 ms\tBilled Duration: {11 + i % 50} ms\t"
                     f"Memory Size: 128 MB\tMax Memory Used: {40 + i % 30} MB{cold}\n")
        (many / f"{i:06d}.log").write_text(texts[-1], encoding="utf-8")
    (many / "zz-cut.log").write_text("START RequestId: 9f5e8a4c-1b2c-4d3e-9f4a-000000000000 Version: $LATEST\n",
                                     encoding="utf-8")  # ends inside an invocation: read alone, as before
    (one / "all.log").write_text("".join(texts), encoding="utf-8")
    (one / "zz-cut.log").write_text((many / "zz-cut.log").read_text(encoding="utf-8"), encoding="utf-8")
    batched = measured(tmp_path, "logs", "many", "--format", "json")
    alone = measured(tmp_path, "logs", "one", "--format", "json")
    assert batched["rc"] == alone["rc"] and batched["seconds"] < 60, (batched["seconds"], batched["err"][-500:])
    [b], [a] = json.loads(batched["out"])["functions"], json.loads(alone["out"])["functions"]
    assert b == a and b["invocations"] == 3000 and b["cold_starts"] == 30


def test_every_overlong_log_line_is_counted_however_long(tmp_path: Path) -> None:
    """DuckDB's reader drops a line longer than its buffer (32 MiB) without a reject row; a 3 MiB one it rejects.
    Each is one skipped line, counted once, and the invocations around them are read."""
    invocations = []
    for i in range(4):
        rid = f"8f5e8a4c-1b2c-4d3e-9f4a-{i:012d}"
        invocations.append(f"START RequestId: {rid} Version: $LATEST\nEND RequestId: {rid}\n"
                           f"REPORT RequestId: {rid}\tDuration: 12.00 ms\tBilled Duration: 13 ms\t"
                           "Memory Size: 128 MB\tMax Memory Used: 60 MB\n")
    with (tmp_path / "orders.log").open("w", encoding="utf-8") as fh:
        fh.write(invocations[0])
        fh.write("x" * (40 << 20) + "\n")  # beyond the buffer: dropped by the reader, found by the probe
        fh.write(invocations[1])
        fh.write("y" * (20 << 20) + "\n")  # found by the probe, and maybe rejected by the reader too
        fh.write(invocations[2])
        fh.write("z" * (3 << 20) + "\n")  # over MAX_LINE_BYTES: rejected by the reader
        fh.write(invocations[3])
    run = measured(tmp_path, "logs", "orders.log", "--format", "json")
    assert run["rc"] == 0 and run["seconds"] < 30 and run["peak_mb"] < 600, (run["seconds"], run["peak_mb"])
    doc = json.loads(run["out"])
    assert doc["skipped_lines"] == 3
    assert "3 line(s) skipped: not UTF-8 text, or longer than a log event" in doc["notes"]
    assert [(f["function"], f["invocations"]) for f in doc["functions"]] == [("orders", 4)]
