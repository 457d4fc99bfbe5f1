"""Render bench/out/scan-results.json as the scan section of docs/benchmarks.md (printed to stdout)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fmt_s(value: float) -> str:
    return "timeout" if value == float("inf") else f"{value:.2f} s"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "out" / "scan-results.json"
    data = json.loads(path.read_text())
    m = data["machine"]
    lines = [
        "## `lambdoctor scan` vs checkov and cfn-lint",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['platform']}.  ",
        f"Tools: checkov {data['tools']['checkov']}, {data['tools']['cfn-lint']} with cfn-lint-serverless "
        f"{data['tools']['cfn-lint-serverless']} (`-a cfn_lint_serverless.rules`), all measured in the same run.  ",
        "Command: `make bench` (= `python bench/run_scan_bench.py`). Whole-process wall time (median of the runs) "
        "and peak RSS of the process.",
        "",
        "| case | tool | runs | median | peak memory | lambdoctor is |",
        "|---|---|---|---|---|---|",
    ]
    names = {"a_small": "(a) one small SAM template (examples/shop)",
             "b_corpus": f"(b) all {data['corpus_files']} SAM/CloudFormation templates of shared/corpus",
             "c_5000_functions": "(c) one generated template, 5,000 functions"}
    for case, label in names.items():
        results = data["cases"][case]
        ours = results["lambdoctor"]["median_s"]
        for tool in ("lambdoctor", "checkov", "cfn-lint"):
            r = results[tool]
            ratio = "" if tool == "lambdoctor" else (
                f"{r['median_s'] / ours:.0f}× faster" if r["median_s"] != float("inf") else "—")
            lines.append(f"| {label} | {tool} | {r['runs']} | {fmt_s(r['median_s'])} | {r['peak_mb']:.0f} MB "
                         f"| {ratio} |")
    lines += ["", "Linearity (lambdoctor alone, generated templates):", "",
              "| functions | median | peak memory | time per 1,000 functions |", "|---|---|---|---|"]
    for n, r in data["cases"]["linearity"].items():
        lines.append(f"| {int(n):,} | {fmt_s(r['median_s'])} | {r['peak_mb']:.0f} MB | "
                     f"{r['median_s'] / int(n) * 1000:.2f} s |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
