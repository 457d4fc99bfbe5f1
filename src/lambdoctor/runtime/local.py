"""A function of a template (or serverless.yml, Terraform) → what the local runtime needs to run it."""

from __future__ import annotations

import os
from pathlib import Path

from lambdoctor.model import Function, Unknown, known_int
from lambdoctor.runtime.environment import FunctionSpec


class FunctionNotFound(Exception):
    pass


def _find(path: str, function: str, variables: dict[str, str]) -> Function:
    from lambdoctor.loaders.discover import load_paths

    loaded = load_paths([path], variables)
    found = [fn for app in loaded.applications for fn in app.functions.values()
             if function in (fn.id, fn.name)]
    if not found:
        names = sorted(fn.id for app in loaded.applications for fn in app.functions.values())
        where = "; ".join(f"{p.file}:{p.line}: {p.reason}" for p in loaded.problems)
        raise FunctionNotFound(f"no function {function!r} in {path}" + (
            f" (functions: {', '.join(names)})" if names else (f" ({where})" if where else "")))
    if len(found) > 1:
        raise FunctionNotFound(f"{function!r} names {len(found)} functions in {path}: give a single template")
    return found[0]


def function_spec(path: str, function: str, variables: dict[str, str], env: dict[str, str]
                  ) -> tuple[FunctionSpec, list[str]]:
    fn = _find(path, function, variables)
    notes: list[str] = []
    if not isinstance(fn.runtime, str) or not fn.runtime.startswith("python"):
        raise FunctionNotFound(f"{fn.id}: runtime {fn.runtime or 'container image'}: only Python handlers run "
                               "locally")
    if not isinstance(fn.handler, str):
        raise FunctionNotFound(f"{fn.id}: the handler is not known")
    if fn.code_uri is None or not os.path.isdir(fn.code_uri):
        raise FunctionNotFound(f"{fn.id}: its code folder {fn.code_uri or '(inline code)'} was not found")
    environment: dict[str, str] = {}
    for var in fn.environment:
        environment[var.name] = var.literal if var.literal is not None else ""
        if var.literal is None and var.name not in env:
            notes.append(f"{var.name} is set from another resource in the template: empty here (--env "
                         f"{var.name}=... gives it a value)")
    environment.update(env)
    timeout = fn.timeout.value if isinstance(fn.timeout.value, int) else 3
    if isinstance(fn.timeout.value, Unknown):
        notes.append("the timeout is not known from the template: Lambda's default of 3 s is used")
    return FunctionSpec(
        name=fn.name or fn.id, handler=fn.handler, code_dir=str(Path(fn.code_uri).resolve()),
        memory_mb=known_int(fn.memory) or 128, timeout_s=float(timeout),
        ephemeral_mb=known_int(fn.ephemeral_storage) or 512, runtime=fn.runtime, environment=environment,
    ), notes
