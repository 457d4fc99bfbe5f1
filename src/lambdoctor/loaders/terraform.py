"""Terraform → the CloudFormation-shaped resources the rules already read → the model.

A module folder of ``.tf`` files is read with python-hcl2's grammar (no Terraform binary, no provider, no
network); variables take their defaults, ``terraform.tfvars``/``*.auto.tfvars`` and ``--var``; locals, ``count``,
``for_each``, ``dynamic`` blocks and local child modules (``source = "../x"``) are evaluated where their inputs are
known. A plan (``terraform show -json``) is read too: its values are what Terraform computed, and the references
of its configuration link what is only known after apply.

Each Terraform resource becomes the CloudFormation resource with the same meaning (``aws_lambda_function`` →
``AWS::Lambda::Function``, ``aws_sqs_queue`` → ``AWS::SQS::Queue`` ...), under its Terraform address
(``aws_lambda_function.api``, ``module.orders.aws_lambda_function.this[0]``), and positioned at the lines of the
``.tf`` file it came from. Relations Terraform expresses with separate resources (policy attachments, bucket
notifications, event targets, redrive policies) are folded into the resource they configure.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambdoctor.loaders.builder import ApplicationBuilder
from lambdoctor.loaders.decode import FileNode, read_regular
from lambdoctor.loaders.hcl import (
    MAX_TF_BYTES,
    Attr,
    Block,
    Body,
    CodePath,
    Evaluator,
    HclError,
    Obj,
    Ref,
    Tmpl,
    apply_steps,
    parse_hcl,
)
from lambdoctor.loaders.serverless_vars import UNRESOLVED_PARAM
from lambdoctor.model import UNKNOWN, Application, Unknown

Problem = tuple[str, int, int, str]
MAX_INSTANCES = 256  # count/for_each beyond this are modelled by their first instances only
_MAX_MODULE_DEPTH = 8
# Module calls modelled per run: a module that calls itself several ways fans out exponentially (6 ways, 8 deep:
# 1.7 million instances). Past this budget the rest is not modelled, and that is said (SYS000 at the call).
MAX_MODULE_CALLS = 1000

# Attributes that identify a resource (known after apply): kept as references so rules can follow them.
_IDENTITY = frozenset({"arn", "id", "name", "function_name", "invoke_arn", "qualified_arn", "qualified_invoke_arn",
                       "stream_arn", "url", "bucket", "unique_id", "execution_arn", "api_endpoint", "version",
                       "function_url", "topic_arn", "queue_url", "table_name"})
_GETATT = {"arn": "Arn", "stream_arn": "StreamArn", "invoke_arn": "Arn", "qualified_arn": "Arn",
           "qualified_invoke_arn": "Arn", "execution_arn": "Arn", "function_url": "FunctionUrl"}


@dataclass
class _Module:
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


class _ModuleEval:
    """Evaluates one module instance: its variables, locals, resource instances and child modules."""

    def __init__(self, loader: _Loader, mod: _Module, inputs: dict[str, Any] | None, depth: int) -> None:
        self.loader = loader
        self.mod = mod
        self.inputs = inputs
        self.depth = depth
        self.ev = Evaluator(self.resolve, mod.root)
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._active: list[str] = []
        self._instances: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._children: dict[str, _ModuleEval | None] = {}
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

    def child(self, name: str) -> _ModuleEval | None:
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
        child = _ModuleEval(self.loader, mod, inputs, self.depth + 1)
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


# -- values → CloudFormation ---------------------------------------------------------------------------------------
def cfn(value: Any) -> Any:
    """A Terraform value as the CloudFormation structure the builder reads."""
    if isinstance(value, Obj):
        value = Ref(value.address, "id")
    if isinstance(value, Ref):
        if value.attr in _GETATT:
            return {"Fn::GetAtt": [value.address, _GETATT[value.attr]]}
        return {"Ref": value.address}
    if isinstance(value, Tmpl):
        return {"Fn::Join": ["", [cfn(p) for p in value.parts]]}
    if isinstance(value, CodePath):
        return value.path
    if isinstance(value, Unknown):
        return {"Ref": UNRESOLVED_PARAM}
    if isinstance(value, FileNode):
        out = FileNode(value.file, value.line, value.column)
        for k, v in value.items():
            out[k] = cfn(v)
        out.key_pos = dict(value.key_pos)
        return out
    if isinstance(value, dict):
        return {k: cfn(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cfn(v) for v in value]
    return value


_TOKEN = "\x00lambdoctor{}\x00"


def policy_value(value: Any) -> Any:
    """A policy as a mapping: ``jsonencode({...})`` is one already; JSON text (heredoc, ``file()``) is parsed,
    with the references inside a template string put back where they stood."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return UNKNOWN
    if isinstance(value, Tmpl):
        refs: list[Any] = []
        text = ""
        for p in value.parts:
            if isinstance(p, str):
                text += p
            else:
                text += _TOKEN.format(len(refs)).replace("\x00", "\\u0000")
                refs.append(p)
        try:
            doc = json.loads(text)
        except ValueError:
            return UNKNOWN
        return _untoken(doc, refs)
    return value


