"""The command line as a user runs it: exit codes, formats, configuration, suppressions, baselines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

SHOP = ROOT / "examples" / "shop"
CLEAN = ROOT / "examples" / "clean"


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lambdoctor", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={**os.environ, **(env or {})}, timeout=60)


def test_shop_exits_1_and_shows_at_least_8_rules() -> None:
    out = cli("scan", "examples/shop", "--format", "json", "--today", "2026-11-22")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    rules = set(doc["summary"]["rules"])
    assert len(rules) >= 8
    assert {"REL001", "REL003", "REL004", "REL005", "REL006", "REL007", "REL008", "SEC001", "SEC002",
            "SEC007", "DEP003"} <= rules


def test_clean_exits_0_with_nothing_at_warning_or_above() -> None:
    out = cli("scan", "examples/clean", "--format", "json", "--today", "2026-11-22")
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    assert [f for f in doc["findings"] if f["severity"] in ("warning", "error")] == []


def test_json_schema_fields_and_determinism() -> None:
    first = cli("scan", "examples/shop", "--format", "json", "--today", "2026-11-22")
    second = cli("scan", "examples/shop", "--format", "json", "--today", "2026-11-22")
    assert first.stdout == second.stdout  # byte-identical
    doc = json.loads(first.stdout)
    assert doc["schema_version"] == "1.1"
    assert doc["tool"]["name"] == "lambdoctor"
    f = next(f for f in doc["findings"] if f["rule"] == "REL003")
    assert f == {
        "rule": "REL003", "slug": "sqs-visibility-below-timeout", "severity": "error",
        "message": "visibility timeout 30 s (the default) is below the timeout of FulfilmentWorker (60 s): the "
                   "deployment fails, or messages are processed twice",
        "file": "examples/shop/template.yaml", "line": 54, "column": 5, "resource": "FulfilmentQueue",
        "resource_type": "AWS::SQS::Queue", "fix": "set VisibilityTimeout to at least 360 s (6 × 60 s + 0 s window)",
        "docs": "docs/rules/REL003.md", "confidence": "high",
    }
    assert doc["summary"]["findings"] == len(doc["findings"])


def test_fail_on_levels() -> None:
    assert cli("scan", "examples/shop", "--fail-on", "never").returncode == 0
    assert cli("scan", "examples/clean", "--fail-on", "info", "--today", "2026-11-22").returncode == 0
    assert cli("scan", "examples/shop", "--fail-on", "error").returncode == 1


def test_select_and_ignore_by_prefix() -> None:
    doc = json.loads(cli("scan", "examples/shop", "--format", "json", "--select", "REL00").stdout)
    assert doc["findings"] and {f["rule"][:5] for f in doc["findings"]} == {"REL00"}
    doc = json.loads(cli("scan", "examples/shop", "--format", "json", "--ignore", "OBS,DEP").stdout)
    assert not {f["rule"] for f in doc["findings"] if f["rule"].startswith(("OBS", "DEP"))}


def test_config_file_thresholds_severity_and_fail_on(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "template.yaml").write_text((SHOP / "template.yaml").read_text())
    (project / "pyproject.toml").write_text(
        '[tool.lambdoctor]\nselect = ["REL003"]\nfail-on = "error"\n'
        '[tool.lambdoctor.severity]\nREL003 = "info"\n'
        '[tool.lambdoctor.thresholds]\nsqs-visibility-factor = 1\n')
    out = cli("scan", str(project), "--format", "json")
    doc = json.loads(out.stdout)
    assert [(f["rule"], f["severity"]) for f in doc["findings"]] == [("REL003", "info")]
    assert "1 × 60 s" in doc["findings"][0]["fix"]
    assert out.returncode == 0  # info is below fail-on = error


def test_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text((CLEAN / "template.yaml").read_text())
    (tmp_path / ".lambdoctor.toml").write_text('fail-on = "sometimes"\n')
    out = cli("scan", str(tmp_path))
    assert out.returncode == 2
    assert "fail-on must be info, warning, error or never" in out.stderr


def test_metadata_suppression(tmp_path: Path) -> None:
    text = (SHOP / "template.yaml").read_text().replace(
        "  FulfilmentQueue:\n    Type: AWS::SQS::Queue\n",
        "  FulfilmentQueue:\n    Type: AWS::SQS::Queue\n    Metadata:\n      lambdoctor:\n        ignore: [REL003]\n")
    (tmp_path / "template.yaml").write_text(text)
    doc = json.loads(cli("scan", str(tmp_path), "--format", "json").stdout)
    assert "REL003" not in doc["summary"]["rules"]
    assert "REL007" in doc["summary"]["rules"]  # only the named rule is silenced
    assert doc["summary"]["suppressed"] == 1


def test_baseline_hides_known_findings_and_reports_new_ones(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    template = project / "template.yaml"
    template.write_text((SHOP / "template.yaml").read_text())
    base = tmp_path / "baseline.json"
    assert cli("scan", str(project), "--write-baseline", str(base)).returncode == 0
    assert cli("scan", str(project), "--baseline", str(base)).returncode == 0
    # A new problem appears, and lines move: only the new one is reported.
    template.write_text("# moved\n" + template.read_text().replace("      Timeout: 15\n", ""))
    out = cli("scan", str(project), "--baseline", str(base), "--format", "json", "--fail-on", "warning")
    doc = json.loads(out.stdout)
    assert [(f["rule"], f["resource"]) for f in doc["findings"]] == [("REL002", "ClickConsumer")]
    assert out.returncode == 1


def test_a_baseline_holds_however_the_scan_is_started(tmp_path: Path) -> None:
    """Written from the repository root on a relative path; used from a subfolder, and with an absolute path: the
    files are named relative to the repository (the folder holding .git), not as typed."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()
    (repo / "infra" / "template.yaml").write_text((SHOP / "template.yaml").read_text())
    assert cli("scan", "infra", "--write-baseline", "baseline.json", cwd=repo).returncode == 0
    saved = json.loads((repo / "baseline.json").read_text())["fingerprints"]
    assert saved and all("|infra/template.yaml|" in p for p in saved)
    for args, cwd in ((("scan", ".", "--baseline", "../baseline.json"), repo / "infra"),
                      (("scan", str(repo / "infra"), "--baseline", str(repo / "baseline.json")), tmp_path)):
        out = cli(*args, "--format", "json", "--fail-on", "info", cwd=cwd)
        assert out.returncode == 0, out.stdout
        assert json.loads(out.stdout)["summary"]["suppressed"] == len(saved)


