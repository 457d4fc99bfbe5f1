"""The documentation builds as a static site (mkdocs.yml, `mkdocs build --strict`: a broken link between pages
fails), with one page per rule at rules/<ID>/, the address docs-url points SARIF's helpUri to."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from lambdoctor.rules import CATALOG, SYSTEM_RULES


def test_the_docs_build_as_a_site_with_a_page_per_rule(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"),
                          "-d", str(tmp_path / "site")], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    for rule_id in [*(r.id for r in CATALOG), *SYSTEM_RULES]:
        page = tmp_path / "site" / "rules" / rule_id / "index.html"
        assert page.is_file(), rule_id
        assert f"{rule_id}:" in page.read_text(encoding="utf-8")
    assert (tmp_path / "site" / "configuration" / "index.html").is_file()
