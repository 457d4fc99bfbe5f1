"""Code facts for one handler: a walk over the AST of the handler and every project function it reaches.

What is followed: names bound to boto3 clients, resources and their objects (module scope, locals, ``self``
attributes, parameters of project functions, simple factory functions); project modules imported by the handler
(``import x``, ``from x import y``, relative and star imports); event-derived values (taint from the handler's
first parameter). What cannot be followed (``getattr``, a client handed to a third-party function, a service name
that is not a literal) makes :attr:`CodeFacts.complete` false, so rules that need the whole picture stay silent.
"""

from __future__ import annotations

import ast
import os
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from lambdoctor.code import sdk
from lambdoctor.code.source import ParsedModule, read_file, resolve_module
from lambdoctor.facts import (
    ArgValue,
    BatchItem,
    CodeFacts,
    Creation,
    ExceptAction,
    ExceptClause,
    GlobalWrite,
    HardcodedValue,
    SdkCall,
    Setting,
    TmpWrite,
)
from lambdoctor.model import SourceRef
from lambdoctor.problems import Problem

# Database and cache clients whose connections are expensive to open and limited on the server side.
_CONNECTIONS = frozenset({
    "psycopg2.connect", "psycopg.connect", "psycopg.Connection.connect", "pymysql.connect", "MySQLdb.connect",
    "mysql.connector.connect", "pg8000.connect", "pg8000.native.Connection", "pymongo.MongoClient",
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url", "sqlalchemy.create_engine",
    "oracledb.connect", "cx_Oracle.connect", "pyodbc.connect", "elasticsearch.Elasticsearch",
    "opensearchpy.OpenSearch",
})
_BROAD = frozenset({"Exception", "BaseException", "ClientError", "BotoCoreError", "botocore.exceptions.ClientError",
                    "botocore.exceptions.BotoCoreError"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print_exc"})
_MUTATORS = frozenset({"append", "extend", "add", "update", "insert", "setdefault", "appendleft", "__setitem__"})
_REMOVALS = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})
_CACHE_DECORATORS = frozenset({"cache", "lru_cache", "cached", "cached_property"})
# Decorators that do not turn an exception into a response (Powertools' logging, tracing, metrics, idempotency).
_TRANSPARENT_DECORATORS = frozenset({"inject_lambda_context", "capture_lambda_handler", "log_metrics",
                                     "idempotent", "event_source", "lambda_handler_decorator", "validator",
                                     "capture_cold_start_metric"})
_BATCH_UTILITIES = frozenset({"process_partial_response", "async_process_partial_response", "batch_processor",
                              "async_batch_processor", "BatchProcessor", "AsyncBatchProcessor",
                              "SqsFifoPartialProcessor"})
_VERBOSE_LEVELS = {"DEBUG": "DEBUG", "TRACE": "TRACE", "NOTSET": "DEBUG"}
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:")
_ACCOUNT = re.compile(r"^\d{12}$")
_ENDPOINT = re.compile(r"^https?://[^/\s]*(amazonaws\.com|\.on\.aws)(?:[:/]|$)")
_DEFAULT_IDEMPOTENCY_SECONDS = 3600  # Powertools IdempotencyConfig.expires_after_seconds default (1 hour)


@dataclass(frozen=True)
class Obj:
    """What an expression evaluates to, as far as the analysis cares."""

    kind: str  # client, service_resource, sub, paginator, session, collection, str, module, factory
    service: str = ""
    sub: str = ""
    resource: ArgValue | None = None
    op: str = ""
    value: ArgValue | None = None
    tmp: bool = False  # a path under /tmp
    unique: bool = False  # ... whose name varies per invocation
    module: str = ""  # kind module: the file


@dataclass
class Module:
    parsed: ParsedModule
    path: str
    aliases: dict[str, str] = field(default_factory=dict)  # local name → qualified name (imports)
    local_imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name → (file, attr)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    env: dict[str, Obj] = field(default_factory=dict)  # module-level bindings
    names: set[str] = field(default_factory=set)  # module-level assigned names
    class_attrs: dict[str, dict[str, Obj]] = field(default_factory=dict)  # class → self.attr bindings


FuncNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class _Frame:
    module: Module
    node: FuncNode | None  # None: module level
    cls: str | None
    per_invocation: bool
    env: dict[str, Obj] = field(default_factory=dict)
    tainted: set[str] = field(default_factory=set)
    globals_: set[str] = field(default_factory=set)
    removes: bool = False
    cached: bool = False
    locals_: set[str] | None = None  # names the function assigns (computed on first need)


class Collector:
    """Facts accumulated over every reached function of one handler."""

    def __init__(self) -> None:
        self.sdk_calls: dict[tuple[int, int, str], SdkCall] = {}
        self.creations: dict[tuple[str, int, int], Creation] = {}
        self.excepts: dict[tuple[str, int], ExceptClause] = {}
        self.tmp: list[TmpWrite] = []
        self.global_writes: dict[tuple[str, int], GlobalWrite] = {}
        self.batch_failures: SourceRef | None = None
        self.batch_items: dict[tuple[str, int], BatchItem] = {}
        self.batch_utility = False
        self.idempotency: Setting | None = None
        self.log_levels: dict[tuple[str, int], Setting] = {}
        self.literals: dict[tuple[str, int, str], HardcodedValue] = {}
        self.complete = True


class ProjectCache:
    """Parsed project files, shared by every function of a scan (a file used by several handlers parses once)."""

    def __init__(self) -> None:
        self.parsed: dict[str, ParsedModule | Problem] = {}
        self.problems: list[Problem] = []
        self.inline: list[ParsedModule] = []  # inline code and zip members, kept for their suppressions

    def load(self, path: str, root: str | None) -> ParsedModule | None:
        if path not in self.parsed:
            result = read_file(path, root)
            self.parsed[path] = result
            if isinstance(result, Problem):
                self.problems.append(result)
        got = self.parsed[path]
        return got if isinstance(got, ParsedModule) else None


def qualname(expr: ast.expr, aliases: dict[str, str]) -> str | None:
    """``boto3.client`` for ``boto3.client`` or for ``client`` after ``from boto3 import client``."""
    if isinstance(expr, ast.Name):
        return aliases.get(expr.id)
    if isinstance(expr, ast.Attribute):
        base = qualname(expr.value, aliases)
        return f"{base}.{expr.attr}" if base else None
    return None


