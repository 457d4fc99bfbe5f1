"""A function of a template (or serverless.yml, Terraform) → what the local runtime needs to run it.

The engine loads the template and finds the function (``engine.find_function``); the runtime never loads one."""

from __future__ import annotations

import os
from pathlib import Path

from lambdoctor.model import Application, Function, Unknown, known_int
from lambdoctor.runtime.cfn_values import LocalStack
from lambdoctor.runtime.environment import FunctionSpec


class FunctionNotFound(Exception):
    pass


def function_spec(fn: Function, app: Application, env: dict[str, str]) -> tuple[FunctionSpec, list[str]]:
    """What the local runtime needs to run ``fn`` of ``app`` (found by ``engine.find_function``), and notes on
    what the template leaves unknown. ``env`` overrides the template's environment."""
    notes: list[str] = []
    if not isinstance(fn.runtime, str) or not fn.runtime.startswith("python"):
        raise FunctionNotFound(f"{fn.id}: runtime {fn.runtime or 'container image'}: only Python handlers run "
                               "locally")
    if not isinstance(fn.handler, str):
        raise FunctionNotFound(f"{fn.id}: the handler is not known")
    if fn.code_uri is None or not os.path.isdir(fn.code_uri):
        raise FunctionNotFound(f"{fn.id}: its code folder {fn.code_uri or '(inline code)'} was not found")
    environment: dict[str, str] = {}
    deployed = LocalStack(app)
    for var in fn.environment:
        if var.name in env:
            continue  # --env gives it
        if var.dynamic_reference:
            environment[var.name] = f"<unknown: {var.dynamic_reference}>"
            notes.append(f"{var.name} is {var.dynamic_reference}, resolved by CloudFormation at deploy time: a "
                         f"placeholder here (--env {var.name}=... gives it a value)")
        elif var.literal is not None:
            environment[var.name] = var.literal
        elif var.expression is not None:
            before = len(deployed.notes)
            environment[var.name] = deployed.expression(var.expression)
            notes.extend(f"{var.name}: {note}" for note in deployed.notes[before:])
        else:
            environment[var.name] = ""
            notes.append(f"{var.name} has no value locally: empty here (--env {var.name}=... gives it one)")
    environment.update(env)
    layers = []
    for target in fn.layers:
        layer = app.resources.get(target.ref) if target.ref else None
        if layer is None or layer.content_path is None:
            notes.append(f"layer {target.display} is not a local folder of this template: not mounted (its "
                         "modules are missing here, unlike on Lambda)")
            continue
        # the folder Lambda's /opt/python would be: python/ inside the layer, or the folder itself when SAM
        # builds it (Metadata BuildMethod: pythonX.Y puts the folder's files and requirements there)
        folder = Path(layer.content_path)
        python = folder if layer.content_built else folder / "python"
        if not python.is_dir():
            notes.append(f"layer {target.display}: {python} is not a folder (a layer's Python code goes in "
                         "python/, or SAM builds it with Metadata BuildMethod): not mounted")
            continue
        if layer.content_built and (folder / "requirements.txt").is_file():
            notes.append(f"layer {target.display}: requirements.txt is not installed here (sam build does it)")
        layers.append(str(python.resolve()))
    timeout = fn.timeout.value if isinstance(fn.timeout.value, int) else 3
    if isinstance(fn.timeout.value, Unknown):
        notes.append("the timeout is not known from the template: Lambda's default of 3 s is used")
    return FunctionSpec(
        name=fn.name or fn.id, handler=fn.handler, code_dir=str(Path(fn.code_uri).resolve()),
        memory_mb=known_int(fn.memory) or 128, timeout_s=float(timeout),
        ephemeral_mb=known_int(fn.ephemeral_storage) or 512, runtime=fn.runtime, environment=environment,
        reserved_concurrency=known_int(fn.reserved_concurrency),
        provisioned_concurrency=known_int(fn.provisioned_concurrency) or 0,
        recursive_loop=fn.recursive_loop if isinstance(fn.recursive_loop, str) else "Terminate",
        layers=tuple(layers),
        tracing=fn.tracing if isinstance(fn.tracing, str) else "PassThrough",
        log_format=fn.log_format or "Text", log_level=fn.application_log_level,
    ), notes