def test_plain_output_without_tty_and_summary_line() -> None:
    out = cli("scan", "examples/shop", "--today", "2026-11-22")
    assert "\x1b[" not in out.stdout
    lines = out.stdout.splitlines()
    # More than ten findings: the report opens with the five to read first, one per rule, errors first and
    # security before reliability (reporters/terminal.most_important).
    assert lines[:7] == [
        "Read these first (5 of 64):",
        '  error   SEC001  Thumbnailer (examples/shop/template.yaml:84): execution role allows every s3 action '
        '("s3:*")',
        "  error   SEC002  OrdersApi (examples/shop/template.yaml:41): environment variable PAYMENT_API_KEY holds a "
        "literal value for a secret-like name (value masked)",
        "  error   SEC005  NightlyReport (examples/shop/src/nightly/app.py:17): put_object() needs s3:PutObject; the "
        "role NightlyReportRole does not allow it: AccessDenied at run time [confidence: medium]",
        "  error   SEC007  NightlyReport (examples/shop/template.yaml:116): runtime python3.9 was deprecated on "
        "2025-12-15",
        "  error   REL001  OrdersApi (examples/shop/template.yaml:31): timeout 30 s is at or above the REST API "
        "integration timeout of 29 s: the client gets a 504 while the function keeps running",
        "",
    ]
    assert lines[7] == "examples/shop/src/api/app.py"
    assert lines[-1] == "64 findings (11 error, 31 warning, 22 info) in 6 files"
    assert "    54:5  error   REL003  visibility timeout 30 s (the default)" in out.stdout
    assert "    17:5  error   SEC005  put_object() needs s3:PutObject; the role NightlyReportRole" in out.stdout


def test_the_default_gate_fails_on_errors_only(tmp_path: Path) -> None:
    # docs/quality.md: at `warning` nearly every real file failed for advice (alarms, tracing, retention).
    warn = tmp_path / "warn.yaml"
    warn.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
                    "    Properties: {Runtime: python3.12, Handler: index.handler, MemorySize: 256,\n"
                    "                 InlineCode: 'def handler(e, c): pass'}\n")
    assert cli("scan", str(warn), "--select", "REL002").returncode == 0  # a warning: reported, not failed
    assert cli("scan", str(warn), "--select", "REL002", "--fail-on", "warning").returncode == 1
    error = tmp_path / "error.yaml"
    error.write_text(warn.read_text().replace("python3.12", "python3.8"))
    assert cli("scan", str(error), "--select", "SEC007", "--today", "2026-12-01").returncode == 1