def _last(name: str | None) -> str:
    return (name or "").rsplit(".", 1)[-1]


def _str_const(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _arg(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    if name is not None:
        found = _kwarg(call, name)
        if found is not None:
            return found
    return call.args[index] if len(call.args) > index and not isinstance(call.args[index], ast.Starred) else None


def _header_exprs(stmt: ast.stmt) -> list[ast.expr]:
    """The expressions a statement evaluates itself (not those of the blocks it contains)."""
    if isinstance(stmt, (ast.If, ast.While)):
        return [stmt.test]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.iter]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [i.context_expr for i in stmt.items]
    if isinstance(stmt, (ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    if isinstance(stmt, ast.Match):
        return [stmt.subject]
    return [n for n in ast.iter_child_nodes(stmt) if isinstance(n, ast.expr)]


_TRY = (ast.Try, getattr(ast, "TryStar", ast.Try))  # try/except* is Python 3.11+
_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, *_TRY, ast.Match,
             ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement blocks nested in a statement (empty for simple statements, the common case)."""
    if not isinstance(stmt, _COMPOUND):
        return []
    if isinstance(stmt, ast.Match):
        return [case.body for case in stmt.cases]
    out: list[list[ast.stmt]] = [stmt.body]
    orelse = getattr(stmt, "orelse", None)
    if orelse:
        out.append(orelse)
    if isinstance(stmt, _TRY):
        out += [h.body for h in stmt.handlers]
        if stmt.finalbody:
            out.append(stmt.finalbody)
    return out


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included (imports can sit in functions and try blocks); no expressions."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        for block in _blocks(stmt):
            stack.extend(reversed(block))


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _walk(node: ast.AST, into_defs: bool = True) -> Iterator[ast.AST]:
    """ast.walk, about twice as fast: reads ``_fields`` directly and skips the Load/Store context nodes.

    With ``into_defs=False`` it does not enter nested function, class or lambda definitions.
    """
    stack = [node]
    ast_type = ast.AST
    while stack:
        n = stack.pop()
        yield n
        for name in n._fields:
            v = getattr(n, name, None)
            if v.__class__ is list:
                for x in v:
                    if isinstance(x, ast_type) and (into_defs or not isinstance(x, _DEFS)):
                        stack.append(x)
            elif isinstance(v, ast_type) and name != "ctx" and (into_defs or not isinstance(v, _DEFS)):
                stack.append(v)


def _walk_no_defs(node: ast.AST) -> Iterator[ast.AST]:
    return _walk(node, into_defs=False)


def _names_in(expr: ast.AST) -> set[str]:
    return {n.id for n in _walk(expr) if isinstance(n, ast.Name)}


def _reads_tainted(frame: _Frame, expr: ast.AST) -> bool:
    return bool(frame.tainted) and not frame.tainted.isdisjoint(_names_in(expr))


def _dict_keys(d: ast.Dict) -> list[str]:
    return [k.value for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]


def _status_code(d: ast.Dict) -> int | bool | None:
    """The literal statusCode of a response dict; True when present but not literal; None when absent."""
    for k, v in zip(d.keys, d.values, strict=False):
        if isinstance(k, ast.Constant) and k.value == "statusCode":
            return v.value if isinstance(v, ast.Constant) and isinstance(v.value, int) else True
    return None


class Analyzer:
    def __init__(self, cache: ProjectCache) -> None:
        self.cache = cache
        self.modules: dict[str, Module] = {}
        self.loading: set[str] = set()
        self.out = Collector()
        self.seen: set[tuple[str, int, bool]] = set()
        self.queue: deque[tuple[_Frame, FuncNode]] = deque()
        self.factories: set[int] = set()

    # -- modules ----------------------------------------------------------------------------------------------
    def module_for(self, parsed: ParsedModule) -> Module:
        key = parsed.file
        if key in self.modules:
            return self.modules[key]
        mod = Module(parsed, key)
        self.modules[key] = mod
        self.loading.add(key)
        for node in parsed.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                mod.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                mod.classes[node.name] = node
        self._imports(mod)
        frame = _Frame(mod, None, None, per_invocation=False, env=mod.env)
        self._block(frame, parsed.tree.body)
        for cls in mod.classes.values():
            self._class_attrs(mod, cls)
        self.loading.discard(key)
        return mod

    def _imports(self, mod: Module) -> None:
        root = mod.parsed.root
        package = os.path.dirname(mod.path)
        for node in _statements(mod.parsed.tree.body):
            if isinstance(node, ast.Import):
                for a in node.names:
                    local = a.asname or a.name.split(".")[0]
                    mod.aliases[local] = a.name if a.asname else a.name.split(".")[0]
                    target = resolve_module(root, a.name) if root else None
                    if target and root:
                        mod.local_imports[local] = (target, None) if a.asname else (
                            resolve_module(root, a.name.split(".")[0]) or target, None)
            elif isinstance(node, ast.ImportFrom):
                base_dir = root
                dotted = node.module or ""
                if node.level and root:
                    base_dir = package
                    for _ in range(node.level - 1):
                        base_dir = os.path.dirname(base_dir)
                for a in node.names:
                    if a.name == "*":
                        self._star(mod, base_dir, dotted)
                        continue
                    local = a.asname or a.name
                    mod.aliases[local] = f"{dotted}.{a.name}" if dotted else a.name
                    if not base_dir:
                        continue
                    as_module = resolve_module(base_dir, f"{dotted}.{a.name}" if dotted else a.name)
                    if as_module:
                        mod.local_imports[local] = (as_module, None)
                    elif dotted and (owner := resolve_module(base_dir, dotted)):
                        mod.local_imports[local] = (owner, a.name)

    def _star(self, mod: Module, base_dir: str | None, dotted: str) -> None:
        path = resolve_module(base_dir, dotted) if base_dir and dotted else None
        other = self._load(path, mod.parsed.root) if path else None
        if other is None:
            return
        for name in [*other.functions, *other.classes, *other.env]:
            if not name.startswith("_") and name not in mod.local_imports:
                mod.local_imports[name] = (other.path, name)
        mod.aliases.update({k: v for k, v in other.aliases.items() if k not in mod.aliases})

    def _load(self, path: str, root: str | None) -> Module | None:
        if path in self.loading:  # a circular import: use what is bound so far
            return self.modules.get(path)
        if path in self.modules:
            return self.modules[path]
        parsed = self.cache.load(path, root)
        return self.module_for(parsed) if parsed else None

    def _class_attrs(self, mod: Module, cls: ast.ClassDef) -> None:
        attrs: dict[str, Obj] = {}
        for fn in cls.body:
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            frame = _Frame(mod, fn, cls.name, per_invocation=False)
            for node in _walk(fn):
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                            obj = self.eval(frame, node.value)
                            if obj is not None:
                                attrs[t.attr] = obj
        mod.class_attrs[cls.name] = attrs

    def imported(self, mod: Module, name: str) -> tuple[Module, str | None] | None:
        """The project module (and attribute) a local name was imported from."""
        entry = mod.local_imports.get(name)
        if entry is None:
            return None
        other = self._load(entry[0], mod.parsed.root)
        return (other, entry[1]) if other else None

    # -- expression evaluation --------------------------------------------------------------------------------
    def lookup(self, frame: _Frame, name: str) -> Obj | None:
        if name in frame.env:
            return frame.env[name]
        if name in frame.module.env:
            return frame.module.env[name]
        imp = self.imported(frame.module, name)
        if imp:
            other, attr = imp
            if attr is None:
                return Obj("module", module=other.path)
            return other.env.get(attr) or (Obj("factory", module=other.path, op=attr)
                                           if attr in other.functions else None)
        if name in frame.module.functions:
            return Obj("factory", module=frame.module.path, op=name)
        return None

    def env_value(self, frame: _Frame, expr: ast.expr) -> ArgValue | None:
        """A value read from the environment: os.environ['X'], os.environ.get('X'), os.getenv('X')."""
        aliases = frame.module.aliases
        if isinstance(expr, ast.Subscript) and qualname(expr.value, aliases) == "os.environ":
            key = _str_const(expr.slice)
            return ArgValue(env=key) if key else None
        if isinstance(expr, ast.Call) and qualname(expr.func, aliases) in ("os.environ.get", "os.getenv"):
            key = _str_const(_arg(expr, 0))
            return ArgValue(env=key) if key else None
        return None

    def eval(self, frame: _Frame, expr: ast.expr | None) -> Obj | None:
        if expr is None:
            return None
        aliases = frame.module.aliases
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return Obj("str", value=ArgValue(literal=expr.value), tmp=expr.value.startswith("/tmp"))
        if isinstance(expr, ast.Name):
            found = self.lookup(frame, expr.id)
            if found is None and expr.id in frame.tainted:
                return Obj("str", value=ArgValue(event=True))
            return found
        env = self.env_value(frame, expr)
        if env is not None:
            return Obj("str", value=env)
        if isinstance(expr, ast.JoinedStr):
            first = expr.values[0] if expr.values else None
            tmp = isinstance(first, ast.Constant) and str(first.value).startswith("/tmp")
            return Obj("str", value=ArgValue(event=_reads_tainted(frame, expr)), tmp=tmp,
                       unique=tmp and any(isinstance(v, ast.FormattedValue) for v in expr.values))
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Div, ast.Mod)):
            left = self.eval(frame, expr.left)
            if left is not None and left.tmp:
                return Obj("str", tmp=True, unique=True)
            return None
        if isinstance(expr, ast.Subscript) and _reads_tainted(frame, expr):
            return Obj("str", value=ArgValue(event=True))
        if isinstance(expr, ast.Attribute):
            return self._eval_attribute(frame, expr)
        if isinstance(expr, ast.Call):
            return self._eval_call(frame, expr, qualname(expr.func, aliases))
        if isinstance(expr, (ast.Await,)):
            return self.eval(frame, expr.value)
        return None

    def _eval_attribute(self, frame: _Frame, expr: ast.Attribute) -> Obj | None:
        if isinstance(expr.value, ast.Name) and expr.value.id == "self" and frame.cls:
            return frame.module.class_attrs.get(frame.cls, {}).get(expr.attr)
        base = self.eval(frame, expr.value)
        if base is None:
            return None
        if base.kind == "module":
            other = self.modules.get(base.module)
            if other is None:
                return None
            if expr.attr in other.env:
                return other.env[expr.attr]
            return Obj("factory", module=other.path, op=expr.attr) if expr.attr in other.functions else None
        if expr.attr == "meta" and base.kind in ("service_resource", "sub"):
            return replace(base, kind="meta")
        if expr.attr == "client" and base.kind == "meta":
            return Obj("client", service=base.service)
        if base.kind == "sub" and (base.sub, expr.attr) in sdk.COLLECTIONS:
            return Obj("collection", service=base.service, resource=base.resource,
                       op=sdk.COLLECTIONS[(base.sub, expr.attr)])
        return None

    def _eval_call(self, frame: _Frame, call: ast.Call, q: str | None) -> Obj | None:
        if q in ("boto3.client", "boto3.resource", "boto3.session.Session.client"):
            return self._boto3(frame, call, "client" if q.endswith("client") else "service_resource")
        if q in ("boto3.Session", "boto3.session.Session"):
            return Obj("session")
        if q in ("tempfile.gettempdir",):
            return Obj("str", tmp=True)
        if q in ("os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePosixPath") and call.args:
            first = self.eval(frame, call.args[0])
            if first is not None and first.tmp:
                unique = first.unique or any(not isinstance(a, ast.Constant) for a in call.args[1:])
                return Obj("str", tmp=True, unique=unique)
            return None
        func = call.func
        if isinstance(func, ast.Attribute):
            base = self.eval(frame, func.value)
            if base is None:
                return None
            attr = func.attr
            if base.kind == "session" and attr in ("client", "resource"):
                return self._boto3(frame, call, "client" if attr == "client" else "service_resource")
            if base.kind == "service_resource" and (base.service, attr) in sdk.SUBRESOURCES:
                arg = _arg(call, 0, "QueueName" if attr == "get_queue_by_name" else None)
                value = self.arg_value(frame, arg)
                if value is not None and value.literal and not value.literal.startswith(("arn:", "http")):
                    self._resource_literal(frame, call, value.literal)
                return Obj("sub", service=base.service, sub=sdk.SUBRESOURCES[(base.service, attr)], resource=value)
            if base.kind == "sub" and base.sub == "Bucket" and attr == "Object":
                return Obj("sub", service="s3", sub="Object", resource=base.resource)
            if base.kind == "client" and attr == "get_paginator":
                method = _str_const(_arg(call, 0))
                op = sdk.operation_for(base.service, method) if method else None
                return Obj("paginator", service=base.service, op=op or "")
            if base.kind == "str" and base.tmp and attr in ("joinpath", "with_suffix", "with_name"):
                return Obj("str", tmp=True, unique=True)
            return None
        if isinstance(func, ast.Name):
            target = self.lookup(frame, func.id)
            if target is not None and target.kind == "factory":
                return self._factory_result(target)
        return None

    def _boto3(self, frame: _Frame, call: ast.Call, kind: str) -> Obj | None:
        service = _str_const(_arg(call, 0, "service_name"))
        if service is None:
            self.out.complete = False  # a service chosen at run time cannot be followed
            return None
        return Obj(kind, service=service)

    def _factory_result(self, target: Obj) -> Obj | None:
        """What a project function returns, when it returns a client it creates (get_client() patterns)."""
        mod = self.modules.get(target.module)
        fn = mod.functions.get(target.op) if mod else None
        if mod is None or fn is None or id(fn) in self.factories:
            return None
        self.factories.add(id(fn))  # a recursive factory must not recurse here
        try:
            frame = _Frame(mod, fn, None, per_invocation=False)
            for node in _walk_no_defs(fn):
                if isinstance(node, ast.Assign):
                    obj = self.eval(frame, node.value)
                    for t in node.targets:
                        if isinstance(t, ast.Name) and obj is not None:
                            frame.env[t.id] = obj
                if isinstance(node, ast.Return) and node.value is not None:
                    obj = self.eval(frame, node.value)
                    if obj is not None and obj.kind in ("client", "service_resource", "sub"):
                        return obj
            return None
        finally:
            self.factories.discard(id(fn))

    def arg_value(self, frame: _Frame, expr: ast.expr | None) -> ArgValue | None:
        if expr is None:
            return None
        obj = self.eval(frame, expr)
        if obj is not None and obj.value is not None:
            return obj.value
        if _reads_tainted(frame, expr):
            return ArgValue(event=True)
        return None

    # -- statements ---------------------------------------------------------------------------------------------
    def _block(self, frame: _Frame, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            self._stmt(frame, stmt)

    def _stmt(self, frame: _Frame, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._decorators(frame, stmt)
            if frame.node is not None and not isinstance(stmt, ast.ClassDef):
                self._block(frame, stmt.body)  # a nested function runs in the same invocation
            return
        if isinstance(stmt, ast.Global):
            frame.globals_.update(stmt.names)
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return  # a docstring or a bare constant: nothing runs
        aliases = frame.module.aliases
        for expr in _header_exprs(stmt):
            nodes = list(_walk(expr))
            # The fallback of os.environ.get("X", "default") is configuration with a default, not a hard-coded value.
            defaults = {id(n.args[1]) for n in nodes if isinstance(n, ast.Call) and len(n.args) > 1
                        and qualname(n.func, aliases) in ("os.environ.get", "os.getenv")}
            for node in nodes:
                if isinstance(node, ast.Call):
                    self._call(frame, node, stmt)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in defaults:
                    self._literal(frame, node)
        self._bind(frame, stmt)
        if isinstance(stmt, _TRY) and frame.node is not None:
            for h in stmt.handlers:
                self._except(frame, h)
        for block in _blocks(stmt):
            self._block(frame, block)

    def _decorators(self, frame: _Frame, stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        """Decorators run when the def runs (at import for module-level functions)."""
        for d in stmt.decorator_list:
            for node in _walk(d):
                if isinstance(node, ast.Call):
                    self._call(frame, node, stmt)
            if not isinstance(d, ast.Call) and _last(qualname(d, frame.module.aliases)) in (
                    "idempotent", "idempotent_function") and self.out.idempotency is None:
                self.out.idempotency = Setting(self.ref(frame, d), str(_DEFAULT_IDEMPOTENCY_SECONDS))

    def _bind(self, frame: _Frame, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            obj = self.eval(frame, stmt.value)
            tainted = frame.node is not None and _reads_tainted(frame, stmt.value)
            for t in targets:
                for name_node in _walk(t):
                    if isinstance(name_node, ast.Name):
                        if tainted:
                            frame.tainted.add(name_node.id)
                        else:
                            frame.tainted.discard(name_node.id)
                if isinstance(t, ast.Name):
                    if obj is not None:
                        frame.env[t.id] = obj
                    else:
                        frame.env.pop(t.id, None)
                    if frame.node is None:
                        frame.module.names.add(t.id)
                if tainted and frame.node is not None:
                    self._global_write(frame, t, stmt)
            if frame.node is not None and isinstance(stmt.value, ast.Dict):
                self._response_dict(frame, stmt.value)
        elif isinstance(stmt, ast.AugAssign) and frame.node is not None:
            if _reads_tainted(frame, stmt.value):
                self._global_write(frame, stmt.target, stmt)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            if _reads_tainted(frame, stmt.iter):
                frame.tainted.update(_names_in(stmt.target))
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if isinstance(item.optional_vars, ast.Name):
                    ctx = item.context_expr
                    obj = self.eval(frame, ctx)
                    if (isinstance(ctx, ast.Call) and isinstance(ctx.func, ast.Attribute)
                            and ctx.func.attr == "batch_writer"):
                        obj = Obj("batch_writer")
                    if obj is not None:
                        frame.env[item.optional_vars.id] = obj
                    if _reads_tainted(frame, ctx):
                        frame.tainted.add(item.optional_vars.id)
        elif isinstance(stmt, ast.Return) and stmt.value is not None and frame.node is not None:
            for node in _walk_no_defs(stmt.value):
                if isinstance(node, ast.Dict):
                    self._response_dict(frame, node)

    def _is_module_name(self, frame: _Frame, name: str) -> bool:
        bound = frame.module.env.get(name)
        if bound is not None and bound.kind != "str":
            return False  # an SDK object, not a container of data
        return name in frame.module.names and name not in frame.env and (
            name in frame.globals_ or not self._assigned_locally(frame, name))

    def _assigned_locally(self, frame: _Frame, name: str) -> bool:
        if frame.node is None:
            return False
        if frame.locals_ is None:
            frame.locals_ = {n.id for n in _walk_no_defs(frame.node) if isinstance(n, ast.Name)
                             and isinstance(n.ctx, ast.Store)} | {
                a.arg for a in _walk(frame.node.args) if isinstance(a, ast.arg)}
        return name in frame.locals_

    def _global_write(self, frame: _Frame, target: ast.expr, stmt: ast.stmt) -> None:
        where: str | None = None
        if isinstance(target, ast.Name) and target.id in frame.globals_:
            where = target.id
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and self._is_module_name(
                frame, target.value.id):
            where = f"{target.value.id}[...]"
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and (
                target.value.id == "cls" or target.value.id in frame.module.classes):
            where = f"{target.value.id}.{target.attr}"
        if where:
            ref = self.ref(frame, stmt)
            self.out.global_writes[(ref.file, ref.line)] = GlobalWrite(ref, where)

    # -- calls ----------------------------------------------------------------------------------------------------
    def ref(self, frame: _Frame, node: ast.AST) -> SourceRef:
        p = frame.module.parsed
        return SourceRef(p.file, getattr(node, "lineno", 1) + p.line_offset, getattr(node, "col_offset", 0) + 1)

    def _call(self, frame: _Frame, call: ast.Call, stmt: ast.stmt) -> None:
        aliases = frame.module.aliases
        q = qualname(call.func, aliases)
        func = call.func
        name = _last(q) if q else (func.attr if isinstance(func, ast.Attribute) else
                                    func.id if isinstance(func, ast.Name) else "")
        if q in ("boto3.client", "boto3.resource") or (
                isinstance(func, ast.Attribute) and func.attr in ("client", "resource")
                and (base := self.eval(frame, func.value)) is not None and base.kind == "session"):
            service = _str_const(_arg(call, 0, "service_name")) or "?"
            self._creation(frame, "client", f"boto3.{_last(q) or getattr(func, 'attr', 'client')}('{service}')",
                           call, stmt)
        elif q in _CONNECTIONS:
            self._creation(frame, "connection", q or "", call, stmt)
        if name in _BATCH_UTILITIES:
            self.out.batch_utility = True
        if name in _REMOVALS or q in _REMOVALS or (isinstance(func, ast.Attribute) and func.attr in (
                "unlink", "rmtree", "cleanup")):
            frame.removes = True
        if name == "getattr" and call.args:
            first = self.eval(frame, call.args[0])
            if first is not None and first.kind in ("client", "service_resource", "sub"):
                self.out.complete = False
        self._log_level(frame, call, q)
        self._idempotency(frame, call, q)
        self._tmp_write(frame, call, q)
        if isinstance(func, ast.Attribute):
            base = self.eval(frame, func.value)
            if base is not None:
                self._sdk(frame, call, base, func.attr, stmt)
        if (isinstance(func, ast.Attribute) and func.attr in _MUTATORS and frame.node is not None
                and isinstance(func.value, ast.Name) and self._is_module_name(frame, func.value.id)
                and any(_reads_tainted(frame, a) for a in [*call.args, *(k.value for k in call.keywords)])):
            ref = self.ref(frame, call)
            self.out.global_writes[(ref.file, ref.line)] = GlobalWrite(ref, f"{func.value.id}.{func.attr}()")
        self._follow(frame, call)

    def _creation(self, frame: _Frame, kind: str, what: str, call: ast.Call, stmt: ast.stmt) -> None:
        per_invocation = frame.per_invocation and not frame.cached and not self._persisted(frame, stmt)
        ref = self.ref(frame, call)
        key = (ref.file, ref.line, ref.column)
        prev = self.out.creations.get(key)
        if prev is None or (per_invocation and not prev.per_invocation):
            self.out.creations[key] = Creation(kind, what, ref, per_invocation)  # type: ignore[arg-type]

    def _persisted(self, frame: _Frame, stmt: ast.stmt) -> bool:
        """The result is kept across invocations: assigned to a global, a module-level cache or an attribute."""
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            return False
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for t in targets:
            if isinstance(t, ast.Name) and t.id in frame.globals_:
                return True
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and self._is_module_name(
                    frame, t.value.id):
                return True
            if isinstance(t, ast.Attribute):
                return True
        return False

    def _sdk(self, frame: _Frame, call: ast.Call, base: Obj, attr: str, stmt: ast.stmt) -> None:
        ops: tuple[str, ...] = ()
        resource: ArgValue | None = base.resource
        service = base.service
        if base.kind == "client":
            if attr == "generate_presigned_url":
                method = _str_const(_arg(call, 0, "ClientMethod"))
                op = sdk.operation_for(service, method) if method else None
                ops = (op,) if op else ()
                params = _arg(call, 1, "Params")
                if isinstance(params, ast.Dict):
                    for k, v in zip(params.keys, params.values, strict=False):
                        if _str_const(k) in sdk.RESOURCE_ARGS.get(service, ()):
                            resource = self.arg_value(frame, v)
            elif attr in sdk.CLIENT_PLUMBING:
                return
            elif (service, attr) in sdk.CLIENT_HELPERS:
                ops = sdk.CLIENT_HELPERS[(service, attr)]
                pos = sdk.TRANSFER_POSITIONS.get(attr)
                resource = self.arg_value(frame, _arg(call, pos[0], "Bucket") if pos else _kwarg(call, "Bucket"))
            else:
                op = sdk.operation_for(service, attr)
                if op is None:
                    return
                ops = (op,)
                resource = self._resource_kwarg(frame, call, service)
        elif base.kind == "paginator" and attr == "paginate":
            if not base.op:
                self.out.complete = False
                return
            ops = (base.op,)
            resource = self._resource_kwarg(frame, call, service)
        elif base.kind == "service_resource":
            if (service, attr) in sdk.SUBRESOURCES:
                return
            op = sdk.operation_for(service, attr)
            ops = (op,) if op else ()
        elif base.kind == "sub":
            ops = sdk.SUBRESOURCE_METHODS.get(base.sub, {}).get(attr, ())
        elif base.kind == "collection" and attr in ("all", "filter", "limit", "page_size", "pages", "delete"):
            ops = ("DeleteObjects",) if attr == "delete" else (base.op,)
        if not ops:
            return
        ref = self.ref(frame, call)
        itype = self.arg_value(frame, _kwarg(call, "InvocationType")) if service == "lambda" else None
        if service == "lambda" and _kwarg(call, "InvocationType") is not None and itype is None:
            itype = ArgValue()  # set, but not to anything the AST tells
        for op in ops:
            self.out.sdk_calls[(ref.line, ref.column, f"{ref.file}|{op}")] = SdkCall(
                service, op, attr, ref, resource, itype, sdk.iam_requirements(service, op))
            if (service, op) in sdk.SECRET_FETCHES:
                self._creation(frame, "secret", f"{service}.{attr}", call, stmt)
            if (base.kind != "sub" and resource is not None and resource.literal
                    and not resource.literal.startswith(("arn:", "http"))):
                self._resource_literal(frame, call, resource.literal)

    def _resource_literal(self, frame: _Frame, call: ast.Call, literal: str) -> None:
        ref = self.ref(frame, call)
        self.out.literals[(ref.file, ref.line, "resource-name")] = HardcodedValue(ref, "resource-name", literal)

    def _resource_kwarg(self, frame: _Frame, call: ast.Call, service: str) -> ArgValue | None:
        for key in sdk.RESOURCE_ARGS.get(service, ()):
            v = _kwarg(call, key)
            if v is not None:
                return self.arg_value(frame, v)
        return None

    def _follow(self, frame: _Frame, call: ast.Call) -> None:
        """Queue the project functions this call reaches, carrying taint and SDK objects in their parameters."""
        func = call.func
        target_mod: Module | None = None
        target: FuncNode | None = None
        cls_name: str | None = None
        if isinstance(func, ast.Name):
            found = self.lookup(frame, func.id)
            if found is not None and found.kind == "factory":
                target_mod = self.modules.get(found.module)
                target = target_mod.functions.get(found.op) if target_mod else None
            elif func.id in frame.module.classes:
                self._instantiate(frame, frame.module, frame.module.classes[func.id])
                return
            elif (imp := self.imported(frame.module, func.id)) and imp[1] in imp[0].classes:
                self._instantiate(frame, imp[0], imp[0].classes[str(imp[1])])
                return
        elif isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Name) and func.value.id in ("self", "cls") and frame.cls:
                cls = frame.module.classes.get(frame.cls)
                target = next((n for n in (cls.body if cls else []) if isinstance(n, (ast.FunctionDef,
                               ast.AsyncFunctionDef)) and n.name == func.attr), None)
                target_mod, cls_name = frame.module, frame.cls
            else:
                base = self.eval(frame, func.value)
                if base is not None and base.kind == "module":
                    target_mod = self.modules.get(base.module)
                    if target_mod and func.attr in target_mod.classes:
                        self._instantiate(frame, target_mod, target_mod.classes[func.attr])
                        return
                    target = target_mod.functions.get(func.attr) if target_mod else None
        if target is None or target_mod is None:
            self._escapes(frame, call)
            return
        callee = _Frame(target_mod, target, cls_name, per_invocation=frame.per_invocation)
        params = [a.arg for a in target.args.posonlyargs + target.args.args]
        if cls_name and params:
            params = params[1:]
        for i, a in enumerate(call.args):
            if i < len(params):
                self._pass_arg(frame, callee, params[i], a)
        for k in call.keywords:
            if k.arg:
                self._pass_arg(frame, callee, k.arg, k.value)
        self.enqueue(callee)

    def _pass_arg(self, frame: _Frame, callee: _Frame, param: str, value: ast.expr) -> None:
        if frame.node is not None and _reads_tainted(frame, value):
            callee.tainted.add(param)
        obj = self.eval(frame, value)
        if obj is not None:
            callee.env[param] = obj

    def _escapes(self, frame: _Frame, call: ast.Call) -> None:
        """An SDK object handed to code the analysis cannot follow: its calls are unknown."""
        for a in [*call.args, *(k.value for k in call.keywords)]:
            if isinstance(a, ast.Name):
                obj = self.lookup(frame, a.id)
                if obj is not None and obj.kind in ("client", "service_resource", "sub"):
                    self.out.complete = False

    def _instantiate(self, frame: _Frame, mod: Module, cls: ast.ClassDef) -> None:
        for node in cls.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.enqueue(_Frame(mod, node, cls.name, per_invocation=frame.per_invocation))

    def enqueue(self, frame: _Frame) -> None:
        assert frame.node is not None
        key = (frame.module.path, id(frame.node), frame.per_invocation)
        if key in self.seen:
            return
        self.seen.add(key)
        self.queue.append((frame, frame.node))

    def run(self) -> None:
        while self.queue:
            frame, node = self.queue.popleft()
            frame.cached = any(_last(qualname(d.func if isinstance(d, ast.Call) else d, frame.module.aliases)
                                     or (d.id if isinstance(d, ast.Name) else getattr(d, "attr", "")))
                               in _CACHE_DECORATORS for d in node.decorator_list)
            start = len(self.out.tmp)
            self._block(frame, node.body)
            if frame.removes:
                self.out.tmp[start:] = [replace(w, cleaned=True) for w in self.out.tmp[start:]]

    # -- specific facts ---------------------------------------------------------------------------------------
    def _literal(self, frame: _Frame, node: ast.Constant) -> None:
        text = str(node.value)
        if len(text) > 2048:
            return
        kind = ("arn" if _ARN.match(text) else "account-id" if _ACCOUNT.match(text) else
                "endpoint" if _ENDPOINT.match(text) else None)
        if kind:
            ref = self.ref(frame, node)
            self.out.literals[(ref.file, ref.line, kind)] = HardcodedValue(ref, kind, text)  # type: ignore[arg-type]

    def _log_level(self, frame: _Frame, call: ast.Call, q: str | None) -> None:
        func = call.func
        level: ast.expr | None = None
        if isinstance(func, ast.Attribute) and func.attr == "setLevel":
            level = _arg(call, 0, "level")
        elif q in ("logging.basicConfig",) or (_last(q) == "Logger" and q and q.startswith("aws_lambda_powertools")):
            level = _kwarg(call, "level")
        if level is None:
            return
        text: str | None = None
        if isinstance(level, ast.Constant):
            text = {10: "DEBUG", 5: "TRACE"}.get(level.value) if isinstance(level.value, int) else str(
                level.value).upper()
        elif isinstance(level, ast.Attribute) and qualname(level, frame.module.aliases) in (
                "logging.DEBUG", "logging.NOTSET"):
            text = level.attr
        if text in _VERBOSE_LEVELS:
            ref = self.ref(frame, call)
            self.out.log_levels[(ref.file, ref.line)] = Setting(ref, _VERBOSE_LEVELS[text])

    def _idempotency(self, frame: _Frame, call: ast.Call, q: str | None) -> None:
        name = _last(q) if q else ""
        if name == "IdempotencyConfig":
            v = _kwarg(call, "expires_after_seconds")
            seconds = v.value if isinstance(v, ast.Constant) and isinstance(v.value, int) else (
                _DEFAULT_IDEMPOTENCY_SECONDS if v is None else None)
            if seconds is not None:
                self.out.idempotency = Setting(self.ref(frame, call), str(seconds))
        elif (name in ("idempotent", "idempotent_function") and self.out.idempotency is None
              and _kwarg(call, "config") is None):
            self.out.idempotency = Setting(self.ref(frame, call), str(_DEFAULT_IDEMPOTENCY_SECONDS))

    def _tmp_write(self, frame: _Frame, call: ast.Call, q: str | None) -> None:
        func = call.func
        what: str | None = None
        unique = False
        if (isinstance(func, ast.Name) and func.id == "open") or q in ("io.open", "builtins.open"):
            path = self.eval(frame, _arg(call, 0, "file"))
            mode = _str_const(_arg(call, 1, "mode")) or "r"
            if path is not None and path.tmp and any(c in mode for c in "wax+"):
                what, unique = f"open(..., {mode!r})", path.unique or "a" in mode
        elif q in ("tempfile.mkstemp", "tempfile.mkdtemp"):
            what, unique = f"{q}()", True
        elif q == "tempfile.NamedTemporaryFile":
            delete = _kwarg(call, "delete")
            if isinstance(delete, ast.Constant) and delete.value is False:
                what, unique = "NamedTemporaryFile(delete=False)", True
        elif (isinstance(func, ast.Attribute) and func.attr in ("download_file", "download_fileobj")) or q in (
                "urllib.request.urlretrieve", "shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move"):
            attr = func.attr if isinstance(func, ast.Attribute) else ""
            index = {"download_file": 2}.get(attr, 1)
            if attr == "download_file" and isinstance(func, ast.Attribute):
                base = self.eval(frame, func.value)
                index = {"Bucket": 1, "Object": 0}.get(base.sub, 2) if base is not None and base.kind == "sub" else 2
            path = self.eval(frame, _arg(call, index, "Filename" if attr else None))
            if path is not None and path.tmp:
                what, unique = f"{attr or q}()", path.unique
        elif isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes", "touch"):
            path = self.eval(frame, func.value)
            if path is not None and path.tmp:
                what, unique = f"{func.attr}()", path.unique
        if what:
            self.out.tmp.append(TmpWrite(self.ref(frame, call), what, unique, cleaned=False))

    def _except(self, frame: _Frame, h: ast.ExceptHandler) -> None:
        caught = ast.unparse(h.type) if h.type is not None else ""
        names = [caught] if h.type is None else [
            ast.unparse(e) for e in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type])]
        broad = h.type is None or any(n in _BROAD or _last(n) in _BROAD for n in names)
        ref = self.ref(frame, h)
        self.out.excepts[(ref.file, ref.line)] = ExceptClause(ref, caught, broad, self._except_action(h))

    def _except_action(self, h: ast.ExceptHandler) -> ExceptAction:
        action: ExceptAction = "pass"
        for stmt in h.body:
            if any(isinstance(n, ast.Raise) for n in _walk_no_defs(stmt)):
                return "reraise"
        for stmt in h.body:
            if isinstance(stmt, (ast.Pass, ast.Continue, ast.Break)) or (
                    isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                continue
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and self._is_log_call(stmt.value):
                action = "log"
                continue
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(
                    stmt.value.func, ast.Attribute) and stmt.value.func.attr in ("append", "add", "extend"):
                if self._records_failure(stmt.value):
                    return "record-failure"
                return "other"
            if isinstance(stmt, ast.Return):
                value = stmt.value
                if value is None or (isinstance(value, ast.Constant) and value.value in (None, True)):
                    action = "return-success"
                    continue
                d = value if isinstance(value, ast.Dict) else None
                if d is not None:
                    if "batchItemFailures" in _dict_keys(d):
                        return "record-failure"
                    code = _status_code(d)
                    if code is True or (isinstance(code, int) and code >= 400):
                        return "return-error"
                    if isinstance(code, int):
                        action = "return-success"
                        continue
                return "other"
            return "other"
        return action

    def _is_log_call(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            return func.id == "print"
        return isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS

    @staticmethod
    def _records_failure(call: ast.Call) -> bool:
        target = call.func.value if isinstance(call.func, ast.Attribute) else None
        target_name = ast.unparse(target).lower() if target is not None else ""
        if "fail" in target_name or "error" in target_name:
            return True
        return any(isinstance(a, ast.Dict) and "itemIdentifier" in _dict_keys(a) for a in call.args)

    def _response_dict(self, frame: _Frame, d: ast.Dict) -> None:
        for k, v in zip(d.keys, d.values, strict=False):
            if isinstance(k, ast.Constant) and k.value == "batchItemFailures":
                self.out.batch_failures = self.out.batch_failures or self.ref(frame, d)
                self._batch_items(frame, v)

    def _batch_items(self, frame: _Frame, value: ast.expr) -> None:
        dicts: list[ast.Dict] = []
        if isinstance(value, (ast.List, ast.ListComp)):
            dicts = [n for n in _walk(value) if isinstance(n, ast.Dict)]
        elif isinstance(value, ast.Name) and frame.node is not None:
            for node in _walk_no_defs(frame.node):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == value.id):
                    dicts += [a for a in node.args if isinstance(a, ast.Dict)]
                    dicts += [n for a in node.args if isinstance(a, (ast.List, ast.ListComp))
                              for n in _walk(a) if isinstance(n, ast.Dict)]
                elif isinstance(node, (ast.Assign, ast.AugAssign)) and value.id in {
                        n.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                        for n in _walk(t) if isinstance(n, ast.Name)}:
                    dicts += [n for n in _walk(node.value) if isinstance(n, ast.Dict)]
        for d in dicts:
            keys = tuple(_dict_keys(d))
            if keys:
                ref = self.ref(frame, d)
                self.out.batch_items[(ref.file, ref.line)] = BatchItem(ref, keys)


# -- the handler itself -------------------------------------------------------------------------------------------
def _risky(stmt: ast.stmt) -> bool:
    return any(isinstance(n, (ast.Call, ast.Subscript, ast.Raise, ast.Await)) for e in _header_exprs(stmt)
               for n in _walk(e)) or isinstance(stmt, ast.Raise)


def _catch_all(h: ast.ExceptHandler) -> bool:
    if h.type is None:
        return True
    names = [ast.unparse(e) for e in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type])]
    return any(_last(n) in ("Exception", "BaseException") for n in names)


def _first_unprotected(stmts: list[ast.stmt], protected: bool, raises_only: bool) -> ast.stmt | None:
    for stmt in stmts:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, _TRY):
            inner = protected or any(_catch_all(h) for h in stmt.handlers)
            found = _first_unprotected(stmt.body, inner, raises_only)
            # Inside an except or finally block, only an explicit raise counts: the block already handles the error.
            for h in stmt.handlers:
                found = found or _first_unprotected(h.body, protected, True)
            found = found or _first_unprotected(stmt.orelse, protected, raises_only)
            found = found or _first_unprotected(stmt.finalbody, protected, True)
            if found:
                return found
            continue
        if not protected:
            if isinstance(stmt, ast.Raise):
                return stmt
            if not raises_only and _risky(stmt):
                return stmt
        for block in _blocks(stmt):
            found = _first_unprotected(block, protected, raises_only)
            if found:
                return found
    return None


def _decorator_name(d: ast.expr) -> str:
    node = d.func if isinstance(d, ast.Call) else d
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _with_handler_shape(facts: CodeFacts, mod: Module, node: FuncNode) -> CodeFacts:
    """What only the handler itself tells: how it returns, and whether an exception can leave it."""
    framework = any(_decorator_name(d) not in _TRANSPARENT_DECORATORS for d in node.decorator_list)
    unknown = False
    for n in _walk_no_defs(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in (
                "resolve", "handle_request", "handle", "dispatch"):
            framework = True
        elif isinstance(n, ast.Return) and isinstance(n.value, ast.Call):
            f = n.value.func
            local = isinstance(f, ast.Name) and (f.id in mod.functions or f.id in mod.local_imports)
            if not local and _last(qualname(f, mod.aliases) or "") not in _BATCH_UTILITIES and not (
                    isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in mod.local_imports):
                unknown = True
    hit = _first_unprotected(node.body, False, raises_only=True) or _first_unprotected(node.body, False, False)
    unprotected = None if hit is None else SourceRef(
        mod.parsed.file, hit.lineno + mod.parsed.line_offset, hit.col_offset + 1)
    return replace(facts, returns_unknown=unknown, error_framework=framework, unprotected=unprotected,
                   unprotected_raise=isinstance(hit, ast.Raise))


def analyze_handler(cache: ProjectCache, parsed: ParsedModule, function_id: str, handler: str) -> CodeFacts:
    an = Analyzer(cache)
    mod = an.module_for(parsed)
    node = mod.functions.get(handler)
    imp = an.imported(mod, handler) if node is None else None
    if imp is not None and imp[1] in imp[0].functions:  # from .api import handler
        mod, node = imp[0], imp[0].functions[str(imp[1])]
        parsed = mod.parsed
    if node is None:  # an adapter object (Mangum(app)), a lambda, a name we cannot follow
        facts = _facts(an, function_id, parsed.file, handler, None)
        return replace(facts, complete=False, returns_unknown=True, error_framework=True)
    frame = _Frame(mod, node, None, per_invocation=True)
    params = [a.arg for a in node.args.posonlyargs + node.args.args]
    if params:
        frame.tainted.add(params[0])
    an.enqueue(frame)
    an.run()
    def_ref = SourceRef(parsed.file, node.lineno + parsed.line_offset, node.col_offset + 1)
    return _with_handler_shape(_facts(an, function_id, parsed.file, handler, def_ref), mod, node)


def _facts(an: Analyzer, function_id: str, file: str, handler: str, def_ref: SourceRef | None) -> CodeFacts:
    out = an.out
    return CodeFacts(
        function=function_id, file=file, handler=handler, def_ref=def_ref,
        files=tuple(sorted(an.modules)),
        sdk_calls=tuple(out.sdk_calls[k] for k in sorted(out.sdk_calls, key=lambda k: (k[2], k[0], k[1]))),
        creations=tuple(out.creations[k] for k in sorted(out.creations)),
        excepts=tuple(out.excepts[k] for k in sorted(out.excepts)),
        tmp_writes=tuple(sorted(out.tmp, key=lambda w: (w.ref.file, w.ref.line))),
        global_writes=tuple(out.global_writes[k] for k in sorted(out.global_writes)),
        returns_batch_failures=out.batch_failures,
        batch_items=tuple(out.batch_items[k] for k in sorted(out.batch_items)),
        batch_utility=out.batch_utility,
        idempotency=out.idempotency,
        log_levels=tuple(out.log_levels[k] for k in sorted(out.log_levels)),
        literals=tuple(out.literals[k] for k in sorted(out.literals)),
        complete=out.complete,
    )
