"""Find the templates under the paths a user gives, read them, and turn bad files into SYS000 findings."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lambdoctor.loaders.cloudformation import build_application, looks_like_template
from lambdoctor.loaders.decode import MAX_FILE_BYTES, DecodeError, decode_bytes
from lambdoctor.model import Application

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
# Folders that hold dependencies, build output or tool state, never the user's own templates.
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", ".aws-sam", ".serverless", "__pycache__",
                       ".terraform", ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis",
                       ".idea", ".vscode"})


INTERNAL_ERROR = "internal error while modelling the template (please report)"


@dataclass(frozen=True)
class Problem:
    """A file that could not be used: SYS000 material."""

    file: str
    line: int
    column: int
    reason: str


@dataclass
class LoadResult:
    applications: list[Application] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0


def _candidates(path: str) -> Iterator[tuple[str, bool]]:
    """(file, explicit): explicit files are always parsed; discovered ones only when they look like templates."""
    if os.path.isfile(path):
        yield path, True
        return
    for root, dirs, files in os.walk(path, followlinks=False):
        in_cdk_out = os.path.basename(root) == "cdk.out"
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not (in_cdk_out and d.startswith("asset.")))
        for name in sorted(files):
            if in_cdk_out and not name.endswith(".template.json"):
                continue  # cdk.out also holds manifests and tree.json: only the synthesized templates count
            if name.endswith(TEMPLATE_SUFFIXES):
                yield os.path.normpath(os.path.join(root, name)), False  # "./a/b.yaml" → "a/b.yaml"


def load_paths(paths: Iterable[str], overrides: dict[str, object] | None = None) -> LoadResult:
    result = LoadResult()
    for path in paths:
        for file, explicit in _candidates(path):
            _load_file(file, explicit, result, overrides)
    return result


def _load_file(file: str, explicit: bool, result: LoadResult, overrides: dict[str, object] | None) -> None:
    try:
        if os.path.getsize(file) > MAX_FILE_BYTES and not explicit:
            return
        with open(file, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        result.problems.append(Problem(file, 1, 1, f"cannot read file: {exc.strerror or exc}"))
        return
    if not explicit and b"Resources" not in data:
        return  # some other YAML/JSON (a workflow, a package.json): not ours to judge
    result.files_read += 1
    try:
        doc = decode_bytes(data, strict_json=file.endswith(".json"))
    except DecodeError as exc:
        result.problems.append(Problem(file, exc.line, exc.column, exc.reason))
        return
    if not looks_like_template(doc):
        if explicit or (isinstance(doc, dict) and "AWSTemplateFormatVersion" in doc):
            result.problems.append(Problem(file, 1, 1, "not a CloudFormation template: no Resources mapping"))
        return
    assert isinstance(doc, dict)
    try:
        result.applications.append(build_application(file, doc, dict(overrides) if overrides else None))
    except RecursionError:
        result.problems.append(Problem(file, 1, 1, "template nested too deeply to model"))
    except Exception as exc:  # a loader bug must cost one file, not the run; the tests assert it never happens
        result.problems.append(Problem(file, 1, 1, f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}"))
