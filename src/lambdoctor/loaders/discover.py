"""Find the templates under the paths a user gives, read them, and turn bad files into SYS000 findings."""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lambdoctor.loaders.cloudformation import build_application, looks_like_template
from lambdoctor.loaders.comments import suppressions
from lambdoctor.loaders.decode import (
    MAX_FILE_BYTES,
    BudgetExceeded,
    DecodeError,
    Duplicate,
    Node,
    decode_bytes,
    read_regular,
)
from lambdoctor.loaders.serverless import build_serverless, is_serverless_file, looks_like_serverless, provider_name
from lambdoctor.model import Application
from lambdoctor.paths import project_root
from lambdoctor.problems import Problem

__all__ = ["LoadResult", "Problem", "load_paths"]

# What a loader of several applications returns: the applications and (file, line, column, reason) problems.
LoadOutcome = tuple[list[Application], list[Problem]]

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
# Folders that hold dependencies, build output or tool state, never the user's own templates.
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", ".aws-sam", ".serverless", "__pycache__",
                       ".terraform", ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis",
                       ".idea", ".vscode"})


INTERNAL_ERROR = "internal error while modelling the template (please report)"


@dataclass
class LoadResult:
    applications: list[Application] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0
    notes: list[str] = field(default_factory=list)  # what was passed over, and why


def excluded(path: str, patterns: tuple[str, ...], root: str) -> bool:
    """Whether a discovered ``path`` matches one of the user's exclude globs: a glob with a slash is matched
    against the path relative to the project ``root`` (``cdk.out/asset.*``, ``tests/fixtures/**``); one without
    (``node_modules``, ``*.test.yaml``) against each part of it; a trailing slash means a folder and its contents."""
    if not patterns:
        return False
    rel = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    parts = rel.split("/")
    for raw in patterns:
        pattern = raw.strip().rstrip("/")
        if not pattern:
            continue
        if "/" in pattern:
            pattern = pattern.removeprefix("./")
            if fnmatch.fnmatchcase(rel, pattern) or any(
                    fnmatch.fnmatchcase("/".join(parts[:i]), pattern) for i in range(1, len(parts))):
                return True
        elif any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def _candidates(path: str, problems: list[Problem], exclude: tuple[str, ...] = (),
                root: str = ".") -> Iterator[tuple[str, bool]]:
    """(file or Terraform module folder, explicit): explicit files are always parsed; discovered ones only when
    they look like templates, and not when an exclude glob matches them."""
    if not os.path.isdir(path):  # a file, or a FIFO, socket or device named explicitly: reported when read
        if path.endswith(".tf"):
            yield os.path.dirname(path) or ".", True  # a Terraform module is its whole folder
        else:
            yield path, True
        return

    def unreadable(exc: OSError) -> None:  # a folder that cannot be listed is said, never skipped in silence
        problems.append(Problem(exc.filename or path, 1, 1, f"cannot read folder: {exc.strerror or exc}"))

    for folder, dirs, files in os.walk(path, onerror=unreadable, followlinks=False):
        in_cdk_out = os.path.basename(folder) == "cdk.out"
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not (in_cdk_out and d.startswith("asset."))
                         and not excluded(os.path.join(folder, d), exclude, root))
        if any(name.endswith(".tf") for name in files) and not excluded(folder, exclude, root):
            yield os.path.normpath(folder), False
        for name in sorted(files):
            if in_cdk_out and not name.endswith(".template.json"):
                continue  # cdk.out also holds manifests and tree.json: only the synthesized templates count
            if name.endswith(TEMPLATE_SUFFIXES) and not excluded(os.path.join(folder, name), exclude, root):
                # "./a/b.yaml" → "a/b.yaml"; a synthesized CDK template is a template by its name
                yield os.path.normpath(os.path.join(folder, name)), in_cdk_out


def load_paths(paths: Iterable[str], overrides: dict[str, str] | None = None, exclude: tuple[str, ...] = ()
               ) -> LoadResult:
    """``exclude``: globs of discovered paths to pass over, relative to the project root of the first path."""
    result = LoadResult()
    modules: list[str] = []
    paths = list(paths)
    root = str(project_root(paths[0])) if paths and exclude else "."
    for path in paths:
        for file, explicit in _candidates(path, result.problems, exclude, root):
            if os.path.isdir(file):
                modules.append(file)
            else:
                _load_file(file, explicit, result, overrides)
    if modules:
        from lambdoctor.loaders.terraform import load_modules  # lark is imported only when there is HCL

        def terraform(folders: list[str]) -> LoadOutcome:
            apps, problems, files = load_modules(folders, overrides or {})
            result.files_read += files
            return apps, problems

        try:  # all modules together: a folder another one calls as a local module is modelled with its caller
            result.applications.extend((built := terraform(modules))[0])
            result.problems.extend(built[1])
        except Exception:  # RecursionError included: then one module at a time, each inside the same guard
            for folder in modules:
                _guard(folder, result, functools.partial(terraform, [folder]))
    return result


