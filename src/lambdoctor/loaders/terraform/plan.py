"""A Terraform plan (``terraform show -json``): its planned values are what Terraform computed, and the
references of its configuration link what is only known after apply.
"""

from __future__ import annotations

import re
from typing import Any

from lambdoctor.loaders.decode import FileNode
from lambdoctor.loaders.hcl import (
    Ref,
)
from lambdoctor.loaders.terraform.translate import Translator, build_application
from lambdoctor.model import UNKNOWN, Application
from lambdoctor.problems import Problem


def load_plan(file: str, doc: Any, data: bytes, overrides: dict[str, str]) -> tuple[list[Application],
                                                                                    list[Problem]]:
    """``terraform show -json plan`` output: planned values, with configuration references for what is unknown."""
    planned = doc.get("planned_values") if isinstance(doc, dict) else None
    root = planned.get("root_module") if isinstance(planned, dict) else None
    if not isinstance(root, dict):
        return [], [Problem(file, 1, 1, "not a Terraform plan: no planned_values.root_module")]
    text = data.decode("utf-8", "replace")
    refs = _plan_references(doc.get("configuration"))
    tr = Translator()
    stack = [root]
    while stack:
        module = stack.pop()
        for child in module.get("child_modules") or []:
            if isinstance(child, dict):
                stack.append(child)
        for res in module.get("resources") or []:
            if not isinstance(res, dict) or res.get("mode") == "data":
                continue
            address, rtype = str(res.get("address")), str(res.get("type"))
            line = _line_of(text, f'"address": "{address}"') or _line_of(text, f'"address":"{address}"') or 1
            values = _plan_values(res.get("values"), file, line, refs.get(_config_address(address), {}))
            tr.translate(rtype, address, values)
    return [build_application(file, "terraform-plan", tr)], []


def _line_of(text: str, needle: str) -> int | None:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else None


def _config_address(address: str) -> str:
    """``module.a[0].aws_x.y["k"]`` → ``module.a.aws_x.y``: configuration is per block, not per instance."""
    return re.sub(r"\[[^\]]*\]", "", address)


def _plan_references(config: Any) -> dict[str, dict[str, str]]:
    """Configuration address → attribute → the resource address it refers to (``aws_sqs_queue.q.arn``)."""
    out: dict[str, dict[str, str]] = {}
    stack: list[tuple[Any, str]] = [(config.get("root_module") if isinstance(config, dict) else None, "")]
    while stack:
        module, prefix = stack.pop()
        if not isinstance(module, dict):
            continue
        for res in module.get("resources") or []:
            if not isinstance(res, dict):
                continue
            attrs: dict[str, str] = {}
            for k, e in (res.get("expressions") or {}).items():
                if isinstance(e, dict) and isinstance(e.get("references"), list) and e["references"]:
                    attrs[k] = str(e["references"][0])
            out[prefix + str(res.get("address"))] = attrs
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                stack.append((call.get("module"), f"{prefix}module.{name}."))
    return out


def _plan_values(values: Any, file: str, line: int, refs: dict[str, str]) -> FileNode:
    node = FileNode(file, line, 1)
    if not isinstance(values, dict):
        return node
    for k, v in values.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v) and k not in (
                "inline_policy",) and k != "variables":
            node[k] = [_plan_values(x, file, line, {}) for x in v]
        else:
            node[k] = v
        node.key_pos[k] = (line, 1)
        if (v is None or v == "") and k in refs:
            node[k] = _ref_from(refs[k])
    for k, r in refs.items():
        if k not in node:
            node[k] = _ref_from(r)
            node.key_pos[k] = (line, 1)
    return node


def _ref_from(reference: str) -> Any:
    """``aws_sqs_queue.q.arn`` → Ref(aws_sqs_queue.q, arn); anything else (var.x) is unknown."""
    parts = reference.split(".")
    if parts[0] == "module" and len(parts) >= 4:
        return Ref(".".join(parts[:4]), parts[4]) if len(parts) > 4 else Ref(".".join(parts[:4]), "id")
    if len(parts) >= 3 and parts[0].startswith("aws_"):
        return Ref(f"{parts[0]}.{parts[1]}", parts[2])
    if len(parts) == 2 and parts[0].startswith("aws_"):
        return Ref(reference, "id")
    return UNKNOWN
