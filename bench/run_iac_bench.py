"""Benchmark `lambdoctor scan` on serverless.yml and Terraform against checkov, in one run.

Inputs: the 191 serverless.yml of ../shared/corpus/serverless-framework-examples and the 99 .tf files of
../shared/corpus/terraform-lambda-module (290 files). The corpus flattens paths (`a__serverless.yml`); checkov only
reads files named serverless.yml, so each is copied to `bench/out/serverless-tree/<name>/serverless.yml` and both
tools scan that same tree.

Whole-process wall time and peak RSS for each tool (median of --runs).
Usage: python bench/run_iac_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_scan_bench import CORPUS, OUT, ROOT, _cpu, _pip_version, series, tools_venv


def serverless_tree() -> Path:
    tree = OUT / "serverless-tree"
    if tree.exists():
        shutil.rmtree(tree)
    for src in sorted((CORPUS / "serverless-framework-examples").iterdir()):
        stem, _, name = src.name.rpartition("__")
        folder = tree / (stem or src.stem)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, folder / name)  # serverless.yml, or serverless.yaml
    return tree


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    venv = tools_venv()
    OUT.mkdir(parents=True, exist_ok=True)
    tree = serverless_tree()
    tf = CORPUS / "terraform-lambda-module"
    lam = [str(ROOT / ".venv" / "bin" / "lambdoctor"), "scan", "--format", "json", "-o", os.devnull,
           "--fail-on", "never", "--today", "2026-11-22"]
    checkov = [str(venv / "bin" / "checkov"), "--quiet", "--compact", "-o", "json"]
    files = len(list(tree.rglob("serverless.y*ml"))) + len(list(tf.rglob("*.tf")))
    cases = {
        "serverless+terraform": {
            "lambdoctor": series([*lam, str(tree), str(tf)], args.runs, 300),
            "checkov": series([*checkov, "--framework", "serverless", "terraform", "-d", str(tree), "-d", str(tf)],
                              args.runs, 1800),
        },
        "serverless": {
            "lambdoctor": series([*lam, str(tree)], args.runs, 300),
            "checkov": series([*checkov, "--framework", "serverless", "-d", str(tree)], args.runs, 1800),
        },
        "terraform": {
            "lambdoctor": series([*lam, str(tf)], args.runs, 300),
            "checkov": series([*checkov, "--framework", "terraform", "-d", str(tf)], args.runs, 1800),
        },
    }
    result = {
        "machine": {"cpu": _cpu(), "cores": os.cpu_count(), "python": platform.python_version()},
        "files": files,
        "checkov": _pip_version(venv, "checkov"),
        "cases": cases,
    }
    (OUT / "iac_bench.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    for name, tools in cases.items():
        lam_s = tools["lambdoctor"]["median_s"]
        cko_s = tools["checkov"]["median_s"]
        print(f"{name:22} lambdoctor {lam_s:6.2f} s {tools['lambdoctor']['peak_mb']:6.0f} MB | "
              f"checkov {cko_s:6.2f} s {tools['checkov']['peak_mb']:6.0f} MB | {cko_s / lam_s:5.1f}x")


if __name__ == "__main__":
    main()
