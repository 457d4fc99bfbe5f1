"""Evaluating a Terraform module: variables (defaults, tfvars, --var), locals, ``count``/``for_each``
instances, ``dynamic`` blocks, data sources we can know (IAM policy documents), and local child modules, each
within the budgets below.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambdoctor.loaders.decode import FileNode
from lambdoctor.loaders.hcl import (
    Attr,
    Block,
    Body,
    CodePath,
    Evaluator,
    Obj,
    Ref,
    apply_steps,
)
from lambdoctor.loaders.terraform.translate import cfn, policy_value
from lambdoctor.model import UNKNOWN, Unknown

if TYPE_CHECKING:
    from lambdoctor.loaders.terraform.modules import Loader


MAX_INSTANCES = 256  # count/for_each beyond this are modelled by their first instances only


_MAX_MODULE_DEPTH = 8


# Module calls modelled per run: a module that calls itself several ways fans out exponentially (6 ways, 8 deep:
# 1.7 million instances). Past this budget the rest is not modelled, and that is said (SYS000 at the call).
MAX_MODULE_CALLS = 1000


# Attributes that identify a resource (known after apply): kept as references so rules can follow them.
_IDENTITY = frozenset({"arn", "id", "name", "function_name", "invoke_arn", "qualified_arn", "qualified_invoke_arn",
                       "stream_arn", "url", "bucket", "unique_id", "execution_arn", "api_endpoint", "version",
                       "function_url", "topic_arn", "queue_url", "table_name"})


@dataclass
class Module:
    dir: str
    prefix: str  # "" for the root, "module.orders." for a child
    root: str  # the root module's folder: file() paths are relative to it
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attr] = field(default_factory=dict)
    resources: dict[str, Block] = field(default_factory=dict)
    data: dict[str, Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Attr] = field(default_factory=dict)
    tfvars: dict[str, Any] = field(default_factory=dict)
    files: int = 0


class ModuleEval:
    """Evaluates one module instance: its variables, locals, resource instances and child modules."""

    def __init__(self, loader: Loader, mod: Module, inputs: dict[str, Any] | None, depth: int) -> None:
        self.loader = loader
        self.mod = mod
        self.inputs = inputs
        self.depth = depth
        self.ev = Evaluator(self.resolve, mod.root)
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._active: list[str] = []
        self._instances: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._children: dict[str, ModuleEval | None] = {}
        self._attr_memo: dict[tuple[str, str], Any] = {}

    # -- references ---------------------------------------------------------------------------------------------
    def resolve(self, root: str, steps: list[tuple[str, Any]], env: dict[str, Any]) -> Any:
        if root == "var":
            return apply_steps(self.var(str(steps[0][1])), steps[1:]) if steps else UNKNOWN
        if root == "local":
            return apply_steps(self.local(str(steps[0][1])), steps[1:]) if steps else UNKNOWN
        if root == "path":
            return "." if not self.mod.prefix else os.path.relpath(self.mod.dir, self.mod.root)
        if root == "terraform":
            return "default"
        if root in ("each", "count", "self"):
            return UNKNOWN  # outside of the block that defines them
        if root == "data":
            return self._data(steps)
        if root == "module":
            return self._module_output(steps)
        if steps and steps[0][0] == "attr":
            key = f"{root}.{steps[0][1]}"
            if key in self.mod.resources:
                return self._resource_ref(key, steps[1:])
        return UNKNOWN

    def var(self, name: str) -> Any:
        if name in self._vars:
            return self._vars[name]
        value: Any = UNKNOWN
        block = self.mod.variables.get(name)
        if self.inputs is not None and name in self.inputs:
            value = self.inputs[name]
        elif self.inputs is None and name in self.loader.overrides:
            value = _typed(self.loader.overrides[name])
        elif self.inputs is None and name in self.mod.tfvars:
            value = self.mod.tfvars[name]
        elif block is not None and "default" in block.body.attrs:
            value = self.ev.ev(block.body.attrs["default"].expr, {})
        self._vars[name] = value
        return value

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        attr = self.mod.locals.get(name)
        if attr is None:
            return UNKNOWN
        key = f"local.{name}"
        if key in self._active:
            chain = [*self._active[self._active.index(key):], key]
            self.loader.problem(attr.file, attr.line, attr.column, "cycle of locals: " + " → ".join(chain))
            return UNKNOWN
        self._active.append(key)
        try:
            value = self.ev.ev(attr.expr, {})
        finally:
            self._active.pop()
        self._locals[name] = value
        return value

    def instances(self, key: str, block: Block) -> list[tuple[str, dict[str, Any]]]:
        """(address, env) of every instance of a resource/data/module block: count and for_each expanded."""
        if key in self._instances:
            return self._instances[key]
        self._instances[key] = []  # a block whose count refers to itself has no instance
        base = self.mod.prefix + key
        attrs = block.body.attrs
        out: list[tuple[str, dict[str, Any]]] = []
        if "count" in attrs:
            n = self.ev.ev(attrs["count"].expr, {})
            if isinstance(n, bool):
                n = int(n)
            if isinstance(n, int):
                out = [(f"{base}[{i}]", {"count": {"index": i}}) for i in range(max(0, min(n, MAX_INSTANCES)))]
            else:  # unknown count: modelled as present once
                out = [(f"{base}[0]", {"count": {"index": 0}})]
        elif "for_each" in attrs:
            coll = self.ev.ev(attrs["for_each"].expr, {})
            if isinstance(coll, list):
                coll = {str(v): v for v in coll if isinstance(v, (str, int))}
            if isinstance(coll, dict):
                out = [(f'{base}["{k}"]', {"each": {"key": k, "value": v}}) for k, v in list(coll.items())
                       [:MAX_INSTANCES]]
            else:
                out = [(f'{base}["?"]', {"each": {"key": UNKNOWN, "value": UNKNOWN}})]
        else:
            out = [(base, {})]
        self._instances[key] = out
        return out

    def _resource_ref(self, key: str, steps: list[tuple[str, Any]]) -> Any:
        block = self.mod.resources[key]
        insts = self.instances(key, block)
        multi = "count" in block.body.attrs or "for_each" in block.body.attrs
        if multi and steps and steps[0][0] == "splat":
            return [self._instance_attr(key, block, addr, env, steps[1:]) for addr, env in insts]
        if multi and steps and steps[0][0] == "index":
            idx = steps[0][1]
            wanted = f"{self.mod.prefix}{key}[{idx}]" if isinstance(idx, int) else f'{self.mod.prefix}{key}["{idx}"]'
            for addr, env in insts:
                if addr == wanted:
                    return self._instance_attr(key, block, addr, env, steps[1:])
            if insts and isinstance(idx, Unknown):
                addr, env = insts[0]
                return self._instance_attr(key, block, addr, env, steps[1:])
            return UNKNOWN
        if multi and not steps:
            objs = [self._instance_attr(key, block, addr, env, []) for addr, env in insts]
            if "for_each" in block.body.attrs:  # a map of instances, by their for_each key
                return {str(env["each"]["key"]): obj for (addr, env), obj in zip(insts, objs, strict=True)}
            return objs
        if not insts:
            return UNKNOWN
        addr, env = insts[0]
        return self._instance_attr(key, block, addr, env, steps)

    def _instance_attr(self, key: str, block: Block, addr: str, env: dict[str, Any],
                       steps: list[tuple[str, Any]]) -> Any:
        if not steps or steps[0][0] != "attr":
            return Obj(addr, lambda attr: self._instance_attr(key, block, addr, env, [("attr", attr)]))
        attr = str(steps[0][1])
        if attr in _IDENTITY:
            return apply_steps(Ref(addr, attr), steps[1:]) if len(steps) > 1 else Ref(addr, attr)
        memo_key = (addr, attr)
        if memo_key not in self._attr_memo:
            self._attr_memo[memo_key] = UNKNOWN
            a = block.body.attrs.get(attr)
            self._attr_memo[memo_key] = self.ev.ev(a.expr, env) if a else UNKNOWN
        return apply_steps(self._attr_memo[memo_key], steps[1:])

    def _data(self, steps: list[tuple[str, Any]]) -> Any:
        if len(steps) < 2:
            return UNKNOWN
        key = f"{steps[0][1]}.{steps[1][1]}"
        block = self.mod.data.get(key)
        if block is None:
            return UNKNOWN
        rest = steps[2:]
        env: dict[str, Any] = {}
        insts = self.instances("data." + key, block)
        if rest and rest[0][0] == "index":
            for addr, e in insts:
                if addr.endswith(f"[{rest[0][1]}]") or addr.endswith(f'["{rest[0][1]}"]'):
                    env = e
            rest = rest[1:]
        elif insts:
            env = insts[0][1]
        dtype = str(steps[0][1])
        if not rest or rest[0][0] != "attr":
            return UNKNOWN
        attr = str(rest[0][1])
        if dtype == "aws_iam_policy_document" and attr in ("json", "minified_json"):
            return self.policy_document(block.body, env)
        if dtype == "archive_file" and attr == "output_path":
            for k in ("source_dir", "source_file"):
                if k in block.body.attrs:
                    src = self.ev.ev(block.body.attrs[k].expr, env)
                    if isinstance(src, str):
                        return CodePath(os.path.normpath(src))  # relative to the root module, like filename
            return UNKNOWN
        if dtype == "aws_partition" and attr == "partition":
            return "aws"
        return UNKNOWN

    def policy_document(self, body: Body, env: dict[str, Any]) -> Any:
        """``data "aws_iam_policy_document"`` → the JSON document it renders, as a mapping."""
        statements: list[Any] = []
        for k in ("source_policy_documents", "source_json"):
            if k in body.attrs:
                src = self.ev.ev(body.attrs[k].expr, env)
                for doc in src if isinstance(src, list) else [src]:
                    doc = policy_value(doc)
                    if isinstance(doc, dict) and isinstance(doc.get("Statement"), list):
                        statements.extend(doc["Statement"])
                    else:
                        statements.append({"Effect": "Allow", "Action": "*", "Resource": "*",
                                           "LambdoctorUnresolved": True})
        for st in self.blocks(body, "statement", env):
            vals = self.values(st[0], st[1])
            node = FileNode(vals.file, vals.line, vals.column)
            node["Effect"] = vals.get("effect", "Allow")
            for cfn_key, tf_key in (("Action", "actions"), ("NotAction", "not_actions"),
                                    ("Resource", "resources"), ("NotResource", "not_resources"), ("Sid", "sid")):
                if tf_key in vals:
                    node[cfn_key] = cfn(vals[tf_key])
                    node.key_pos[cfn_key] = vals.key_pos[tf_key]
            if "condition" in vals:
                node["Condition"] = {"lambdoctor": "conditions are not evaluated"}
            if "Resource" not in node and "NotResource" not in node:
                node["Resource"] = "*"
            statements.append(node)
        return {"Version": "2012-10-17", "Statement": statements}

    def _module_output(self, steps: list[tuple[str, Any]]) -> Any:
        if len(steps) < 2 or steps[0][0] != "attr":
            return UNKNOWN
        name = str(steps[0][1])
        child = self.child(name)
        if child is None:
            return UNKNOWN
        rest = steps[1:]
        if rest and rest[0][0] == "index":
            rest = rest[1:]  # count on a module call: the first instance
        if not rest or rest[0][0] != "attr":
            return UNKNOWN
        out = child.mod.outputs.get(str(rest[0][1]))
        if out is None:
            return UNKNOWN
        return apply_steps(child.ev.ev(out.expr, {}), rest[1:])

    def child(self, name: str) -> ModuleEval | None:
        if name in self._children:
            return self._children[name]
        self._children[name] = None
        block = self.mod.modules.get(name)
        if block is None or self.depth >= _MAX_MODULE_DEPTH:
            return None
        self.loader.module_calls += 1
        if self.loader.module_calls > MAX_MODULE_CALLS:
            if self.loader.module_calls == MAX_MODULE_CALLS + 1:
                self.loader.problem(block.body.file, block.line, block.column,
                                    f"more than {MAX_MODULE_CALLS:,} module calls to model (a module that calls "
                                    "itself, or a deep fan-out): the rest is not modelled")
            return None
        insts = self.instances("module." + name, block)
        if not insts:
            return None
        addr, env = insts[0]
        source = self.ev.ev(block.body.attrs["source"].expr, {}) if "source" in block.body.attrs else None
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            return None  # a registry or git module: not on disk
        path = os.path.normpath(os.path.join(self.mod.dir, source))
        mod = self.loader.read_module(path, f"{addr}.", self.mod.root)
        if mod is None:
            self.loader.problem(block.body.file, block.line, block.column,
                                f"module {name}: source {source!r} is not a folder with .tf files")
            return None
        inputs = {k: self.ev.ev(a.expr, env) for k, a in block.body.attrs.items()
                  if k not in ("source", "version", "count", "for_each", "providers", "depends_on")}
        child = ModuleEval(self.loader, mod, inputs, self.depth + 1)
        self._children[name] = child
        return child

    # -- bodies ----------------------------------------------------------------------------------------------
    def blocks(self, body: Body, btype: str, env: dict[str, Any]) -> list[tuple[Body, dict[str, Any]]]:
        """The nested blocks of a type, ``dynamic`` ones expanded where their for_each is known."""
        out: list[tuple[Body, dict[str, Any]]] = []
        for b in body.blocks:
            if b.type == btype:
                out.append((b.body, env))
            elif b.type == "dynamic" and b.labels and b.labels[0] == btype:
                content = next((c for c in b.body.blocks if c.type == "content"), None)
                if content is None or "for_each" not in b.body.attrs:
                    continue
                coll = self.ev.ev(b.body.attrs["for_each"].expr, env)
                it = _plain_name(b.body.attrs["iterator"].expr) if "iterator" in b.body.attrs else None
                it = it or btype
                if isinstance(coll, list):
                    items = list(enumerate(coll))
                elif isinstance(coll, dict):
                    items = list(coll.items())
                else:
                    out.append((content.body, {**env, it: {"key": UNKNOWN, "value": UNKNOWN}}))
                    continue
                for k, v in items[:MAX_INSTANCES]:
                    out.append((content.body, {**env, it: {"key": k, "value": v}}))
        return out

    def values(self, body: Body, env: dict[str, Any]) -> FileNode:
        """A block's attributes evaluated, and its nested blocks as lists of the same (positions kept)."""
        node = FileNode(body.file, body.line, body.column)
        for name, attr in body.attrs.items():
            node[name] = self.ev.ev(attr.expr, env)
            node.key_pos[name] = (attr.line, attr.column)
        types = {b.type if b.type != "dynamic" else (b.labels[0] if b.labels else "") for b in body.blocks}
        for btype in sorted(t for t in types if t and t not in ("lifecycle", "timeouts", "provisioner")):
            found = self.blocks(body, btype, env)
            if found:
                node[btype] = [self.values(b, e) for b, e in found]
                node.key_pos[btype] = (found[0][0].line, found[0][0].column)
        return node


def _plain_name(tree: Any) -> str | None:
    from lark import Token, Tree

    while isinstance(tree, Tree):
        if tree.data == "identifier":
            return "".join(str(c) for c in tree.children if isinstance(c, Token))
        kids = [c for c in tree.children if isinstance(c, Tree)]
        if not kids:
            return None
        tree = kids[0]
    return None


def _typed(text: str) -> Any:
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    return text