def _load_file(file: str, explicit: bool, result: LoadResult, overrides: dict[str, str] | None) -> None:
    try:
        if os.path.getsize(file) > MAX_FILE_BYTES and not explicit:
            result.notes.append(f"{file}: not read, {os.path.getsize(file) / 1024**2:.0f} MB is over the "
                                f"{MAX_FILE_BYTES // 1024**2} MB a template or plan may be here")
            return
        data = read_regular(file, MAX_FILE_BYTES)
    except OSError as exc:
        result.problems.append(Problem(file, 1, 1, f"cannot read file: {exc.strerror or exc}"))
        return
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its byte-order mark (Windows editors save it)
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            result.problems.append(Problem(file, 1, 1, "a UTF-16 byte-order mark, but not UTF-16 text"))
            return
    serverless = is_serverless_file(file)
    plan = file.endswith(".json") and b'"planned_values"' in data[:4096] and b'"terraform_version"' in data
    if not explicit and not serverless and not plan and b"Resources" not in data:
        return  # some other YAML/JSON (a workflow, a package.json): not ours to judge
    result.files_read += 1
    # CloudFormation deploys a template with a key given twice, keeping the last value; the Serverless Framework's
    # js-yaml refuses such a file
    duplicates: list[Duplicate] | None = None if serverless else []
    try:
        doc = decode_bytes(data, strict_json=file.endswith(".json"), duplicates=duplicates)
    except DecodeError as exc:
        result.problems.append(Problem(file, exc.line, exc.column, exc.reason))
        return
    result.problems.extend(
        Problem(file, d.line, d.column, f"duplicate key {d.key!r} (first at line {d.first_line}): CloudFormation "
                "keeps this last value and ignores the earlier one", partial=True,
                fix="remove the earlier one") for d in duplicates or ())
    if plan or (explicit and isinstance(doc, dict) and "planned_values" in doc):
        from lambdoctor.loaders.terraform import load_plan

        _guard(file, result, lambda: load_plan(file, doc, data, overrides or {}))
        return
    if serverless or (explicit and looks_like_serverless(doc) and not looks_like_template(doc)):
        _guard(file, result, lambda: _serverless(file, doc, result, overrides or {}, data))
        return
    if not looks_like_template(doc):
        if explicit or (isinstance(doc, dict) and "AWSTemplateFormatVersion" in doc):
            result.problems.append(Problem(file, 1, 1, "not a CloudFormation template: no Resources mapping"))
        return
    assert isinstance(doc, dict)
    untransformed = _sam_without_transform(doc)
    if untransformed is not None:
        line, column = untransformed
        result.problems.append(Problem(
            file, line, column, "AWS::Serverless resources but no Transform: AWS::Serverless-2016-10-31: "
            "CloudFormation rejects the template as it is; analysed as SAM", partial=True,
            fix="add Transform: AWS::Serverless-2016-10-31 at the top of the template"))
    _guard(file, result, lambda: build_application(file, doc, dict(overrides) if overrides else None))


def _sam_without_transform(doc: dict[str, Any]) -> tuple[int, int] | None:
    """Where the first AWS::Serverless resource stands, when the template does not declare SAM's transform
    (CloudFormation knows those types only through it)."""
    transform = doc.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    if any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names):
        return None
    resources = doc.get("Resources")
    for res in resources.values() if isinstance(resources, dict) else ():
        if isinstance(res, dict) and str(res.get("Type", "")).startswith("AWS::Serverless::"):
            return (res.line, res.column) if isinstance(res, Node) else (1, 1)
    return None


def _serverless(file: str, doc: Any, result: LoadResult, options: dict[str, str], data: bytes = b""
                ) -> Application | None:
    if not looks_like_serverless(doc):
        result.problems.append(Problem(file, 1, 1, "not a Serverless Framework service: no service/provider"))
        return None
    assert isinstance(doc, Node)
    provider = provider_name(doc)
    if provider != "aws":
        return None  # azure, google, openwhisk ... services: not an AWS Lambda application
    app, problems = build_serverless(file, doc, options)
    result.problems.extend(Problem(file, p.line, p.column, p.reason) for p in problems)
    marks = suppressions(data.decode("utf-8", "replace"), "yaml") if b"lambdoctor:" in data else ()
    return dataclasses.replace(app, code_suppressions={file: marks}) if marks and app is not None else app


def _located_file(path: str) -> str:
    """A Terraform module is a folder: a line names a line of one of its .tf files, the only one or else the
    folder itself."""
    if not os.path.isdir(path):
        return path
    tf = sorted(n for n in os.listdir(path) if n.endswith(".tf"))
    return os.path.normpath(os.path.join(path, tf[0])) if len(tf) == 1 else path


def _guard(file: str, result: LoadResult, build: Callable[[], Application | LoadOutcome | None]) -> None:
    """Run one loader; a bug in it costs this file (SYS000 with the reason), never the run."""
    try:
        built = build()
    except BudgetExceeded as exc:
        result.problems.append(Problem(_located_file(file), exc.line, exc.column, exc.reason))
        return
    except RecursionError:
        result.problems.append(Problem(_located_file(file), 1, 1, "file nested too deeply to model"))
        return
    except Exception as exc:  # the tests assert this never happens on the corpus
        result.problems.append(Problem(_located_file(file), 1, 1,
                                       f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}"))
        return
    if isinstance(built, Application):
        result.applications.append(built)
    elif isinstance(built, tuple):
        apps, problems = built
        result.applications.extend(apps)
        result.problems.extend(problems)
