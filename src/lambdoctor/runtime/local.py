"""A function of a template (or serverless.yml, Terraform) → what the local runtime needs to run it.

The engine loads the template and finds the function (``engine.find_function``); the runtime never loads one."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from lambdoctor.model import Application, EventSource, Function, Queue, Unknown, known_int
from lambdoctor.runtime.cfn_values import LocalStack
from lambdoctor.runtime.environment import FunctionSpec


class FunctionNotFound(Exception):
    pass


# Lambda's quota: the function and all its layers unzipped, 250 MB (DG "Lambda quotas")
LAYER_UNZIPPED_LIMIT = 250 * 1024 * 1024


def unpacked_layer(archive: Path) -> Path:
    """A layer's zip unpacked into the user's cache, once per content (the folder is named after its digest)."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:24]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdoctor" / "layers"
    target = cache / digest
    if target.is_dir():
        return target
    with zipfile.ZipFile(archive) as zf:
        size = sum(info.file_size for info in zf.infolist())
        if size > LAYER_UNZIPPED_LIMIT:
            raise ValueError(f"{size / 1024 / 1024:.0f} MB unzipped, over Lambda's 250 MB")
        cache.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".layer-", dir=cache))
        try:
            for info in zf.infolist():
                # extract() drops absolute paths and '..' parts; the permission bits are the zip's, as
                # Lambda keeps them (an executable in bin/ stays executable)
                path = zf.extract(info, building)
                mode = info.external_attr >> 16
                if mode and not info.is_dir():
                    os.chmod(path, mode & 0o755)
            os.replace(building, target)
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
            if not target.is_dir():
                raise
    return target


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
    layers, roots = [], []
    for target in fn.layers:
        layer = app.resources.get(target.ref) if target.ref else None
        if layer is None or layer.content_path is None:
            notes.append(f"layer {target.display} is not a local folder of this template: not mounted (its "
                         "modules are missing here, unlike on Lambda)")
            continue
        # the folder Lambda's /opt/python would be: python/ inside the layer, or the folder itself when SAM
        # builds it (Metadata BuildMethod: pythonX.Y puts the folder's files and requirements there)
        folder = Path(layer.content_path)
        if folder.is_file():  # a zip (Terraform's filename): unpacked once, as Lambda extracts it into /opt
            try:
                folder = unpacked_layer(folder)
            except (OSError, ValueError, zipfile.BadZipFile) as exc:
                notes.append(f"layer {target.display}: {layer.content_path} could not be unpacked ({exc}): not "
                             "mounted")
                continue
        python = folder if layer.content_built else folder / "python"
        if not python.is_dir():
            notes.append(f"layer {target.display}: {python} is not a folder (a layer's Python code goes in "
                         "python/, or SAM builds it with Metadata BuildMethod): not mounted")
            continue
        if layer.content_built and (folder / "requirements.txt").is_file():
            notes.append(f"layer {target.display}: requirements.txt is not installed here (sam build does it)")
        layers.append(str(python.resolve()))
        roots.append(str(python.resolve() if layer.content_built else folder.resolve()))
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
        layers=tuple(layers), layer_roots=tuple(roots),
        tracing=fn.tracing if isinstance(fn.tracing, str) else "PassThrough",
        log_format=fn.log_format or "Text", log_level=fn.application_log_level,
    ), notes


def trigger_settings(fn: Function, app: Application, kind: str) -> tuple[dict[str, Any], list[str]]:
    """The ``simulate`` trigger settings the template gives for ``fn``'s trigger of ``kind`` (sqs, kinesis,
    dynamodb, async), as scenario fields: the event source mapping's batch size and window, response types,
    maximum concurrency, parallelization, retries, record age, bisect and on-failure destination; the queue's
    visibility timeout, redrive policy, retention and FIFO; a Kinesis stream's retention; the function's
    asynchronous retries, event age, destinations and dead-letter queue. A scenario overrides only what it names.
    Notes say what was taken and from where."""
    out: dict[str, Any] = {}
    unmodelled: list[str] = []
    if kind == "async":
        _async_settings(fn, out)
    elif kind in ("sqs", "kinesis", "dynamodb"):
        sources = [e for e in app.sources_of(fn.id) if e.kind == kind]
        if sources:
            _mapping_settings(sources[0], app, out)
            if sources[0].filter_criteria:
                unmodelled.append("FilterCriteria is not simulated: every record reaches the handler")
            if known_int(sources[0].tumbling_window):
                unmodelled.append("TumblingWindowInSeconds is not simulated: the handler gets no window state")
            if len(sources) > 1:
                unmodelled.append(f"{len(sources)} {kind} triggers: the first ({sources[0].id}) is simulated")
    notes = [f"trigger settings from the template: {', '.join(f'{k}={v}' for k, v in sorted(out.items()))}"] \
        if out else []
    return out, notes + [f"the template's {what}" for what in unmodelled]


def _async_settings(fn: Function, out: dict[str, Any]) -> None:
    config = fn.async_config
    if config is not None:
        if known_int(config.maximum_retry_attempts) is not None:
            out["maximum_retry_attempts"] = known_int(config.maximum_retry_attempts)
        if known_int(config.maximum_event_age) is not None:
            out["maximum_event_age"] = float(known_int(config.maximum_event_age) or 0)
        if config.on_failure is not None:
            out["on_failure"] = True
        if config.on_success is not None:
            out["on_success"] = True
    if fn.dead_letter is not None:
        out["dead_letter"] = True


def _mapping_settings(source: EventSource, app: Application, out: dict[str, Any]) -> None:
    kind = source.kind
    if known_int(source.batch_size) is not None:
        out["batch_size"] = known_int(source.batch_size)
    if source.report_batch_item_failures:
        out["report_batch_item_failures"] = True
    if known_int(source.batching_window):
        out["batching_window"] = float(known_int(source.batching_window) or 0)
    ref = source.source.ref if source.source else None
    if kind == "sqs":
        if known_int(source.maximum_concurrency):
            out["maximum_concurrency"] = known_int(source.maximum_concurrency)
        queue = app.queues.get(ref) if ref else None
        if queue is not None:
            _queue_settings(queue, out)
        return
    factor = known_int(source.parallelization_factor)
    if factor is not None and factor > 1:
        out["parallelization_factor"] = factor
    stream = app.resources.get(ref) if ref else None
    if kind == "kinesis" and stream is not None and stream.retention_hours is not None:
        out["stream_retention"] = float(stream.retention_hours * 3600)
    if known_int(source.maximum_retry_attempts) is not None:
        out["maximum_retry_attempts"] = known_int(source.maximum_retry_attempts)
    if known_int(source.maximum_record_age) is not None:
        out["maximum_record_age"] = float(known_int(source.maximum_record_age) or 0)
    if source.bisect_on_error:
        out["bisect_on_error"] = True
    if source.on_failure is not None:
        out["on_failure"] = True


def _queue_settings(queue: Queue, out: dict[str, Any]) -> None:
    if queue.fifo:
        out["fifo"] = True
    out["queue"] = queue.name or queue.id
    if known_int(queue.visibility_timeout) is not None:
        out["visibility_timeout"] = float(known_int(queue.visibility_timeout) or 0)
    if queue.dead_letter is not None and known_int(queue.max_receive_count) is not None:
        out["max_receive_count"] = known_int(queue.max_receive_count)
    if known_int(queue.retention_period) is not None:
        out["retention"] = float(known_int(queue.retention_period) or 0)
