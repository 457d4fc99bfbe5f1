"""IAM policy documents, SAM policy templates and managed policies → :class:`Statement` s."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from lambdoctor.loaders.intrinsics import Resolver, file_of, pos, ref_at
from lambdoctor.model import SourceRef, Statement, Unknown


@cache
def sam_policy_templates() -> dict[str, Any]:
    text = resources.files("lambdoctor.data").joinpath("sam_policy_templates.json").read_text("utf-8")
    templates: dict[str, Any] = json.loads(text)["Templates"]
    return templates


def _strings(resolver: Resolver, node: Any) -> tuple[tuple[str, ...], bool]:
    """A list-or-scalar of strings; the flag says some element could not be resolved."""
    items = node if isinstance(node, list) else [node]
    out: list[str] = []
    unresolved = False
    for item in items:
        v = resolver.value(item)
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, (Unknown, dict)):
            unresolved = True
    return tuple(out), unresolved


def statements_from_document(
    resolver: Resolver, document: Any, file: str, origin: str, at: SourceRef | None = None
) -> list[Statement]:
    """Every statement of a policy document (unresolvable parts flagged, never guessed)."""
    doc = resolver.value(document)
    if not isinstance(doc, dict):
        return []
    raw = doc.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    result: list[Statement] = []
    for st in items:
        if not isinstance(st, dict):
            continue
        effect = resolver.value(st.get("Effect"))
        actions, un_a = _strings(resolver, st.get("Action", []))
        not_actions, un_na = _strings(resolver, st.get("NotAction", []))
        res_node = st.get("Resource", [])
        resources_, un_r = _strings(resolver, res_node)
        not_resources, un_nr = _strings(resolver, st.get("NotResource", []))
        refs = frozenset(resolver.refs_in(res_node))
        symbolic = tuple(s for item in (res_node if isinstance(res_node, list) else [res_node])
                         if not isinstance(resolver.value(item), str) and (s := resolver.symbolic(item)) is not None)
        result.append(
            Statement(
                effect="Deny" if effect == "Deny" else "Allow",
                actions=actions,
                resources=resources_,
                resource_refs=refs,
                ref=at or ref_at(file_of(st, file), pos(st)),
                not_actions=not_actions,
                not_resources=not_resources,
                unresolved=(un_a or un_na or un_nr or (un_r and not refs)),
                origin=origin,
                symbolic_resources=symbolic,
            )
        )
    return result


def _substitute(node: Any, params: dict[str, Any]) -> Any:
    """Replace a SAM policy template's ``{"Ref": "Param"}`` with what the user passed for it."""
    if isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and node["Ref"] in params:
            return params[node["Ref"]]
        return {k: _substitute(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, params) for v in node]
    return node


def expand_sam_policies(resolver: Resolver, policies: Any, file: str) -> tuple[list[Statement], list[str]]:
    """SAM ``Policies``: managed policy names/ARNs, policy templates and inline documents."""
    items = policies if isinstance(policies, list) else [policies] if policies is not None else []
    statements: list[Statement] = []
    managed: list[str] = []
    templates = sam_policy_templates()
    for item in items:
        at = ref_at(file_of(item, file), pos(item))
        if isinstance(item, str):
            managed.append(item)
            continue
        if not isinstance(item, dict):
            continue
        if "Statement" in item:
            statements.extend(statements_from_document(resolver, item, file, "inline"))
            continue
        if len(item) == 1:
            name, args = next(iter(item.items()))
            if name in templates:
                params = args if isinstance(args, dict) else {}
                doc = {"Statement": _substitute(templates[name]["Statement"], dict(params))}
                statements.extend(statements_from_document(resolver, doc, file, name, at=at))
                continue
        v = resolver.value(item)
        if isinstance(v, str):
            managed.append(v)
        elif "Ref" in item or "Fn::GetAtt" in item or "Fn::ImportValue" in item or "Fn::Sub" in item:
            managed.append("unresolved managed policy")
    return statements, managed
