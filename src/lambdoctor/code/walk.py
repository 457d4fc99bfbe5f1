"""The walk over statements: bindings, calls and the project functions they reach (a queue of frames, each
function once per kind of frame), handing each call to the detectors.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from lambdoctor.code.astwalk import (
    TRY_NODES,
    call_arg,
    fast_walk,
    header_exprs,
    last_name,
    names_in,
    nested_blocks,
    qualname,
    str_const,
    walk_no_defs,
)
from lambdoctor.code.detectors import Detectors
from lambdoctor.code.imports import Imports
from lambdoctor.code.scope import Frame, FuncNode, Module, Obj, reads_tainted
from lambdoctor.code.vocabulary import (
    BATCH_UTILITIES,
    CACHE_DECORATORS,
    CONNECTIONS,
    DEFAULT_IDEMPOTENCY_SECONDS,
    MUTATORS,
    REMOVALS,
)
from lambdoctor.facts import (
    GlobalWrite,
    Setting,
)


class Analyzer(Imports, Detectors):
    # -- statements ---------------------------------------------------------------------------------------------
    def _block(self, frame: Frame, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            self._stmt(frame, stmt)

    def _stmt(self, frame: Frame, stmt: ast.stmt) -> None:
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
        for expr in header_exprs(stmt):
            nodes = list(fast_walk(expr))
            # The fallback of os.environ.get("X", "default") is configuration with a default, not a hard-coded value.
            defaults = {id(n.args[1]) for n in nodes if isinstance(n, ast.Call) and len(n.args) > 1
                        and qualname(n.func, aliases) in ("os.environ.get", "os.getenv")}
            for node in nodes:
                if isinstance(node, ast.Call):
                    self._call(frame, node, stmt)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in defaults:
                    self._literal(frame, node)
        self._bind(frame, stmt)
        if isinstance(stmt, TRY_NODES) and frame.node is not None:
            for h in stmt.handlers:
                self._except(frame, h)
        for block in nested_blocks(stmt):
            self._block(frame, block)

    def _decorators(self, frame: Frame, stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        """Decorators run when the def runs (at import for module-level functions)."""
        for d in stmt.decorator_list:
            for node in fast_walk(d):
                if isinstance(node, ast.Call):
                    self._call(frame, node, stmt)
            if not isinstance(d, ast.Call) and last_name(qualname(d, frame.module.aliases)) in (
                    "idempotent", "idempotent_function") and self.out.idempotency is None:
                self.out.idempotency = Setting(self.ref(frame, d), str(DEFAULT_IDEMPOTENCY_SECONDS))

    def _bind(self, frame: Frame, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            obj = self.eval(frame, stmt.value)
            tainted = frame.node is not None and reads_tainted(frame, stmt.value)
            for t in targets:
                for name_node in fast_walk(t):
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
            if frame.node is not None:
                self._response_assign(frame, targets, stmt.value)
        elif isinstance(stmt, ast.AugAssign) and frame.node is not None:
            if reads_tainted(frame, stmt.value):
                self._global_write(frame, stmt.target, stmt)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            if reads_tainted(frame, stmt.iter):
                frame.tainted.update(names_in(stmt.target))
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
                    if reads_tainted(frame, ctx):
                        frame.tainted.add(item.optional_vars.id)
        elif isinstance(stmt, ast.Return) and stmt.value is not None and frame.node is not None:
            for node in walk_no_defs(stmt.value):
                if isinstance(node, ast.Dict):
                    self._response_dict(frame, node)

    def _global_write(self, frame: Frame, target: ast.expr, stmt: ast.stmt) -> None:
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

    def _call(self, frame: Frame, call: ast.Call, stmt: ast.stmt) -> None:
        aliases = frame.module.aliases
        q = qualname(call.func, aliases)
        func = call.func
        name = last_name(q) if q else (func.attr if isinstance(func, ast.Attribute) else
                                    func.id if isinstance(func, ast.Name) else "")
        if q in ("boto3.client", "boto3.resource") or (
                isinstance(func, ast.Attribute) and func.attr in ("client", "resource")
                and (base := self.eval(frame, func.value)) is not None and base.kind == "session"):
            service = str_const(call_arg(call, 0, "service_name")) or "?"
            self._creation(frame, "client", f"boto3.{last_name(q) or getattr(func, 'attr', 'client')}('{service}')",
                           call, stmt)
        elif q in CONNECTIONS:
            self._creation(frame, "connection", q or "", call, stmt)
        if name in BATCH_UTILITIES:
            self.out.batch_utility = True
        if name in REMOVALS or q in REMOVALS or (isinstance(func, ast.Attribute) and func.attr in (
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
        if (isinstance(func, ast.Attribute) and func.attr in MUTATORS and frame.node is not None
                and isinstance(func.value, ast.Name) and self._is_module_name(frame, func.value.id)
                and any(reads_tainted(frame, a) for a in [*call.args, *(k.value for k in call.keywords)])):
            ref = self.ref(frame, call)
            self.out.global_writes[(ref.file, ref.line)] = GlobalWrite(ref, f"{func.value.id}.{func.attr}()")
        self._follow(frame, call)

    def _follow(self, frame: Frame, call: ast.Call) -> None:
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
        callee = Frame(target_mod, target, cls_name, per_invocation=frame.per_invocation)
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

    def _pass_arg(self, frame: Frame, callee: Frame, param: str, value: ast.expr) -> None:
        if frame.node is not None and reads_tainted(frame, value):
            callee.tainted.add(param)
        obj = self.eval(frame, value)
        if obj is not None:
            callee.env[param] = obj

    def _escapes(self, frame: Frame, call: ast.Call) -> None:
        """An SDK object handed to code the analysis cannot follow: its calls are unknown."""
        for a in [*call.args, *(k.value for k in call.keywords)]:
            if isinstance(a, ast.Name):
                obj = self.lookup(frame, a.id)
                if obj is not None and obj.kind in ("client", "service_resource", "sub"):
                    self.out.complete = False

    def _instantiate(self, frame: Frame, mod: Module, cls: ast.ClassDef) -> None:
        for node in cls.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.enqueue(Frame(mod, node, cls.name, per_invocation=frame.per_invocation))

    def enqueue(self, frame: Frame) -> None:
        assert frame.node is not None
        key = (frame.module.path, id(frame.node), frame.per_invocation)
        if key in self.seen:
            return
        self.seen.add(key)
        self.queue.append((frame, frame.node))

    def run(self) -> None:
        while self.queue:
            frame, node = self.queue.popleft()
            frame.cached = any(last_name(qualname(d.func if isinstance(d, ast.Call) else d, frame.module.aliases)
                                     or (d.id if isinstance(d, ast.Name) else getattr(d, "attr", "")))
                               in CACHE_DECORATORS for d in node.decorator_list)
            start = len(self.out.tmp)
            self._block(frame, node.body)
            if frame.removes:
                self.out.tmp[start:] = [replace(w, cleaned=True) for w in self.out.tmp[start:]]