def _untoken(node: Any, refs: list[Any]) -> Any:
    if isinstance(node, str) and "\x00lambdoctor" in node:
        parts: list[Any] = []
        for i, piece in enumerate(re.split(r"\x00lambdoctor(\d+)\x00", node)):
            if i % 2:
                parts.append(refs[int(piece)])
            elif piece:
                parts.append(piece)
        return parts[0] if len(parts) == 1 else Tmpl(tuple(parts))
    if isinstance(node, dict):
        return {k: _untoken(v, refs) for k, v in node.items()}
    if isinstance(node, list):
        return [_untoken(v, refs) for v in node]
    return node


# -- translation -------------------------------------------------------------------------------------------------
class _Out:
    """One CloudFormation resource being written from one Terraform resource's values."""

    def __init__(self, vals: FileNode) -> None:
        self.vals = vals
        self.props = FileNode(vals.file, vals.line, vals.column)

    def put(self, cfn_key: str, tf_key: str, conv: Callable[[Any], Any] = cfn) -> None:
        if tf_key in self.vals and self.vals[tf_key] is not None:
            self.set(cfn_key, conv(self.vals[tf_key]), self.vals, tf_key)

    def set(self, cfn_key: str, value: Any, at: FileNode | None = None, tf_key: str | None = None) -> None:
        src = at if at is not None else self.vals
        line, column = src.key_pos.get(tf_key, (src.line, src.column)) if tf_key else (src.line, src.column)
        self.props[cfn_key] = _place(value, src.file, line, column)
        self.props.key_pos[cfn_key] = (line, column)


def _place(value: Any, file: str, line: int, column: int) -> Any:
    """Plain mappings (a jsonencode'd policy, a block folded into a property) positioned at their attribute."""
    if isinstance(value, FileNode):
        for k, v in value.items():
            value[k] = _place(v, file, *value.key_pos.get(k, (value.line, value.column)))
        return value
    if isinstance(value, dict):
        node = FileNode(file, line, column)
        for k, v in value.items():
            node[k] = _place(v, file, line, column)
            node.key_pos[k] = (line, column)
        return node
    if isinstance(value, list):
        return [_place(v, file, line, column) for v in value]
    return value


def first(vals: FileNode, key: str) -> FileNode | None:
    blocks = vals.get(key)
    if isinstance(blocks, list) and blocks and isinstance(blocks[0], FileNode):
        return blocks[0]
    return None


