"""Static evaluation of CloudFormation intrinsic functions: what can be known without deploying.

The rule is simple: a value is resolved only when it is certain (a literal, a parameter's default, a mapping
lookup with literal keys); anything else is UNKNOWN. References to resources are not values but
:class:`Target` s, so a rule can follow a queue's ARN back to the queue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lambdoctor.model import UNKNOWN, SourceRef, Target, Unknown

# ${Name} in a Fn::Sub text (not ${!Name}, which is literal)
SUB_VAR = re.compile(r"\$\{(?!!)([^}]+)\}")
PSEUDO = frozenset(
    {
        "AWS::AccountId",
        "AWS::Region",
        "AWS::Partition",
        "AWS::StackName",
        "AWS::StackId",
        "AWS::URLSuffix",
        "AWS::NotificationARNs",
        "AWS::NoValue",
    }
)


class Resolver:
    """Evaluates intrinsics against one template's parameters, mappings and resources."""

    def __init__(
        self,
        parameters: Mapping[str, Any],
        mappings: Mapping[str, Any],
        resources: Mapping[str, Any],
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self.resources = resources
        self.mappings = mappings
        self.params: dict[str, Any] = {}
        for name, spec in parameters.items():
            if isinstance(spec, dict) and "Default" in spec:
                self.params[name] = spec["Default"]
            else:
                self.params[name] = UNKNOWN
        if overrides:
            self.params.update(overrides)

    # -- values ---------------------------------------------------------------------------------------------
    def value(self, node: Any) -> Any:
        """The literal value of ``node``, or UNKNOWN."""
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return node  # a plain mapping, not an intrinsic
        key, arg = next(iter(node.items()))
        if key == "Ref":
            if isinstance(arg, str) and arg in self.params:
                return self.params[arg]
            return UNKNOWN
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::Join":
            if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                sep = self.value(arg[0])
                parts = [self.value(p) for p in arg[1]]
                if isinstance(sep, str) and all(isinstance(p, (str, int, float)) for p in parts):
                    return sep.join(str(p) for p in parts)
            return UNKNOWN
        if key == "Fn::FindInMap":
            if isinstance(arg, list) and len(arg) >= 3:
                keys = [self.value(a) for a in arg[:3]]
                if all(isinstance(k, str) for k in keys):
                    table = self.mappings.get(keys[0])
                    if isinstance(table, dict):
                        row = table.get(keys[1])
                        if isinstance(row, dict) and keys[2] in row:
                            return self.value(row[keys[2]])
            return UNKNOWN
        if key == "Fn::If":
            if isinstance(arg, list) and len(arg) == 3:
                a, b = self.value(arg[1]), self.value(arg[2])
                if not isinstance(a, Unknown) and a == b:
                    return a
            return UNKNOWN
        if key == "Fn::Select":
            if isinstance(arg, list) and len(arg) == 2:
                idx, seq = self.value(arg[0]), self.value(arg[1])
                if isinstance(seq, list):
                    try:
                        return self.value(seq[int(idx)])
                    except (ValueError, TypeError, IndexError):
                        return UNKNOWN
            return UNKNOWN
        if key.startswith("Fn::") or key == "Condition":
            return UNKNOWN
        return node

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, local = arg[0], {k: self.value(v) for k, v in arg[1].items()}
        else:
            text, local = arg, {}
        if not isinstance(text, str):
            return UNKNOWN
        unknown = False

        def repl(m: re.Match[str]) -> str:
            nonlocal unknown
            name = m.group(1).strip()
            v = local[name] if name in local else self.params.get(name, UNKNOWN)
            if isinstance(v, (str, int, float)) and not isinstance(v, bool):
                return str(v)
            unknown = True
            return ""

        out = SUB_VAR.sub(repl, text)
        return UNKNOWN if unknown else out.replace("${!", "${")

    def symbolic(self, node: Any) -> str | None:
        """The text of ``node`` with what is known only at deploy time kept as ``${Name}`` (a pseudo parameter, a
        parameter without a default): ``!Sub "${AWS::StackName}-photos"`` is ``"${AWS::StackName}-photos"``.
        Two values with the same symbolic text are the same at deploy time. None where a resource's attribute or
        anything else unknown takes part."""
        if isinstance(node, str):
            return node
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            return str(node)
        if not isinstance(node, dict) or len(node) != 1:
            return None
        key, arg = next(iter(node.items()))
        if key == "Ref" and isinstance(arg, str):
            return self._symbol(arg)
        if key == "Fn::Sub":
            text, local = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
            if not isinstance(text, str) or not isinstance(local, dict):
                return None
            failed = False

            def repl(m: re.Match[str]) -> str:
                nonlocal failed
                name = m.group(1).strip()
                got = self.symbolic(local[name]) if name in local else self._symbol(name)
                if got is None:
                    failed = True
                    return ""
                return got

            out = SUB_VAR.sub(repl, text)
            return None if failed else out.replace("${!", "${")
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            sep, parts = self.symbolic(arg[0]), [self.symbolic(p) for p in arg[1]]
            if sep is None or any(p is None for p in parts):
                return None
            return sep.join(p for p in parts if p is not None)
        value = self.value(node)
        return value if isinstance(value, str) else None

    def _symbol(self, name: str) -> str | None:
        if name in self.params:
            value = self.params[name]
            return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else (
                "${" + name + "}")
        return "${" + name + "}" if name in PSEUDO else None

    def str_value(self, node: Any) -> str | Unknown | None:
        if node is None:
            return None
        v = self.value(node)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (str, int, float)):
            return str(v)
        return UNKNOWN

    def int_value(self, node: Any) -> int | Unknown:
        v = self.value(node)
        if isinstance(v, bool):
            return UNKNOWN
        if isinstance(v, int):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str):
            try:
                return int(v.strip())
            except ValueError:
                return UNKNOWN
        return UNKNOWN

    def bool_value(self, node: Any, default: bool = False) -> bool:
        v = self.value(node)
        if isinstance(v, bool):
            return v
        if isinstance(v, str):
            return v.strip().lower() == "true"
        return default

    # -- references -----------------------------------------------------------------------------------------
    def refs_in(self, node: Any) -> set[str]:
        """Logical IDs of resources that ``node`` refers to, anywhere inside it."""
        found: set[str] = set()
        stack = [node]
        while stack:
            cur = stack.pop()
            if isinstance(cur, dict):
                for key, arg in cur.items():
                    if key == "Ref" and isinstance(arg, str) and arg in self.resources:
                        found.add(arg)
                    elif key == "Fn::GetAtt":
                        name = arg[0] if isinstance(arg, list) and arg else arg
                        if isinstance(name, str):
                            # "Res.Attr" is the short form; a Terraform address ("aws_sqs_queue.q") has dots itself
                            name = name if name in self.resources else name.split(".", 1)[0]
                            if name in self.resources:
                                found.add(name)
                    elif key == "Fn::Sub":
                        text = arg[0] if isinstance(arg, list) and arg else arg
                        if isinstance(text, str):
                            for m in SUB_VAR.finditer(text):
                                name = m.group(1).split(".", 1)[0].strip()
                                if name in self.resources:
                                    found.add(name)
                        if isinstance(arg, list):
                            stack.extend(arg[1:])
                        continue
                    stack.append(arg)
            elif isinstance(cur, list):
                stack.extend(cur)
        return found

    def target(self, node: Any) -> Target | None:
        """What ``node`` points at: one resource of the template, a literal ARN/name, or unresolved."""
        if node is None:
            return None
        if isinstance(node, str):
            return Target(ref=node if node in self.resources else None, arn=None if node in self.resources else node)
        refs = self.refs_in(node)
        if len(refs) == 1:
            return Target(ref=next(iter(refs)))
        literal = self.value(node)
        if isinstance(literal, str):
            return Target(arn=literal)
        return Target(unresolved=True)


def ref_at(file: str, pos: tuple[int, int] | None) -> SourceRef:
    if pos is None:
        return SourceRef(file)
    return SourceRef(file, pos[0], pos[1])


def file_of(node: Any, default: str) -> str:
    """The file ``node`` was read from: its own when a multi-file loader recorded one, else ``default``."""
    file = getattr(node, "file", None)
    return file if isinstance(file, str) else default


def pos(node: Any, key: str | None = None) -> tuple[int, int] | None:
    """Position of ``node`` (or of its ``key``), when the decoder recorded one."""
    line = getattr(node, "line", None)
    if line is None:
        return None
    if key is not None:
        result: tuple[int, int] = node.pos_of(key)
        return result
    return (line, node.column)
