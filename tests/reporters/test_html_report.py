"""`scan --format html` and `audit --format html`, opened in a real browser: Debian's Chromium driven by Playwright
(no browser download). The page loads with no console error and no network request, the graph has one node per
resource of the example, filtering the findings table works, selecting a node lists its findings, and strings from
the user's files cannot run as script. Skips, saying why, only when Chromium or Graphviz is absent."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, two_versions_export

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As this machine's probe starts it (env/machines): background networking off, or its connections are refused
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt install chromium)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz dot on this machine (apt install graphviz)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    return page, errors, [r for r in requests if r != path.as_uri()], dialogs


def _lambdoctor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lambdoctor", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


def test_the_scan_report_draws_the_shop_and_its_table_filters(browser: Any, tmp_path: Path) -> None:
    out = _lambdoctor("scan", str(ROOT / "examples" / "shop"), "--format", "html", "-o", "shop.html", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    report = tmp_path / "shop.html"
    assert report.stat().st_size < 1_000_000
    findings = json.loads(_lambdoctor("scan", str(ROOT / "examples" / "shop"), "--format", "json",
                                      cwd=tmp_path).stdout)["findings"]
    page, errors, requests, _ = _open(browser, report)
    assert errors == [] and requests == []
    # one node per resource of the shop: its five functions, what triggers them and what they write to
    labels = sorted(t for t in page.locator("#graph g.node text").all_text_contents()
                    if not t.endswith(("finding", "findings")))
    assert labels == ["ClickConsumer", "ClickStream", "FulfilmentQueue", "FulfilmentWorker", "NightlyReport",
                      "OrdersApi", "OrdersTable", "ProductImages", "Thumbnailer", "api", "schedule"]
    # 13 edges: 5 triggers, the SQS hop, OrdersApi's 4 SDK calls, and 3 writes only the execution roles show
    # (the SAM policy templates of ClickConsumer and FulfilmentWorker on OrdersTable; Thumbnailer's S3 CRUD on
    # ProductImages, which closes the loop REL008 reports: ProductImages -> s3 -> Thumbnailer -> role: s3:...)
    assert page.locator("#graph g.edge").count() == 13
    roles = [t for t in page.locator("#graph g.edge text").all_text_contents() if t.startswith("role: ")]
    assert sorted(roles) == ["role: dynamodb:BatchWriteItem, dynamodb:DeleteItem …"] * 2 + [
        "role: s3:DeleteObject, s3:PutLifecycleConfiguration …"]
    rows = page.locator("#findings tbody tr")
    assert rows.count() == len(findings)
    assert page.locator("#f-count").inner_text() == f"{len(findings)} shown"
    page.select_option("#f-severity", "error")
    errors_shown = [r for r in rows.all() if r.is_visible()]
    assert len(errors_shown) == sum(f["severity"] == "error" for f in findings)
    assert all(r.get_attribute("data-severity") == "error" for r in errors_shown)
    page.select_option("#f-severity", "")
    page.locator("#graph g.node", has_text="OrdersApi").click()
    visible = [r.get_attribute("data-resource") for r in rows.all() if r.is_visible()]
    assert visible and set(visible) == {"OrdersApi"}
    assert len(visible) == sum(f["resource"] == "OrdersApi" for f in findings)
    page.screenshot(path=str(tmp_path / "shop.png"))
    assert (tmp_path / "shop.png").stat().st_size > 10_000


HOSTILE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Evil"<script>alert(1)</script>:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: "<img src=x onerror=alert(2)>"
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Events:
        Jobs:
          Type: SQS
          Properties: {Queue: !GetAtt Queue.Arn}
  Queue:
    Type: AWS::SQS::Queue
"""


