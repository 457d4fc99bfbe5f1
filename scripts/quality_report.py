"""Per-rule precision of the hand-judged sample (docs/quality/sample.csv) and each rule's reach on the corpus.

    python scripts/quality_report.py ../shared/corpus

Scans every folder of the corpus with the installed lambdoctor (JSON, --today 2026-12-01), then prints the
Markdown tables of docs/quality.md: for each rule, the findings judged, how many were true, precision as
sampled, whether each judged finding is still reported now (a false one that is gone was fixed), and the share
of input files the rule fires on. Without the corpus (a fresh clone), it prints the sample's tables only.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "docs" / "quality").glob("*.csv"))


# SAM's translator test inputs are one-feature fragments, not applications: their reach is shown apart.
FRAGMENTS = "sam-translator-inputs"


def scan(corpus: Path) -> tuple[list[dict[str, object]], int, int]:
    findings: list[dict[str, object]] = []
    files = real = 0
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        out = subprocess.run([sys.executable, "-m", "lambdoctor", "scan", str(folder), "--format", "json",
                              "--today", "2026-12-01", "--fail-on", "never"], capture_output=True, text=True)
        report = json.loads(out.stdout)
        files += int(report["summary"]["files"])
        real += 0 if folder.name == FRAGMENTS else int(report["summary"]["files"])
        for f in report["findings"]:
            f["file"] = str(f["file"]).split(str(corpus.resolve()) + "/", 1)[-1].split("corpus/", 1)[-1]
            findings.append(f)
    return findings, files, real


def main(argv: list[str]) -> int:
    corpus = Path(argv[0]) if argv else None
    now: Counter[tuple[str, str, str, str]] | None = None
    reach: dict[str, set[str]] = defaultdict(set)
    reach_real: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    files = real = 0
    if corpus and corpus.is_dir():
        found, files, real = scan(corpus)
        now = Counter((str(f["rule"]), str(f["file"]), str(f["line"]), str(f["resource"]))
                      for f in found)
        for f in found:
            reach[str(f["rule"])].add(str(f["file"]))
            if not str(f["file"]).startswith(FRAGMENTS):
                reach_real[str(f["rule"])].add(str(f["file"]))
            counts[str(f["rule"])] += 1
    for sample in SAMPLES:
        print(f"\n### {sample.name}\n")
        table(list(csv.DictReader(sample.open())), now, (reach, files), (reach_real, real), counts)
    return 0


def _share(n: int, of: int) -> str:
    share = n / of if of else 0.0
    return f"{share:.1%}" if share < 0.1 else f"{share:.0%}"


def table(rows: list[dict[str, str]], now: Counter[tuple[str, str, str, str]] | None,
          reach: tuple[dict[str, set[str]], int], reach_real: tuple[dict[str, set[str]], int],
          counts: Counter[str]) -> None:
    files = reach[1]
    by_rule: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_rule[r["rule"]].append(r)
    # Which judged findings are still reported (same rule, place and resource; a message may have been
    # reworded): true ones claim their match first, so of two identical
    # findings (a duplicate judged false) the one left over is the one gone.
    still: dict[str, bool] = {}
    if now is not None:
        left_now = Counter(now)
        for r in sorted(rows, key=lambda r: r["verdict"] != "true"):
            key = (r["rule"], r["file"], r["line"], r["resource"])
            still[r["n"]] = left_now[key] > 0
            left_now[key] -= 1
    head = "| rule | judged | true | precision as sampled | false, now gone | precision now |"
    print(head + (" findings now | share of all files | share of application files |" if now is not None else ""))
    print("|---" * (6 + (3 if now is not None else 0)) + "|")
    tot = tru = gone = 0
    for rule in sorted(set(by_rule) | set(counts)):
        rs = by_rule.get(rule, [])
        t = sum(r["verdict"] == "true" for r in rs)
        g = sum(1 for r in rs if r["verdict"] == "false" and now is not None and not still[r["n"]])
        tot, tru, gone = tot + len(rs), tru + t, gone + g
        left = len(rs) - g
        cells = [rule, str(len(rs)), str(t), f"{t / len(rs):.0%}" if rs else "–", str(g) if now is not None else "–",
                 f"{t / left:.0%}" if rs and left else "–"]
        if now is not None:
            cells += [str(counts[rule]), _share(len(reach[0][rule]), files),
                      _share(len(reach_real[0][rule]), reach_real[1])]
        print("| " + " | ".join(cells) + " |")
    left = tot - gone
    print(f"\nAll rules: {tru} of {tot} true ({tru / tot:.1%}) as sampled; {gone} false findings no longer "
          f"reported, so {tru} of {left} ({tru / left:.1%}) of the sampled findings still reported are true."
          + (f" Input files scanned: {files} ({reach_real[1]} outside {FRAGMENTS})." if files else ""))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
