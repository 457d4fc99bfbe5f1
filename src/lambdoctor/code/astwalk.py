"""Small, fast questions asked of Python's AST: qualified names, call arguments, nested blocks, a walk that
skips what the analysis never needs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator


def qualname(expr: ast.expr, aliases: dict[str, str]) -> str | None:
    """``boto3.client`` for ``boto3.client`` or for ``client`` after ``from boto3 import client``."""
    if isinstance(expr, ast.Name):
        return aliases.get(expr.id)
    if isinstance(expr, ast.Attribute):
        base = qualname(expr.value, aliases)
        return f"{base}.{expr.attr}" if base else None
    return None


def last_name(name: str | None) -> str:
    return (name or "").rsplit(".", 1)[-1]


def str_const(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def keyword_arg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def call_arg(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    if name is not None:
        found = keyword_arg(call, name)
        if found is not None:
            return found
    return call.args[index] if len(call.args) > index and not isinstance(call.args[index], ast.Starred) else None


def header_exprs(stmt: ast.stmt) -> list[ast.expr]:
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


TRY_NODES = (ast.Try, getattr(ast, "TryStar", ast.Try))  # try/except* is Python 3.11+


COMPOUND_NODES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, *TRY_NODES, ast.Match,
             ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def nested_blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement blocks nested in a statement (empty for simple statements, the common case)."""
    if not isinstance(stmt, COMPOUND_NODES):
        return []
    if isinstance(stmt, ast.Match):
        return [case.body for case in stmt.cases]
    out: list[list[ast.stmt]] = [stmt.body]
    orelse = getattr(stmt, "orelse", None)
    if orelse:
        out.append(orelse)
    if isinstance(stmt, TRY_NODES):
        out += [h.body for h in stmt.handlers]
        if stmt.finalbody:
            out.append(stmt.finalbody)
    return out


def all_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included (imports can sit in functions and try blocks); no expressions."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        for block in nested_blocks(stmt):
            stack.extend(reversed(block))


DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def fast_walk(node: ast.AST, into_defs: bool = True) -> Iterator[ast.AST]:
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
                    if isinstance(x, ast_type) and (into_defs or not isinstance(x, DEF_NODES)):
                        stack.append(x)
            elif isinstance(v, ast_type) and name != "ctx" and (into_defs or not isinstance(v, DEF_NODES)):
                stack.append(v)


def walk_no_defs(node: ast.AST) -> Iterator[ast.AST]:
    return fast_walk(node, into_defs=False)


def names_in(expr: ast.AST) -> set[str]:
    return {n.id for n in fast_walk(expr) if isinstance(n, ast.Name)}


def dict_keys(d: ast.Dict) -> list[str]:
    return [k.value for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]


def status_code_of(d: ast.Dict) -> int | bool | None:
    """The literal statusCode of a response dict; True when present but not literal; None when absent."""
    for k, v in zip(d.keys, d.values, strict=False):
        if isinstance(k, ast.Constant) and k.value == "statusCode":
            return v.value if isinstance(v, ast.Constant) and isinstance(v.value, int) else True
    return None