class _Translator:
    """Writes the CloudFormation resources of one module tree."""

    def __init__(self) -> None:
        self.resources: dict[str, Any] = {}
        self.pending: list[Callable[[], None]] = []  # relations applied once every resource exists

    def add(self, lid: str, rtype: str, out: _Out, **extra: Any) -> FileNode:
        res = FileNode(out.vals.file, out.vals.line, out.vals.column)
        res["Type"] = rtype
        res["Properties"] = out.props
        res.update(extra)
        self.resources[lid] = res
        return res

    def lid_of(self, value: Any) -> str | None:
        if isinstance(value, Ref):
            return value.address
        if isinstance(value, Tmpl):
            refs = [p for p in value.parts if isinstance(p, Ref)]
            return refs[0].address if len(refs) == 1 else None
        return None

    def translate(self, rtype: str, lid: str, vals: FileNode) -> None:
        method = getattr(self, "_" + rtype, None)
        if method is not None:
            method(lid, vals)
        elif rtype in _PLAIN:
            out = _Out(vals)
            for cfn_key, tf_key in _PLAIN[rtype][1]:
                out.put(cfn_key, tf_key)
            self.add(lid, _PLAIN[rtype][0], out)

    # Lambda
    def _aws_lambda_function(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        for cfn_key, tf_key in (("FunctionName", "function_name"), ("Handler", "handler"), ("Runtime", "runtime"),
                                ("MemorySize", "memory_size"), ("Timeout", "timeout"), ("Role", "role"),
                                ("Layers", "layers"), ("Architectures", "architectures"),
                                ("PackageType", "package_type")):
            o.put(cfn_key, tf_key)
        rc = v.get("reserved_concurrent_executions")
        if isinstance(rc, int) and rc >= 0:  # -1 (the provider's default) means unreserved
            o.put("ReservedConcurrentExecutions", "reserved_concurrent_executions")
        env = first(v, "environment")
        if env is not None and "variables" in env:
            variables = env["variables"]
            if isinstance(variables, dict):
                node = FileNode(env.file, env.line, env.column)
                for k, val in variables.items():
                    node[k] = cfn(val)
                    # HCL map entries carry no position of their own: the `variables` line stands for them
                    node.key_pos[k] = env.key_pos.get("variables", (env.line, env.column))
                o.set("Environment", {"Variables": node}, env)
        vpc = first(v, "vpc_config")
        if vpc is not None:
            o.set("VpcConfig", {"SubnetIds": cfn(vpc.get("subnet_ids", [])),
                                "SecurityGroupIds": cfn(vpc.get("security_group_ids", []))}, v, "vpc_config")
        for block, cfn_key, tf_key, inner in (("tracing_config", "TracingConfig", "mode", "Mode"),
                                              ("dead_letter_config", "DeadLetterConfig", "target_arn", "TargetArn"),
                                              ("ephemeral_storage", "EphemeralStorage", "size", "Size"),
                                              ("snap_start", "SnapStart", "apply_on", "ApplyOn")):
            b = first(v, block)
            if b is not None and tf_key in b:
                o.set(cfn_key, {inner: cfn(b[tf_key])}, v, block)
        logging = first(v, "logging_config")
        if logging is not None:
            lc = {k: cfn(logging[t]) for k, t in (("LogGroup", "log_group"), ("LogFormat", "log_format"),
                                                   ("ApplicationLogLevel", "application_log_level"))
                  if t in logging}
            o.set("LoggingConfig", node_at(lc, logging), v, "logging_config")
        if "image_uri" in v:
            o.set("PackageType", "Image", v, "image_uri")
        extra: dict[str, Any] = {}
        code = v.get("filename")
        if isinstance(code, CodePath):
            extra["Metadata"] = {"aws:asset:path": code.path}
        elif isinstance(code, str):
            extra["Metadata"] = {"aws:asset:path": code}
        o.set("Code", {"S3Bucket": "terraform"}, v)
        self.add(lid, "AWS::Lambda::Function", o, **extra)
        if v.get("publish") is True:
            # Every change publishes a version; Terraform tracks only the newest and never deletes the others.
            vo = _Out(v)
            vo.set("FunctionName", {"Ref": lid}, v, "publish")
            self.add(f"{lid}:versions", "AWS::Lambda::Version", vo, DeletionPolicy="Retain")

    def _aws_lambda_event_source_mapping(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        for cfn_key, tf_key in (("EventSourceArn", "event_source_arn"), ("FunctionName", "function_name"),
                                ("BatchSize", "batch_size"),
                                ("MaximumBatchingWindowInSeconds", "maximum_batching_window_in_seconds"),
                                ("FunctionResponseTypes", "function_response_types"),
                                ("BisectBatchOnFunctionError", "bisect_batch_on_function_error"),
                                ("MaximumRetryAttempts", "maximum_retry_attempts"),
                                ("MaximumRecordAgeInSeconds", "maximum_record_age_in_seconds"),
                                ("StartingPosition", "starting_position"), ("Enabled", "enabled")):
            o.put(cfn_key, tf_key)
        dest = first(v, "destination_config")
        failure = first(dest, "on_failure") if dest is not None else None
        if failure is not None and "destination_arn" in failure:
            o.set("DestinationConfig", {"OnFailure": {"Destination": cfn(failure["destination_arn"])}}, v,
                  "destination_config")
        scaling = first(v, "scaling_config")
        if scaling is not None and "maximum_concurrency" in scaling:
            o.set("ScalingConfig", {"MaximumConcurrency": cfn(scaling["maximum_concurrency"])}, v, "scaling_config")
        if "self_managed_event_source" in v:
            o.set("SelfManagedEventSource", {}, v, "self_managed_event_source")
        self.add(lid, "AWS::Lambda::EventSourceMapping", o)

    def _aws_lambda_function_event_invoke_config(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("FunctionName", "function_name")
        o.put("MaximumRetryAttempts", "maximum_retry_attempts")
        o.put("MaximumEventAgeInSeconds", "maximum_event_age_in_seconds")
        dest = first(v, "destination_config")
        if dest is not None:
            cfg: dict[str, Any] = {}
            for cfn_key, tf_key in (("OnFailure", "on_failure"), ("OnSuccess", "on_success")):
                b = first(dest, tf_key)
                if b is not None and "destination" in b:
                    cfg[cfn_key] = {"Destination": cfn(b["destination"])}
            o.set("DestinationConfig", cfg, v, "destination_config")
        self.add(lid, "AWS::Lambda::EventInvokeConfig", o)

    def _aws_lambda_provisioned_concurrency_config(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("FunctionName", "function_name")
        o.set("ProvisionedConcurrencyConfig", {"ProvisionedConcurrentExecutions": cfn(
            v.get("provisioned_concurrent_executions"))}, v, "provisioned_concurrent_executions")
        self.add(lid, "AWS::Lambda::Version", o)  # not retained: it only carries the provisioned concurrency

    # IAM
    def _aws_iam_role(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        policies = []
        for ip in v.get("inline_policy") or []:
            if isinstance(ip, FileNode) and "policy" in ip:
                policies.append(node_at({"PolicyDocument": cfn(policy_value(ip["policy"]))}, ip))
        if policies:
            o.set("Policies", policies, v, "inline_policy")
        o.put("ManagedPolicyArns", "managed_policy_arns")
        self.add(lid, "AWS::IAM::Role", o)

    def _policy(self, lid: str, v: FileNode, roles: list[Any], rtype: str) -> None:
        o = _Out(v)
        doc = cfn(policy_value(v.get("policy")))
        if isinstance(doc, dict) and not isinstance(doc, FileNode):
            doc = node_at(doc, v, "policy")
        o.set("PolicyDocument", doc, v, "policy")
        o.set("Roles", [cfn(r) for r in roles], v, "role" if "role" in v else None)
        self.add(lid, rtype, o)

    def _aws_iam_role_policy(self, lid: str, v: FileNode) -> None:
        self._policy(lid, v, [v.get("role")], "AWS::IAM::Policy")

    def _aws_iam_policy(self, lid: str, v: FileNode) -> None:
        self._policy(lid, v, [], "AWS::IAM::ManagedPolicy")

    def _aws_iam_role_policy_attachment(self, lid: str, v: FileNode) -> None:
        self._attach(v.get("policy_arn"), [v.get("role")])

    def _aws_iam_policy_attachment(self, lid: str, v: FileNode) -> None:
        roles = v.get("roles")
        self._attach(v.get("policy_arn"), roles if isinstance(roles, list) else [])

    def _attach(self, policy: Any, roles: list[Any]) -> None:
        def apply() -> None:
            target = self.lid_of(policy)
            for role in roles:
                rid = self.lid_of(role)
                if target and target in self.resources:
                    self.resources[target]["Properties"].setdefault("Roles", []).append(cfn(role))
                elif rid in self.resources:
                    arns = self.resources[rid]["Properties"].setdefault("ManagedPolicyArns", [])
                    arns.append(cfn(policy))
        self.pending.append(apply)

    # messaging, storage, streams
    def _aws_sqs_queue(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("VisibilityTimeout", "visibility_timeout_seconds")
        o.put("MessageRetentionPeriod", "message_retention_seconds")
        o.put("FifoQueue", "fifo_queue")
        o.put("QueueName", "name")
        o.put("RedrivePolicy", "redrive_policy", lambda x: cfn(policy_value(x)))
        self.add(lid, "AWS::SQS::Queue", o)

    def _aws_sqs_queue_redrive_policy(self, lid: str, v: FileNode) -> None:
        queue, policy, at = v.get("queue_url"), v.get("redrive_policy"), v

        def apply() -> None:
            qid = self.lid_of(queue)
            if qid in self.resources:
                props = self.resources[qid]["Properties"]
                props["RedrivePolicy"] = cfn(policy_value(policy))
                props.key_pos["RedrivePolicy"] = at.key_pos.get("redrive_policy", (at.line, at.column))
        self.pending.append(apply)

    def _aws_dynamodb_table(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("TableName", "name")
        if v.get("stream_enabled") is True:
            o.set("StreamSpecification", {"StreamViewType": cfn(v.get("stream_view_type", "NEW_IMAGE"))}, v,
                  "stream_enabled")
        self.add(lid, "AWS::DynamoDB::Table", o)

    def _aws_s3_bucket_notification(self, lid: str, v: FileNode) -> None:
        bucket = v.get("bucket")
        items = []
        for fn in v.get("lambda_function") or []:
            if not isinstance(fn, FileNode):
                continue
            item = FileNode(fn.file, fn.line, fn.column)
            item["Function"] = cfn(fn.get("lambda_function_arn"))
            item["Event"] = cfn((fn.get("events") or ["s3:ObjectCreated:*"])[0]) if isinstance(
                fn.get("events"), list) else "s3:ObjectCreated:*"
            if fn.get("filter_prefix") or fn.get("filter_suffix"):
                item["Filter"] = {"S3Key": {"Rules": [{"Name": "prefix", "Value": cfn(fn.get("filter_prefix"))}]}}
            items.append(item)

        def apply() -> None:
            bid = self.lid_of(bucket)
            if bid in self.resources and self.resources[bid]["Type"] == "AWS::S3::Bucket":
                props = self.resources[bid]["Properties"]
                props.setdefault("NotificationConfiguration", {}).setdefault("LambdaConfigurations", []).extend(items)
        self.pending.append(apply)

    # events, APIs, logs, alarms
    def _aws_cloudwatch_event_rule(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("ScheduleExpression", "schedule_expression")
        o.put("EventPattern", "event_pattern")
        o.set("Targets", [], v)
        self.add(lid, "AWS::Events::Rule", o)

    def _aws_cloudwatch_event_target(self, lid: str, v: FileNode) -> None:
        rule, arn = v.get("rule"), v.get("arn")
        target = node_at({"Arn": cfn(arn), "Id": lid}, v)

        def apply() -> None:
            rid = self.lid_of(rule)
            if rid in self.resources and self.resources[rid]["Type"] == "AWS::Events::Rule":
                self.resources[rid]["Properties"]["Targets"].append(target)
        self.pending.append(apply)

    def _aws_scheduler_schedule(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        t = first(v, "target")
        if t is not None:
            o.set("Target", {"Arn": cfn(t.get("arn"))}, v, "target")
        self.add(lid, "AWS::Scheduler::Schedule", o)

    def _aws_cloudwatch_log_group(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        o.put("LogGroupName", "name")
        days = v.get("retention_in_days")
        if days not in (None, 0):  # 0: never expire, the same as unset
            o.put("RetentionInDays", "retention_in_days")
        self.add(lid, "AWS::Logs::LogGroup", o)

    def _aws_api_gateway_integration(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        integ = node_at({"Uri": cfn(v.get("uri"))}, v)
        if "timeout_milliseconds" in v:
            integ["TimeoutInMillis"] = cfn(v["timeout_milliseconds"])
            integ.key_pos["TimeoutInMillis"] = v.key_pos["timeout_milliseconds"]
        o.set("Integration", integ, v, "uri")
        o.put("RestApiId", "rest_api_id")
        self.add(lid, "AWS::ApiGateway::Method", o)

    def _aws_cloudwatch_metric_alarm(self, lid: str, v: FileNode) -> None:
        o = _Out(v)
        for cfn_key, tf_key in (("Namespace", "namespace"), ("MetricName", "metric_name"),
                                ("Threshold", "threshold"), ("ComparisonOperator", "comparison_operator"),
                                ("Statistic", "statistic"), ("ExtendedStatistic", "extended_statistic"),
                                ("AlarmActions", "alarm_actions")):
            o.put(cfn_key, tf_key)
        o.put("Dimensions", "dimensions", _dimensions)
        metrics = []
        for q in v.get("metric_query") or []:
            if not isinstance(q, FileNode):
                continue
            m: dict[str, Any] = {"Id": cfn(q.get("id")), "ReturnData": q.get("return_data", False) is True}
            if "expression" in q:
                m["Expression"] = cfn(q["expression"])
            metric = first(q, "metric")
            if metric is not None:
                m["MetricStat"] = {"Metric": {"Namespace": cfn(metric.get("namespace")),
                                              "MetricName": cfn(metric.get("metric_name")),
                                              "Dimensions": _dimensions(metric.get("dimensions"))},
                                   "Stat": cfn(metric.get("stat"))}
            metrics.append(m)
        if metrics:
            o.set("Metrics", metrics, v, "metric_query")
        self.add(lid, "AWS::CloudWatch::Alarm", o)

    # networking
    def _aws_route_table(self, lid: str, v: FileNode) -> None:
        self.add(lid, "AWS::EC2::RouteTable", _Out(v))
        for i, route in enumerate(v.get("route") or []):
            if isinstance(route, FileNode):
                self._route(f"{lid}.route[{i}]", route, {"Ref": lid})

    def _aws_route(self, lid: str, v: FileNode) -> None:
        self._route(lid, v, cfn(v.get("route_table_id")))

    def _route(self, lid: str, v: FileNode, table: Any) -> None:
        o = _Out(v)
        o.set("RouteTableId", table, v)
        for cfn_key, tf_key in (("DestinationCidrBlock", "destination_cidr_block"),
                                ("DestinationCidrBlock", "cidr_block"), ("NatGatewayId", "nat_gateway_id"),
                                ("GatewayId", "gateway_id"), ("TransitGatewayId", "transit_gateway_id"),
                                ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
                                ("NetworkInterfaceId", "network_interface_id")):
            if v.get(tf_key) not in (None, ""):
                o.put(cfn_key, tf_key)
        self.add(lid, "AWS::EC2::Route", o)




# Resources whose translation is a renaming of attributes (CloudFormation property ← Terraform attribute).
_PLAIN: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "aws_lambda_permission": ("AWS::Lambda::Permission", (
        ("Action", "action"), ("FunctionName", "function_name"), ("Principal", "principal"),
        ("SourceArn", "source_arn"), ("SourceAccount", "source_account"),
        ("FunctionUrlAuthType", "function_url_auth_type"), ("PrincipalOrgID", "principal_org_id"))),
    "aws_lambda_function_url": ("AWS::Lambda::Url", (("TargetFunctionArn", "function_name"),
                                                     ("AuthType", "authorization_type"))),
    "aws_lambda_alias": ("AWS::Lambda::Alias", (("FunctionName", "function_name"), ("Name", "name"))),
    "aws_sns_topic_subscription": ("AWS::SNS::Subscription", (("TopicArn", "topic_arn"), ("Protocol", "protocol"),
                                                              ("Endpoint", "endpoint"))),
    "aws_cloudwatch_log_subscription_filter": ("AWS::Logs::SubscriptionFilter", (
        ("DestinationArn", "destination_arn"), ("LogGroupName", "log_group_name"))),
    "aws_apigatewayv2_integration": ("AWS::ApiGatewayV2::Integration", (
        ("IntegrationUri", "integration_uri"), ("ApiId", "api_id"), ("TimeoutInMillis", "timeout_milliseconds"))),
    "aws_route_table_association": ("AWS::EC2::SubnetRouteTableAssociation", (
        ("RouteTableId", "route_table_id"), ("SubnetId", "subnet_id"))),
    "aws_vpc_endpoint": ("AWS::EC2::VPCEndpoint", (("ServiceName", "service_name"),
                                                   ("RouteTableIds", "route_table_ids"), ("SubnetIds", "subnet_ids"))),
    # resources the rules only need to know exist (and their names)
    "aws_sns_topic": ("AWS::SNS::Topic", (("TopicName", "name"),)),
    "aws_s3_bucket": ("AWS::S3::Bucket", (("BucketName", "bucket"),)),
    "aws_kinesis_stream": ("AWS::Kinesis::Stream", (("Name", "name"),)),
    "aws_api_gateway_rest_api": ("AWS::ApiGateway::RestApi", (("Name", "name"),)),
    "aws_apigatewayv2_api": ("AWS::ApiGatewayV2::Api", (("Name", "name"), ("ProtocolType", "protocol_type"))),
    "aws_db_instance": ("AWS::RDS::DBInstance", ()),
    "aws_rds_cluster": ("AWS::RDS::DBCluster", ()),
    "aws_db_proxy": ("AWS::RDS::DBProxy", (("DBProxyName", "name"),)),
    "aws_elasticache_cluster": ("AWS::ElastiCache::CacheCluster", ()),
    "aws_elasticache_replication_group": ("AWS::ElastiCache::ReplicationGroup", ()),
    "aws_subnet": ("AWS::EC2::Subnet", ()),
    "aws_nat_gateway": ("AWS::EC2::NatGateway", ()),
    "aws_msk_cluster": ("AWS::MSK::Cluster", ()),
    "aws_vpc": ("AWS::EC2::VPC", ()),
    "aws_security_group": ("AWS::EC2::SecurityGroup", ()),
    "aws_internet_gateway": ("AWS::EC2::InternetGateway", ()),
}


def node_at(mapping: dict[str, Any], at: FileNode, key: str | None = None) -> FileNode:
    line, column = at.key_pos.get(key, (at.line, at.column)) if key else (at.line, at.column)
    node = FileNode(at.file, line, column)
    node.update(mapping)
    for k in mapping:
        node.key_pos[k] = (line, column)
    return node


def _dimensions(value: Any) -> Any:
    if isinstance(value, dict):
        return [{"Name": k, "Value": cfn(v)} for k, v in value.items()]
    return cfn(value)


# -- loading ------------------------------------------------------------------------------------------------------
class _Loader:
    def __init__(self, overrides: dict[str, str]) -> None:
        self.overrides = overrides
        self.problems: list[Problem] = []
        self.files_read = 0
        self.module_calls = 0
        self._modules: dict[tuple[str, str], _Module | None] = {}
        self._parsed: dict[str, Body | None] = {}

    def problem(self, file: str, line: int, column: int, reason: str) -> None:
        entry = (file, line, column, reason)
        if entry not in self.problems:
            self.problems.append(entry)

    def parse(self, path: str) -> Body | None:
        if path in self._parsed:
            return self._parsed[path]
        body: Body | None = None
        try:
            if os.path.getsize(path) > MAX_TF_BYTES:
                self.problem(path, 1, 1, f"file is larger than {MAX_TF_BYTES // (1024 * 1024)} MB")
            else:
                data = read_regular(path, MAX_TF_BYTES)
                self.files_read += 1
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    self.problem(path, data.count(b"\n", 0, exc.start) + 1, 1,
                                 f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})")
                else:
                    body = parse_hcl(text, path)
        except HclError as exc:
            self.problem(path, exc.line, exc.column, exc.reason)
        except OSError as exc:
            self.problem(path, 1, 1, f"cannot read file: {exc.strerror or exc}")
        self._parsed[path] = body
        return body

    def read_module(self, folder: str, prefix: str, root: str) -> _Module | None:
        key = (folder, prefix)
        if key in self._modules:
            return self._modules[key]
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".tf"))
        except OSError:
            names = []
        if not names:
            self._modules[key] = None
            return None
        mod = _Module(folder, prefix, root or folder)
        for name in names:
            body = self.parse(os.path.join(folder, name))
            if body is None:
                continue
            mod.files += 1
            for block in body.blocks:
                self._declare(mod, block)
        if not prefix:
            for name in sorted(os.listdir(folder)):
                if name == "terraform.tfvars" or name.endswith(".auto.tfvars"):
                    body = self.parse(os.path.join(folder, name))
                    if body is not None:
                        ev = Evaluator(lambda r, s, e: UNKNOWN, folder)
                        mod.tfvars.update({k: ev.ev(a.expr, {}) for k, a in body.attrs.items()})
        self._modules[key] = mod
        return mod

    def _declare(self, mod: _Module, block: Block) -> None:
        labels = block.labels
        if block.type == "variable" and labels:
            mod.variables[labels[0]] = block
        elif block.type == "locals":
            mod.locals.update(block.body.attrs)
        elif block.type == "resource" and len(labels) >= 2:
            mod.resources[f"{labels[0]}.{labels[1]}"] = block
        elif block.type == "data" and len(labels) >= 2:
            mod.data[f"{labels[0]}.{labels[1]}"] = block
        elif block.type == "module" and labels:
            mod.modules[labels[0]] = block
        elif block.type == "output" and labels and "value" in block.body.attrs:
            mod.outputs[labels[0]] = block.body.attrs["value"]

    def translate(self, root: _ModuleEval, tr: _Translator) -> None:
        stack = [root]
        while stack:
            me = stack.pop()
            for key, block in me.mod.resources.items():
                rtype = key.split(".", 1)[0]
                if not (hasattr(tr, "_" + rtype) or rtype in _PLAIN):
                    continue
                for addr, env in me.instances(key, block):
                    tr.translate(rtype, addr, me.values(block.body, env))
            for name in me.mod.modules:
                child = me.child(name)
                if child is not None:
                    stack.append(child)


def _build(source: str, kind: str, tr: _Translator) -> Application:
    for apply in tr.pending:
        apply()
    template = {"Parameters": {UNRESOLVED_PARAM: {}}, "Resources": tr.resources}
    where = os.path.join(source, "main.tf") if kind == "terraform" else source
    return ApplicationBuilder(where, template, None).build(kind)


def load_modules(folders: list[str], overrides: dict[str, str]) -> tuple[list[Application], list[Problem], int]:
    """Every root module among ``folders``: a folder another one calls as a local module is part of its caller."""
    loader = _Loader(overrides)
    mods = {f: loader.read_module(f, "", f) for f in folders}
    called: set[str] = set()
    for folder, mod in mods.items():
        if mod is None:
            continue
        for block in mod.modules.values():
            src = block.body.attrs.get("source")
            if src is None:
                continue
            value = Evaluator(lambda r, s, e: UNKNOWN, folder).ev(src.expr, {})
            if isinstance(value, str) and value.startswith(("./", "../")):
                called.add(os.path.normpath(os.path.join(folder, value)))
    apps: list[Application] = []
    for folder, mod in mods.items():
        if mod is None or (folder in called and len(folders) > 1):
            continue
        tr = _Translator()
        loader.translate(_ModuleEval(loader, mod, None, 0), tr)
        app = _build(folder, "terraform", tr)
        apps.append(dataclasses.replace(app, source=folder))
    return apps, loader.problems, loader.files_read


# -- plan JSON ------------------------------------------------------------------------------------------------------
def load_plan(file: str, doc: Any, data: bytes, overrides: dict[str, str]) -> tuple[list[Application],
                                                                                    list[Problem]]:
    """``terraform show -json plan`` output: planned values, with configuration references for what is unknown."""
    planned = doc.get("planned_values") if isinstance(doc, dict) else None
    root = planned.get("root_module") if isinstance(planned, dict) else None
    if not isinstance(root, dict):
        return [], [(file, 1, 1, "not a Terraform plan: no planned_values.root_module")]
    text = data.decode("utf-8", "replace")
    refs = _plan_references(doc.get("configuration"))
    tr = _Translator()
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
    return [_build(file, "terraform-plan", tr)], []


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