def test_colour_on_a_tty_unless_no_color() -> None:
    import io

    from lambdoctor.reporters import terminal

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    from conftest import run_scan

    findings = run_scan([SHOP]).findings
    stream = Tty()
    os.environ.pop("NO_COLOR", None)
    terminal.render(findings, 1, 0, stream)
    assert "\x1b[" in stream.getvalue()
    stream = Tty()
    os.environ["NO_COLOR"] = "1"
    try:
        terminal.render(findings, 1, 0, stream)
    finally:
        del os.environ["NO_COLOR"]
    assert "\x1b[" not in stream.getvalue()


def test_nothing_to_scan_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    out = cli("scan", str(tmp_path))
    assert out.returncode == 2
    assert "no CloudFormation/SAM template, serverless.yml or Terraform found" in out.stderr


def test_missing_path_is_exit_2() -> None:
    assert cli("scan", "does/not/exist").returncode == 2


def test_rules_list_and_one_rule() -> None:
    out = cli("rules")
    assert out.returncode == 0
    assert out.stdout.count("\n") == 59  # 42 rules over the model + 7 over an account + 8 over logs + SYS000-1
    assert out.stdout.startswith("ACC001")
    one = cli("rules", "rel003")
    assert one.stdout.startswith("# REL003: sqs-visibility-below-timeout")
    assert "## Use instead" in one.stdout
    assert cli("rules", "NOPE999").returncode == 2


@pytest.mark.parametrize("fmt", ["terminal", "json", "sarif"])
def test_secrets_are_masked_in_every_format(fmt: str) -> None:
    out = cli("scan", "examples/shop", "--format", fmt)
    for secret in ("sk_live_51HxQm2eZvKYlo2C8a9f3kTq", "Winter2024!shop"):
        assert secret not in out.stdout
    assert "PAYMENT_API_KEY" in out.stdout


def test_scan_never_imports_user_code_nor_heavy_modules(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\ndef handler(e, c): pass\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/, Timeout: 3}\n")
    code = ("import sys; from lambdoctor.cli import main\n"
            "try:\n    main(['scan', sys.argv[1], '--fail-on', 'never'])\nexcept SystemExit: pass\n"
            "bad = [m for m in ('boto3', 'botocore', 'duckdb', 'app') if m in sys.modules]\n"
            "print('HEAVY', bad)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout
    assert not marker.exists()


@pytest.mark.parametrize("fmt", ["json", "terminal"])
def test_logs_loads_only_the_log_rules(fmt: str) -> None:
    # Every rule module and the application model took 35 ms to import: 1.3 % of analyzing 1 GB of logs.
    code = ("import sys; from lambdoctor.cli import main\n"
            "try:\n    main(['logs', sys.argv[1], '--format', sys.argv[2]])\nexcept SystemExit: pass\n"
            "heavy = ('lambdoctor.rules.catalog', 'lambdoctor.model', 'boto3')\n"
            "print('LOADED', [m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "tests" / "data" / "logs" / "sample.log"), fmt],
                         capture_output=True, text=True, timeout=60)
    assert "LOG003" in out.stdout and "LOADED []" in out.stdout, out.stdout + out.stderr


def test_scanning_dot_reports_clean_relative_paths() -> None:
    doc = json.loads(cli("scan", ".", "--format", "json", "--select", "REL003,SEC005", cwd=SHOP).stdout)
    assert [(f["file"], f["line"]) for f in doc["findings"]] == [("src/nightly/app.py", 17), ("template.yaml", 54)]


def test_an_internal_error_exits_3_with_its_traceback_masked() -> None:
    # a bug of lambdoctor (here: the engine raising) must not exit 1, which CI reads as "findings"
    secret = "AKIA" + "Q" * 16
    code = ("import lambdoctor.engine as e\n"
            f"def boom(*a, **k): raise RuntimeError('engine broke near {secret}')\n"
            "e.scan = boom\n"
            "from lambdoctor.cli import main\n"
            "main(['scan', 'examples/shop'])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 3, out.stderr
    assert "RuntimeError: engine broke near" in out.stderr
    assert "lambdoctor: internal error" in out.stderr
    assert secret not in out.stderr + out.stdout
