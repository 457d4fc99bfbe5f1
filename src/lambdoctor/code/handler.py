"""Code facts for one handler: a walk over the AST of the handler and every project function it reaches.

What is followed: names bound to boto3 clients, resources and their objects (module scope, locals, ``self``
attributes, parameters of project functions, simple factory functions); project modules imported by the handler
(``import x``, ``from x import y``, relative and star imports); event-derived values (taint from the handler's
first parameter). What cannot be followed (``getattr``, a client handed to a third-party function, a service name
that is not a literal) makes :attr:`CodeFacts.complete` false, so rules that need the whole picture stay silent.

This module holds what only the handler itself tells (how it returns, whether an exception can leave it)
and the entry point, :func:`analyze_handler`.
"""

from __future__ import annotations

import ast
import json
from dataclasses import replace

from lambdoctor.code.astwalk import (
    TRY_NODES,
    fast_walk,
    header_exprs,
    last_name,
    nested_blocks,
    qualname,
    walk_no_defs,
)
from lambdoctor.code.scope import Frame, FuncNode, Module, ProjectCache
from lambdoctor.code.source import ParsedModule
from lambdoctor.code.vocabulary import (
    BATCH_UTILITIES,
    LOG_METHODS,
    TRANSPARENT_DECORATORS,
)
from lambdoctor.code.walk import Analyzer
from lambdoctor.facts import (
    CodeFacts,
)
from lambdoctor.model import SourceRef


# -- the handler itself -------------------------------------------------------------------------------------------
def _risky(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Raise):
        return True
    for e in header_exprs(stmt):
        skip: set[int] = set()
        for n in fast_walk(e):
            if id(n) in skip:
                continue
            if isinstance(n, ast.Call) and _serializes_a_literal(n):
                skip.update(id(x) for x in fast_walk(n))
            elif isinstance(n, ast.Call) and _logs(n):
                continue  # logging reports its own errors (Handler.handleError); its arguments are still walked
            elif isinstance(n, (ast.Call, ast.Subscript, ast.Raise, ast.Await)):
                return True
    return False


def _logs(call: ast.Call) -> bool:
    """``logger.info(...)``, ``logging.warning(...)``, ``print(...)``: the usual first line of a handler."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    return isinstance(func, ast.Attribute) and func.attr in LOG_METHODS and func.attr != "print_exc"


def _serializes_a_literal(call: ast.Call) -> bool:
    """``json.dumps({"ok": True})``: serializing a literal of str, numbers, booleans, None, lists and dicts
    cannot raise, so a handler that only returns it has nothing to catch."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "dumps"
            and isinstance(call.func.value, ast.Name) and call.func.value.id == "json"):
        return False
    if len(call.args) != 1 or any(k.arg is None for k in call.keywords) or len(str(ast.dump(call))) > 65_536:
        return False
    try:  # literal values only, never the user's code: a tuple key or a set is a literal json cannot serialize
        value = ast.literal_eval(call.args[0])
        options = {str(k.arg): ast.literal_eval(k.value) for k in call.keywords}
        json.dumps(value, **options)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _catch_all(h: ast.ExceptHandler) -> bool:
    if h.type is None:
        return True
    names = [ast.unparse(e) for e in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type])]
    return any(last_name(n) in ("Exception", "BaseException") for n in names)


def _first_unprotected(stmts: list[ast.stmt], protected: bool, raises_only: bool) -> ast.stmt | None:
    for stmt in stmts:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, TRY_NODES):
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
        for block in nested_blocks(stmt):
            found = _first_unprotected(block, protected, raises_only)
            if found:
                return found
    return None


def _decorator_name(d: ast.expr) -> str:
    node = d.func if isinstance(d, ast.Call) else d
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _with_handler_shape(facts: CodeFacts, mod: Module, node: FuncNode) -> CodeFacts:
    """What only the handler itself tells: how it returns, and whether an exception can leave it."""
    framework = any(_decorator_name(d) not in TRANSPARENT_DECORATORS for d in node.decorator_list)
    unknown = False
    for n in walk_no_defs(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in (
                "resolve", "handle_request", "handle", "dispatch"):
            framework = True
        elif isinstance(n, ast.Return) and isinstance(n.value, ast.Call):
            f = n.value.func
            local = isinstance(f, ast.Name) and (f.id in mod.functions or f.id in mod.local_imports)
            if not local and last_name(qualname(f, mod.aliases) or "") not in BATCH_UTILITIES and not (
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
    frame = Frame(mod, node, None, per_invocation=True)
    an.handler_node = node
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
