"""Where users run lambdoctor: the repository's pre-commit hook, run by pre-commit itself against a temporary git
repository (it installs lambdoctor's base install, without extras, into its own environment: `scan` must work
there); the GitHub Action's scan step (action.yml runs .github/action/scan.sh), run as the runner would; and the
message a command gives when its extra is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

SHOP = ROOT / "examples" / "shop"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"})


def test_the_pre_commit_hook_scans_the_repository_and_fails_on_errors(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["lambdoctor"]
    repo = tmp_path / "app"
    shutil.copytree(SHOP, repo)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "app")
    # pre-commit's own cache, not the user's; its pip may need PyPI for click, rich, PyYAML and python-hcl2
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "lambdoctor", "--all-files"],
                         cwd=repo, capture_output=True, text=True, timeout=900, env=env)
    if out.returncode != 0 and ("Could not find a version" in out.stdout + out.stderr
                                or "Max retries exceeded" in out.stdout + out.stderr):
        pytest.skip(f"pre-commit could not install lambdoctor's dependencies: {out.stdout[-300:]}")
    assert out.returncode == 1, out.stdout + out.stderr  # the shop has errors: the commit is stopped
    assert "lambdoctor (Lambda footguns)" in out.stdout and "Failed" in out.stdout
    assert "SEC001" in out.stdout and "error" in out.stdout
    # a clean application passes
    clean = tmp_path / "clean"
    shutil.copytree(ROOT / "examples" / "clean", clean)
    _git(clean, "init", "-q")
    _git(clean, "add", "-A")
    _git(clean, "commit", "-q", "-m", "clean")
    out = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "lambdoctor", "--all-files"],
                         cwd=clean, capture_output=True, text=True, timeout=900, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Passed" in out.stdout


def test_the_action_writes_sarif_annotates_and_reports_the_exit_code(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert set(action["inputs"]) >= {"paths", "fail-on", "config", "sarif-file", "upload-sarif"}
    assert all(i.get("description") for i in action["inputs"].values())
    steps = action["runs"]["steps"]
    assert any("scan.sh" in str(s.get("run", "")) for s in steps)
    assert any(str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif") for s in steps)
    repo = tmp_path / "repo"
    shutil.copytree(SHOP, repo / "shop")
    (repo / ".git").mkdir()
    outputs = tmp_path / "github_output"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "LAMBDOCTOR_PATHS": "shop", "LAMBDOCTOR_FAIL_ON": "error", "LAMBDOCTOR_SARIF": "out.sarif",
           "GITHUB_OUTPUT": str(outputs)}
    out = subprocess.run(["bash", str(ROOT / ".github" / "action" / "scan.sh")], cwd=repo, capture_output=True,
                         text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr  # the step itself succeeds: the upload runs, then the verdict
    assert outputs.read_text(encoding="utf-8") == "exit-code=1\n"
    sarif = json.loads((repo / "out.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"]
    annotations = [line for line in out.stdout.splitlines() if line.startswith("::")]
    assert annotations and all(line.startswith(("::error file=shop/", "::warning file=shop/",
                                                "::notice file=shop/")) for line in annotations)
    env["LAMBDOCTOR_FAIL_ON"] = "never"
    subprocess.run(["bash", str(ROOT / ".github" / "action" / "scan.sh")], cwd=repo, capture_output=True,
                   text=True, timeout=300, env=env)
    assert outputs.read_text(encoding="utf-8").splitlines()[-1] == "exit-code=0"


def test_a_command_whose_extra_is_missing_says_which_to_install(tmp_path: Path) -> None:
    """As a base install (`pip install lambdoctor`) meets `lambdoctor logs`: DuckDB cannot be imported."""
    (tmp_path / "fn.log").write_text("REPORT RequestId: 5f0c8d0e-1d7a-4b0e-9f55-0e1f1c2a9a01\tDuration: 9.00 ms\t"
                                     "Billed Duration: 9 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n")
    script = ("import sys\nsys.modules['duckdb'] = None\nfrom lambdoctor.cli import main\n"
              "sys.argv = ['lambdoctor', 'logs', 'fn.log']\nmain()\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip() == ("lambdoctor: `lambdoctor logs` needs DuckDB, which is not installed: pip install "
                                  "'lambdoctor[logs]' (or 'lambdoctor[all]' for every command)")