def test_strings_from_the_users_files_never_run(browser: Any, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(HOSTILE, encoding="utf-8")
    out = _lambdoctor("scan", ".", "--format", "html", "-o", "report.html", cwd=tmp_path)
    assert out.returncode in (0, 1), out.stderr
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text and "<img src=x" not in text
    page, errors, requests, dialogs = _open(browser, tmp_path / "report.html")
    assert dialogs == [] and errors == [] and requests == []
    assert 'Evil"<script>alert(1)</script>' in page.locator("#graph").inner_text()  # shown as text
    assert page.locator("#findings tbody tr", has_text='Evil"<script>').count() > 0


def _audit_page(browser: Any, tmp_path: Path, rule_id: str) -> Any:
    """The audit report of the example account in the rule's own documentation, opened: no error, no request."""
    from lambdoctor.rules import ACC_RULES

    rule = next(r for r in ACC_RULES if r.id == rule_id)
    (tmp_path / "account.json").write_text(rule.example("Example"), encoding="utf-8")
    out = _lambdoctor("audit", "--snapshot", "account.json", "--format", "html", "-o", "audit.html", "--fail-on",
                      "never", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    page, errors, requests, _ = _open(browser, tmp_path / "audit.html")
    assert errors == [] and requests == []
    return page


def test_the_audit_report_draws_the_account(browser: Any, tmp_path: Path) -> None:
    page = _audit_page(browser, tmp_path, "ACC004")
    assert page.locator("#graph g.node").count() >= 1
    assert page.locator("#findings tbody tr", has_text="ACC004").count() >= 1


def test_the_audit_report_shows_the_versions_kept(browser: Any, tmp_path: Path) -> None:
    """ACC002's example account: seven unused versions of orders hold 420 MB; the chart splits its code storage into
    the versions in use and those nothing uses (what prune reclaims)."""
    page = _audit_page(browser, tmp_path, "ACC002")
    assert page.locator("h2", has_text="code storage").count() == 1
    legend = page.locator(".chart svg text").all_text_contents()
    assert {"in use", "unused", "orders"} <= set(legend)


def test_the_cost_report_is_the_power_tuning_picture(browser: Any, tmp_path: Path) -> None:
    """Cost and duration against memory size for durations given per size (as Power Tuning measures them): one bar
    and one point per size, the cheapest marked; the numbers are the cost engine's (`--format json`)."""
    args = ["cost", "--invocations", "10,000,000", *(a for size, ms in ((128, 1200), (256, 590), (512, 300),
                                                                        (1024, 160), (2048, 95))
                                                     for a in ("--duration-at", f"{size}={ms}"))]
    out = _lambdoctor(*args, "--format", "html", "-o", "cost.html", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(_lambdoctor(*args, "--format", "json", cwd=tmp_path).stdout)
    cheapest = min(doc["estimates"], key=lambda e: float(e["monthly_total_usd"]))
    page, errors, requests, _ = _open(browser, tmp_path / "cost.html")
    assert errors == [] and requests == []
    assert page.locator('svg [aria-roledescription="bar"]').count() == 5
    assert page.locator('svg [aria-roledescription="point"]').count() == 5
    assert page.locator("svg text", has_text="cheapest").count() == 1
    assert f"Cheapest: {cheapest['memory_mb']} MB" in page.inner_text("body")
    assert page.locator("table tbody tr").count() == 5


def test_the_simulate_report_draws_the_timeline(browser: Any, tmp_path: Path) -> None:
    """One point per invocation of the timeline (the JSON report's), the concurrency steps, and a bar per total."""
    scenario = str(ROOT / "examples" / "scenarios" / "poison-sqs" / "scenario.yaml")
    out = _lambdoctor("simulate", scenario, "--format", "html", "-o", "sim.html", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(_lambdoctor("simulate", scenario, "--format", "json", cwd=tmp_path).stdout)
    page, errors, requests, _ = _open(browser, tmp_path / "sim.html")
    assert errors == [] and requests == []
    assert page.locator('svg [aria-roledescription="point"]').count() == len(doc["timeline"])
    assert page.locator('svg [aria-roledescription="bar"]').count() == 9
    assert page.locator('svg [aria-roledescription="line mark"]').count() == 1
    assert f"{doc['attempts']:,} invocations on the virtual clock" in page.inner_text("body")


def test_the_logs_report_draws_each_function_over_time(browser: Any, tmp_path: Path) -> None:
    """LOG001's fixture (an hour of REPORT records at 1,024 MB that peak at 90 MB): durations and invocations over
    the report's time bins, and the peak memory against the configured size."""
    log = str(ROOT / "tests" / "rules" / "LOG001" / "fail" / "orders.log")
    out = _lambdoctor("logs", log, "--format", "html", "-o", "logs.html", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    [stats] = json.loads(_lambdoctor("logs", log, "--format", "json", cwd=tmp_path).stdout)["functions"]
    bins = stats["reports"]["over_time"]["bins"]
    page, errors, requests, _ = _open(browser, tmp_path / "logs.html")
    assert errors == [] and requests == []
    assert page.locator('svg [aria-roledescription="point"]').count() == 2 * len(bins)  # p50 and p99 per bin
    assert page.locator('svg [aria-roledescription="bar"]').count() == 2 * len(bins) + 3  # invocations, errors
    assert page.locator("h2", has_text="orders: memory used against its 1024 MB").count() == 1
    assert "LOG001" in page.inner_text("body")


def test_the_logs_report_shows_where_the_compute_goes(browser: Any, tmp_path: Path) -> None:
    """Two versions at two memory sizes (as tests/logs/test_real_records.py builds them from a filter-log-events
    export, conftest.two_versions_export): version 1 at 512 MB, 3 x 200 ms mean; version 2 at 1,024 MB, 3 x 500 ms
    mean."""
    (tmp_path / "fn.json").write_text(two_versions_export())
    out = _lambdoctor("logs", "fn.json", "--function", "fn", "--format", "html", "-o", "logs.html", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    page, errors, requests, _ = _open(browser, tmp_path / "logs.html")
    assert errors == [] and requests == []
    assert page.locator("h2", has_text="fn: compute by version").count() == 1
    assert page.locator("h2", has_text="fn: compute by memory size").count() == 1
    texts = page.locator(".chart svg text").all_text_contents()
    assert "512 MB" in texts and "1024 MB" in texts and texts.count("3 invocations") == 4
