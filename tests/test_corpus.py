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
