"""Every real-world template of ../shared/corpus loads without a crash (skips when the corpus is absent)."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import CORPUS, TODAY

from lambdoctor.config import Config
from lambdoctor.engine import scan
from lambdoctor.loaders.discover import INTERNAL_ERROR

FOLDERS = ["sam-translator-inputs", "serverless-samples"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
@pytest.mark.parametrize("folder", FOLDERS)
def test_corpus_loads_without_sys001(folder: str) -> None:
    result = scan([str(CORPUS / folder)], Config(), TODAY)
    crashed = [f for f in result.findings if f.rule == "SYS001" or INTERNAL_ERROR in f.message]
    assert crashed == []
    unparseable = [f for f in result.findings if f.rule == "SYS000"]
    for f in unparseable:
        assert f.message and f.line >= 1
    assert len(result.applications) > (700 if folder == "sam-translator-inputs" else 30)
    assert Counter(f.rule for f in result.findings)["REL002"] > 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
def test_serverless_framework_examples_load() -> None:
    result = scan([str(CORPUS / "serverless-framework-examples")], Config(), TODAY)
    assert [f for f in result.findings if f.rule == "SYS001" or INTERNAL_ERROR in f.message] == []
    # 131 of the 191 services are AWS ones (the others are Azure, Google, OpenWhisk ... and are skipped)
    assert len(result.applications) == 131
    assert sum(len(a.functions) for a in result.applications) == 233
    # The only problems are the files their ${file(...)} variables include, which the corpus does not carry.
    problems = [f for f in result.findings if f.rule == "SYS000"]
    assert len(problems) == 30
    assert all(f.message.startswith("${file(") and f.message.endswith(": file not found") for f in problems)
    assert Counter(f.rule for f in result.findings)["DEP003"] == 232  # one service sets versionFunctions: false


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
def test_terraform_lambda_module_loads() -> None:
    result = scan([str(CORPUS / "terraform-lambda-module")], Config(), TODAY)
    assert [f for f in result.findings if f.rule in ("SYS000", "SYS001")] == []
    # The module itself is called by its examples (source = "../../"), so it is modelled inside each of them.
    assert len(result.applications) == 20
    functions = {fid for a in result.applications for fid in a.functions}
    assert "module.lambda_function.aws_lambda_function.this[0]" in functions
    assert sum(len(a.functions) for a in result.applications) == 30
