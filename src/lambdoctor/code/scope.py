"""What the code analysis works on: the values it tracks (:class:`Obj`), a project module, a function's frame, the
facts collected so far, the parsed-file cache, and :class:`Scope`, the state and name lookups shared by its parts.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lambdoctor.code.astwalk import (
    fast_walk,
    names_in,
    walk_no_defs,
)
from lambdoctor.code.source import ParsedModule, read_file
from lambdoctor.facts import (
    ArgValue,
    BatchItem,
    Creation,
    ExceptClause,
    GlobalWrite,
    HardcodedValue,
    SdkCall,
    Setting,
    TmpWrite,
)
from lambdoctor.model import SourceRef
from lambdoctor.problems import Problem


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
class Frame:
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


def reads_tainted(frame: Frame, expr: ast.AST) -> bool:
    return bool(frame.tainted) and not frame.tainted.isdisjoint(names_in(expr))


class Scope:
    """The analysis's state and the name lookups every part of it asks.

    The parts are mixins over this state, in the order they need each other: ``values.Values`` evaluates
    expressions, ``detectors.Detectors`` records facts, ``imports.Imports`` reads project modules, and
    ``walk.Analyzer`` walks statements and follows calls.
    """

    def __init__(self, cache: ProjectCache) -> None:
        self.cache = cache
        self.modules: dict[str, Module] = {}
        self.loading: set[str] = set()
        self.out = Collector()
        self.seen: set[tuple[str, int, bool]] = set()
        self.queue: deque[tuple[Frame, FuncNode]] = deque()
        self.factories: set[int] = set()
        self.handler_node: FuncNode | None = None  # the handler's own def (its return value is Lambda's result)

    def imported(self, mod: Module, name: str) -> tuple[Module, str | None] | None:
        """The project module (and attribute) a local name was imported from."""
        entry = mod.local_imports.get(name)
        if entry is None:
            return None
        other = self._load(entry[0], mod.parsed.root)
        return (other, entry[1]) if other else None

    # -- expression evaluation --------------------------------------------------------------------------------
    def lookup(self, frame: Frame, name: str) -> Obj | None:
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

    def _is_module_name(self, frame: Frame, name: str) -> bool:
        bound = frame.module.env.get(name)
        if bound is not None and bound.kind != "str":
            return False  # an SDK object, not a container of data
        return name in frame.module.names and name not in frame.env and (
            name in frame.globals_ or not self._assigned_locally(frame, name))

    def _assigned_locally(self, frame: Frame, name: str) -> bool:
        if frame.node is None:
            return False
        if frame.locals_ is None:
            frame.locals_ = {n.id for n in walk_no_defs(frame.node) if isinstance(n, ast.Name)
                             and isinstance(n.ctx, ast.Store)} | {
                a.arg for a in fast_walk(frame.node.args) if isinstance(a, ast.arg)}
        return name in frame.locals_

    # -- calls ----------------------------------------------------------------------------------------------------
    def ref(self, frame: Frame, node: ast.AST) -> SourceRef:
        p = frame.module.parsed
        return SourceRef(p.file, getattr(node, "lineno", 1) + p.line_offset, getattr(node, "col_offset", 0) + 1)

    if TYPE_CHECKING:
        # Two methods the later parts define, declared here for the type checker only (at run time the class
        # that mixes every part in has them): reading a module runs its statements (walk.Analyzer._block), and
        # looking a name up may read the module it was imported from (imports.Imports._load).
        def _block(self, frame: Frame, stmts: list[ast.stmt]) -> None: ...

        def _load(self, path: str, root: str | None) -> Module | None: ...

