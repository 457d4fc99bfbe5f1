"""HCL (Terraform) files: parsed by python-hcl2's grammar into blocks and attributes that keep their lines, and
expressions evaluated statically.

Evaluation never guesses: a reference to a resource attribute stays a :class:`Ref` (so a rule can follow
``aws_sqs_queue.jobs.arn`` back to the queue), a string built around references is a :class:`Tmpl`, and anything
that needs the cloud or the plan (``data.aws_caller_identity``, ``timestamp()``, an unknown variable) is
:data:`UNKNOWN`.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from lambdoctor.loaders.decode import BudgetExceeded
from lambdoctor.model import UNKNOWN, Unknown

TTree = Tree[Any]

MAX_TF_BYTES = 5 * 1024 * 1024


# Budgets of evaluation (docs/security.md): a value that grows past one of them ends the module's modelling with a
# located SYS000 instead of growing without bound (strings doubled through locals, concat() of a list with itself,
# format("%999999999d"), an integer squared forty times).
MAX_VALUE_CHARS = 1024 * 1024
MAX_VALUE_ITEMS = 100_000
MAX_INT_BITS = 4096
MAX_FORMAT_WIDTH = 10_000


def _position(t: Any) -> tuple[int, int]:
    """(line, column) of a token or tree; looked up only for a message (a tree's ``meta`` is made on first use)."""
    meta = t if isinstance(t, Token) else getattr(t, "meta", None)
    return (getattr(meta, "line", None) or 1, getattr(meta, "column", None) or 1)


def _over_budget(value: Any) -> str | None:
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return f"a string of more than {MAX_VALUE_CHARS:,} characters"
    if isinstance(value, (list, dict)) and len(value) > MAX_VALUE_ITEMS:
        return f"a collection of more than {MAX_VALUE_ITEMS:,} elements"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        return f"an integer of more than {MAX_INT_BITS:,} bits"
    return None


class EvalError(Unknown):
    """An expression that fails (a missing key, an index out of range): ``try()`` moves on to its next argument,
    where a merely unknown value (only known after apply) is kept."""

    _instance = None


ERROR = EvalError()


class HclError(Exception):
    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


@dataclass(frozen=True)
class Ref:
    """An attribute of a resource instance known only after apply (``aws_sqs_queue.jobs.arn``)."""

    address: str  # aws_sqs_queue.jobs, aws_sqs_queue.jobs[0], module.x.aws_lambda_function.this[0]
    attr: str


@dataclass(frozen=True)
class Tmpl:
    """A string with references in it: ``"${aws_s3_bucket.b.arn}/*"``."""

    parts: tuple[Any, ...]


@dataclass(frozen=True, eq=False)
class Obj:
    """A resource instance used as a value (``each.value`` over ``for_each = aws_sqs_queue.q``): its attributes
    are looked up when a step names one."""

    address: str
    attribute: Callable[[str], Any]


@dataclass(frozen=True)
class CodePath:
    """A local path of function code (``data.archive_file.x.output_path`` → its source folder)."""

    path: str


@dataclass
class Attr:
    expr: Any  # lark Tree
    line: int
    column: int
    file: str = ""


@dataclass
class Block:
    type: str
    labels: list[str]
    body: Body
    line: int
    column: int


@dataclass
class Body:
    file: str
    line: int
    column: int
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


# -- parsing ------------------------------------------------------------------------------------------------------
def _parser() -> Any:
    from hcl2.parser import parser

    return parser()


_HEREDOC_OPEN = re.compile(r"<<-?([A-Za-z_][\w-]*)\r?\n")


def _trim_heredoc_closers(text: str) -> str:
    """Terraform ends a heredoc at a line holding its marker and only whitespace after it; python-hcl2's grammar
    wants the newline right after the marker (python-hcl2 issue #343), so trailing spaces and tabs are dropped
    from each closing line. Line numbers do not change."""
    out: list[str] = []
    pos = 0
    for m in _HEREDOC_OPEN.finditer(text):
        if m.start() < pos:
            continue  # inside a heredoc already handled
        closer = re.compile(rf"^([ \t]*{re.escape(m.group(1))})[ \t]*(\r?)$", re.M).search(text, m.end())
        if closer is None:
            break  # unclosed: the parser says so
        out.append(text[pos:closer.start()])
        out.append(closer.group(1) + closer.group(2))
        pos = closer.end()
    return "".join(out) + text[pos:] if out else text


def parse_hcl(text: str, file: str) -> Body:
    """The top-level body of one .tf file; raises :class:`HclError` with a line."""
    if "\x00" in text:
        raise HclError("binary content (NUL byte)", text.count("\n", 0, text.index("\x00")) + 1)
    if "<<" in text:
        text = _trim_heredoc_closers(text)
    try:
        tree = _parser().parse(text if text.endswith("\n") else text + "\n")
    except UnexpectedEOF:
        raise HclError("unexpected end of file (an unclosed block or string?)", text.count("\n") + 1) from None
    except (UnexpectedCharacters, UnexpectedToken, UnexpectedInput) as exc:
        line = getattr(exc, "line", 1)
        column = getattr(exc, "column", 1)
        token = getattr(exc, "token", None)
        if token is None:
            what = "unexpected character"
        elif not str(token).strip() or str(token)[:1] in "\r\n" or str(token).lstrip().startswith(("#", "//")):
            what = "unexpected end of line"
        else:
            what = f"unexpected {str(token)[:40]!r}"
        raise HclError(f"not valid HCL: {what}", line if isinstance(line, int) and line > 0 else 1,
                       column if isinstance(column, int) and column > 0 else 1) from None
    except LarkError as exc:
        raise HclError(f"not valid HCL: {str(exc).splitlines()[0][:120]}") from None
    except RecursionError:
        raise HclError("nesting too deep to parse") from None
    body = tree.children[0]
    return _body(body, file, 1, 1)


def _body(tree: TTree, file: str, line: int, column: int) -> Body:
    out = Body(file, line, column)
    for child in tree.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = _name(child.children[0])
            expr = child.children[-1]
            out.attrs[name] = Attr(expr, child.meta.line, child.meta.column, file)
        elif child.data == "block":
            parts = [c for c in child.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            head, inner = parts[:-1], parts[-1]
            out.blocks.append(Block(_name(head[0]), [_label(h) for h in head[1:]],
                                    _body(inner, file, child.meta.line, child.meta.column),
                                    child.meta.line, child.meta.column))
    return out


def _name(t: Any) -> str:
    if isinstance(t, Token):
        return str(t)
    if t.data == "string":
        return _label(t)
    return "".join(str(c) for c in t.children if isinstance(c, Token))


def _label(t: Any) -> str:
    if isinstance(t, Tree) and t.data == "string":
        return "".join(str(p.children[0]) for p in t.children if isinstance(p, Tree) and p.children
                       and isinstance(p.children[0], Token))
    return _name(t)


# -- evaluation -----------------------------------------------------------------------------------------------------
Resolve = Callable[[str, list[tuple[str, Any]], dict[str, Any]], Any]
_SKIP = ("new_line_or_comment",)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


_TRAVERSALS = ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term")


def _kids(t: TTree) -> list[Any]:
    return [c for c in t.children if isinstance(c, Tree) and c.data not in _SKIP]


class Evaluator:
    """Evaluates expressions; ``resolve(root, steps, env)`` answers ``var.x``, ``aws_x.y.arn`` and friends."""

    def __init__(self, resolve: Resolve, base_dir: str) -> None:
        self.resolve = resolve
        self.base_dir = base_dir

    def ev(self, t: Any, env: dict[str, Any]) -> Any:
        try:
            if isinstance(t, Token):
                value = self._token(t)
            else:
                method = getattr(self, "_" + t.data, None)
                if method is None:
                    return UNKNOWN
                value = method(t, env)
        except BudgetExceeded as exc:
            if exc.line == 1:  # raised below without a place: the innermost expression's
                exc.line, exc.column = _position(t)
            raise
        why = _over_budget(value)
        if why is not None:
            raise BudgetExceeded(f"this expression evaluates to {why}: the budget of evaluation is exceeded, the "
                                "module is not modelled", *_position(t))
        return value

    @staticmethod
    def _int(text: str) -> int:
        if len(text) > 1000:  # past MAX_INT_BITS anyway; int() of 4,300 digits and more raises ValueError
            raise BudgetExceeded(f"an integer literal of {len(text):,} digits: over the budget of evaluation")
        return int(text)

    def _token(self, tok: Token) -> Any:
        if tok.type == "INT_LITERAL":
            return self._int(str(tok))
        if tok.type == "FLOAT_LITERAL":
            return float(tok)
        return UNKNOWN

    # terms
    def _expr_term(self, t: TTree, env: dict[str, Any]) -> Any:
        kids = _kids(t)
        return self.ev(kids[0], env) if kids else UNKNOWN

    def _int_lit(self, t: TTree, env: dict[str, Any]) -> Any:
        return self._int(str(t.children[0]))

    def _float_lit(self, t: TTree, env: dict[str, Any]) -> Any:
        return float(str(t.children[0]))

    def _literal_value(self, t: TTree, env: dict[str, Any]) -> Any:
        word = str(t.children[0])
        return {"true": True, "false": False}.get(word)

    def _string(self, t: TTree, env: dict[str, Any]) -> Any:
        parts: list[Any] = []
        for p in t.children:
            if not isinstance(p, Tree) or not p.children:
                continue
            inner = p.children[0]
            if isinstance(inner, Token):
                if inner.type == "STRING_CHARS":
                    parts.append(_unescape(str(inner)))
                elif inner.type == "ESCAPED_INTERPOLATION" or inner.type == "ESCAPED_DIRECTIVE":
                    parts.append(str(inner)[1:])
                continue
            if inner.data == "interpolation":
                parts.append(self.ev(_kids(inner)[0], env))
            else:
                return UNKNOWN  # %{if}/%{for} template directives
        return join_parts(parts)

    def _heredoc_template(self, t: TTree, env: dict[str, Any], trim: bool = False) -> Any:
        raw = str(t.children[0])
        first_nl = raw.index("\n")
        body = raw[first_nl + 1:].rstrip("\n")
        body = body[: body.rfind("\n") + 1] if "\n" in body else ""
        if trim:
            lines = body.split("\n")
            indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
            cut = min(indents) if indents else 0
            body = "\n".join(x[cut:] for x in lines)
        if "${" not in body:
            return body
        return self.interpolate(body, env)

    def _heredoc_template_trim(self, t: TTree, env: dict[str, Any]) -> Any:
        return self._heredoc_template(t, env, trim=True)

    def interpolate(self, text: str, env: dict[str, Any]) -> Any:
        """A heredoc's ``${...}`` parts, each parsed as an expression."""
        parts: list[Any] = []
        i = 0
        while True:
            start = text.find("${", i)
            if start < 0:
                parts.append(text[i:])
                break
            if start > 0 and text[start - 1] == "$":
                parts.append(text[i:start + 1])
                i = start + 2
                continue
            parts.append(text[i:start])
            depth, j = 0, start
            while j < len(text):
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if depth:
                return UNKNOWN
            try:
                tree = _parser().parse(f"x = {text[start + 2:j]}\n")
                attr = _kids(_kids(tree)[0])[0]
                parts.append(self.ev(attr.children[-1], env))
            except (LarkError, IndexError):
                return UNKNOWN
            i = j + 1
        return join_parts(parts)

    def _template_string(self, t: TTree, env: dict[str, Any]) -> Any:
        return UNKNOWN

    def _tuple(self, t: TTree, env: dict[str, Any]) -> Any:
        return [self.ev(k, env) for k in _kids(t)]

    def _object(self, t: TTree, env: dict[str, Any]) -> Any:
        out: dict[str, Any] = {}
        for elem in _kids(t):
            kids = _kids(elem)
            if len(kids) < 2:
                continue
            key_tree, value_tree = kids[0], kids[-1]
            key = self._object_key(key_tree, env)
            if not isinstance(key, str):
                return UNKNOWN
            out[key] = self.ev(value_tree, env)
        return out

    def _object_key(self, t: TTree, env: dict[str, Any]) -> Any:
        inner = _kids(t)
        node = inner[0] if inner else t
        # a bare name is the key itself, not a reference: { Effect = "Allow" }
        while isinstance(node, Tree) and node.data == "expr_term" and len(_kids(node)) == 1:
            node = _kids(node)[0]
        if isinstance(node, Tree) and node.data in ("identifier", "keyword"):
            return _name(node)
        if isinstance(node, Tree) and node.data == "string":
            v = self.ev(node, env)
            return v if isinstance(v, str) else UNKNOWN
        v = self.ev(node, env)
        return v if isinstance(v, str) else str(v) if isinstance(v, (int, float)) else UNKNOWN

    def _identifier(self, t: TTree, env: dict[str, Any]) -> Any:
        return self.traverse(_name(t), [], env)

    def _conditional(self, t: TTree, env: dict[str, Any]) -> Any:
        kids = _kids(t)
        cond, a, b = kids[0], kids[1], kids[2]
        c = self.ev(cond, env)
        if isinstance(c, bool):
            return self.ev(a if c else b, env)
        va, vb = self.ev(a, env), self.ev(b, env)
        return va if va == vb else UNKNOWN

    def _binary_op(self, t: TTree, env: dict[str, Any]) -> Any:
        kids = _kids(t)
        left = self.ev(kids[0], env)
        term = kids[1]
        term_kids = _kids(term)
        op = str(term_kids[0].children[0])
        right = self.ev(term_kids[1], env)
        return binary(op, left, right)

    def _unary_op(self, t: TTree, env: dict[str, Any]) -> Any:
        op = str(t.children[0])
        v = self.ev(t.children[1], env)
        if op == "!" and isinstance(v, bool):
            return not v
        if op == "-" and isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v
        return UNKNOWN

    def _function_call(self, t: TTree, env: dict[str, Any]) -> Any:
        names = [c for c in t.children if isinstance(c, Tree) and c.data == "identifier"]
        name = _name(names[-1])
        args_tree = [c for c in t.children if isinstance(c, Tree) and c.data == "arguments"]
        raw_args = _kids(args_tree[0]) if args_tree else []
        if name == "try":
            for a in raw_args:
                v = self.ev(a, env)
                if not isinstance(v, EvalError):
                    return v
            return ERROR
        if name == "coalesce":
            for a in raw_args:
                v = self.ev(a, env)
                if isinstance(v, Unknown) and not isinstance(v, EvalError):
                    return UNKNOWN
                if not isinstance(v, Unknown) and v not in (None, ""):
                    return v
            return UNKNOWN
        if name == "can":
            return UNKNOWN
        args = [self.ev(a, env) for a in raw_args]
        return call_function(name, args, self.base_dir)

    # traversals
    def _get_attr_expr_term(self, t: TTree, env: dict[str, Any]) -> Any:
        return self._chain(t, env)

    _index_expr_term = _get_attr_expr_term
    _attr_splat_expr_term = _get_attr_expr_term
    _full_splat_expr_term = _get_attr_expr_term

    def _chain(self, t: TTree, env: dict[str, Any]) -> Any:
        steps: list[tuple[str, Any]] = []
        node: Any = t
        while isinstance(node, Tree):
            if node.data in _TRAVERSALS:
                base, op = _kids(node)[0], _kids(node)[1]
                steps[:0] = self._steps(op, env)
                node = base
            elif node.data == "expr_term" and len(node.children) == 1 and isinstance(node.children[0], Tree):
                node = node.children[0]  # a plain wrapper (parentheses keep their tokens, so they stay)
            else:
                break
        inner = node
        if isinstance(inner, Tree) and inner.data == "identifier":
            return self.traverse(_name(inner), steps, env)
        return apply_steps(self.ev(node, env), steps)

    def _steps(self, op: TTree, env: dict[str, Any]) -> list[tuple[str, Any]]:
        if op.data == "get_attr":
            return [("attr", _name(_kids(op)[0]))]
        if op.data == "braces_index":
            return [("index", self.ev(_kids(op)[0], env))]
        if op.data == "short_index":
            return [("index", int(str(op.children[-1])))]
        if op.data in ("attr_splat", "full_splat"):
            out: list[tuple[str, Any]] = [("splat", None)]
            for k in _kids(op):
                out.extend(self._steps(k, env))
            return out
        return [("unknown", None)]

    def traverse(self, root: str, steps: list[tuple[str, Any]], env: dict[str, Any]) -> Any:
        if root in env:
            return apply_steps(env[root], steps)
        return self.resolve(root, steps, env)

    # for expressions
    def _for_tuple_expr(self, t: TTree, env: dict[str, Any]) -> Any:
        return self._for(t, env, as_object=False)

    def _for_object_expr(self, t: TTree, env: dict[str, Any]) -> Any:
        return self._for(t, env, as_object=True)

    def _for(self, t: TTree, env: dict[str, Any], as_object: bool) -> Any:
        kids = _kids(t)
        intro = kids[0]
        names = [_name(k) for k in _kids(intro) if k.data == "identifier"]
        coll_tree = [k for k in _kids(intro) if k.data != "identifier"]
        if not coll_tree:
            return UNKNOWN
        coll = self.ev(coll_tree[-1], env)
        if isinstance(coll, dict):
            items = list(coll.items())
        elif isinstance(coll, list):
            items = list(enumerate(coll))
        else:
            return UNKNOWN
        cond = kids[-1] if kids[-1].data == "for_cond" else None
        body = kids[1:-1] if cond is not None else kids[1:]
        grouped = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in t.children)
        out_list: list[Any] = []
        out_obj: dict[str, Any] = {}
        for k, v in items:
            scope = dict(env)
            if len(names) == 2:
                scope[names[0]], scope[names[1]] = k, v
            elif names:
                scope[names[0]] = v
            if cond is not None:
                c = self.ev(_kids(cond)[0], scope)
                if c is not True:
                    if isinstance(c, bool):
                        continue
                    return UNKNOWN
            if as_object:
                key = self.ev(body[0], scope)
                if not isinstance(key, str):
                    return UNKNOWN
                val = self.ev(body[1], scope)
                if grouped:
                    out_obj.setdefault(key, []).append(val)
                else:
                    out_obj[key] = val
            else:
                out_list.append(self.ev(body[0], scope))
        return out_obj if as_object else out_list


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def join_parts(parts: list[Any]) -> Any:
    """Concatenate template parts: text when all are known, a :class:`Tmpl` around references, else UNKNOWN."""
    out: list[Any] = []
    for p in parts:
        if isinstance(p, Tmpl):
            out.extend(p.parts)
        elif isinstance(p, Obj):
            out.append(Ref(p.address, "id"))
        elif isinstance(p, (Ref, CodePath)):
            out.append(p)
        elif isinstance(p, bool):
            out.append("true" if p else "false")
        elif isinstance(p, (str, int, float)):
            out.append(p if isinstance(p, str) else _num(p))
        else:
            return UNKNOWN
    merged: list[Any] = []
    for p in out:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    if not merged:
        return ""
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    if len(merged) == 1:
        return merged[0]
    return Tmpl(tuple(merged))


def _num(v: float) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def apply_steps(value: Any, steps: list[tuple[str, Any]]) -> Any:
    for i, (kind, arg) in enumerate(steps):
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Obj) and kind == "attr":
            value = value.attribute(str(arg))
            continue
        if isinstance(value, (Ref, Tmpl, CodePath, Obj)) or isinstance(arg, Unknown):
            return UNKNOWN
        if kind == "splat":
            rest = steps[i + 1:]
            if isinstance(value, list):
                return [apply_steps(v, rest) for v in value]
            return [apply_steps(value, rest)] if value is not None else []
        if kind == "attr":
            if not isinstance(value, dict) or arg not in value:
                return ERROR
            value = value[arg]
        elif kind == "index":
            if isinstance(value, list) and isinstance(arg, int) and not isinstance(arg, bool) and \
                    -len(value) <= arg < len(value):
                value = value[arg]
            elif isinstance(value, dict) and isinstance(arg, (str, int)) and str(arg) in value:
                value = value[str(arg)]
            else:
                return ERROR
        else:
            return UNKNOWN
    return value


def binary(op: str, a: Any, b: Any) -> Any:
    if op == "&&":
        if a is False or b is False:
            return False
        return True if a is True and b is True else UNKNOWN
    if op == "||":
        if a is True or b is True:
            return True
        return False if a is False and b is False else UNKNOWN
    if isinstance(a, Unknown) or isinstance(b, Unknown) or isinstance(a, (Ref, Tmpl)) or isinstance(b, (Ref, Tmpl)):
        return UNKNOWN
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    nums = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))
    if not nums:
        return UNKNOWN
    try:
        result: Any = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                       "/": lambda: a / b, "%": lambda: a % b, "<": lambda: a < b, ">": lambda: a > b,
                       "<=": lambda: a <= b, ">=": lambda: a >= b}[op]()
    except (ZeroDivisionError, KeyError):
        return UNKNOWN
    return result


def _known(*values: Any) -> bool:
    return not any(isinstance(v, (Unknown, Ref, Tmpl, CodePath)) for v in values)


# -- built-ins ----------------------------------------------------------------------------------------------------
# The Terraform functions a configuration of Lambda functions uses (https://developer.hashicorp.com/terraform/
# language/functions), one small function each: (arguments, the module's folder) → the value, or UNKNOWN when the
# arguments are not what the function takes. Anything not in the table is UNKNOWN.
_Builtin = Callable[[list[Any], str], Any]


def _one_arg(args: list[Any], _: str) -> Any:
    # jsonencode: kept as structure, policies are read as documents; sensitive() and friends change no value
    return args[0] if len(args) == 1 else UNKNOWN


def _tostring(args: list[Any], _: str) -> Any:
    if len(args) != 1:
        return UNKNOWN
    value = args[0]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value  # a string, or a value this evaluator does not know: as it is


def _tonumber(args: list[Any], _: str) -> Any:
    if len(args) != 1:
        return UNKNOWN
    value = args[0]
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return float(value)  # "1.5" → 1.5; "x" raises ValueError → UNKNOWN (Terraform: an error)
    return value


def _tobool(args: list[Any], _: str) -> Any:
    if len(args) != 1:
        return UNKNOWN
    value = args[0]
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value, UNKNOWN)
    return value


def _jsondecode(args: list[Any], _: str) -> Any:
    return json.loads(args[0]) if isinstance(args[0], str) else UNKNOWN


def _file(args: list[Any], base_dir: str) -> Any:
    path = os.path.join(base_dir, str(args[0])) if not os.path.isabs(str(args[0])) else str(args[0])
    from lambdoctor.loaders.decode import read_regular

    return read_regular(path, MAX_TF_BYTES)[:MAX_TF_BYTES].decode("utf-8")


def _concat(args: list[Any], _: str) -> Any:
    return [x for a in args for x in a] if all(isinstance(a, list) for a in args) else UNKNOWN


def _merge(args: list[Any], _: str) -> Any:
    if not all(isinstance(a, dict) for a in args if a is not None):
        return UNKNOWN
    out: dict[str, Any] = {}
    for a in args:
        out.update(a or {})
    return out


def _lookup(args: list[Any], _: str) -> Any:
    if not isinstance(args[0], dict):
        return UNKNOWN
    if args[1] in args[0]:
        return args[0][args[1]]
    return args[2] if len(args) > 2 else ERROR


def _element(args: list[Any], _: str) -> Any:
    if isinstance(args[0], list) and args[0] and isinstance(args[1], int):
        return args[0][args[1] % len(args[0])]  # the index wraps around, as Terraform's does
    return UNKNOWN


def _length(args: list[Any], _: str) -> Any:
    return len(args[0]) if isinstance(args[0], (list, dict, str)) else UNKNOWN


def _compact(args: list[Any], _: str) -> Any:
    return [x for x in args[0] if x not in (None, "")] if isinstance(args[0], list) else UNKNOWN


def _flatten(args: list[Any], _: str) -> Any:
    if not isinstance(args[0], list):
        return UNKNOWN
    flat: list[Any] = []
    stack = list(reversed(args[0]))
    while stack:  # a loop, not recursion: a deeply nested list costs no stack
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(reversed(x))
        else:
            flat.append(x)
    return flat


def _distinct(args: list[Any], _: str) -> Any:
    if not isinstance(args[0], list):
        return UNKNOWN
    seen: list[Any] = []
    for x in args[0]:
        if x not in seen:
            seen.append(x)
    return seen


def _keys(args: list[Any], _: str) -> Any:
    return sorted(args[0]) if isinstance(args[0], dict) else UNKNOWN  # in lexicographical order


def _values(args: list[Any], _: str) -> Any:
    return [args[0][k] for k in sorted(args[0])] if isinstance(args[0], dict) else UNKNOWN  # in the keys' order


def _contains(args: list[Any], _: str) -> Any:
    return args[1] in args[0] if isinstance(args[0], list) else UNKNOWN


def _format(args: list[Any], _: str) -> Any:
    if not (isinstance(args[0], str) and _known(*args)):
        return UNKNOWN
    widths = [int(w) for w in re.findall(r"%[-+ #0]*(\d+)", args[0])]
    if any(w > MAX_FORMAT_WIDTH for w in widths):
        raise BudgetExceeded(f"format() with a field width over {MAX_FORMAT_WIDTH:,}: over the budget of evaluation")
    return args[0].replace("%v", "%s") % tuple(args[1:])


def _join(args: list[Any], _: str) -> Any:
    if isinstance(args[1], list) and all(isinstance(x, str) for x in args[1]):
        return str(args[0]).join(args[1])
    return UNKNOWN


def _substr(args: list[Any], _: str) -> Any:
    # a negative offset counts from the end; a length of -1 runs to the end
    return str(args[0])[args[1]:args[1] + args[2]] if args[2] >= 0 else str(args[0])[args[1]:]


def _one(args: list[Any], _: str) -> Any:
    if isinstance(args[0], list) and len(args[0]) <= 1:
        return args[0][0] if args[0] else None
    return UNKNOWN  # Terraform: an error for more than one element


_BUILTINS: dict[str, _Builtin] = {
    "jsonencode": _one_arg, "tolist": _one_arg, "toset": _one_arg, "tomap": _one_arg, "sensitive": _one_arg,
    "nonsensitive": _one_arg, "tostring": _tostring, "tonumber": _tonumber, "tobool": _tobool,
    "jsondecode": _jsondecode, "file": _file,
    "concat": _concat, "merge": _merge, "lookup": _lookup, "element": _element, "length": _length,
    "compact": _compact, "flatten": _flatten, "distinct": _distinct, "keys": _keys, "values": _values,
    "contains": _contains, "format": _format, "join": _join, "substr": _substr, "one": _one,
    "split": lambda a, _: str(a[1]).split(str(a[0])),
    "replace": lambda a, _: str(a[0]).replace(str(a[1]), str(a[2])),
    "lower": lambda a, _: str(a[0]).lower(),
    "upper": lambda a, _: str(a[0]).upper(),
    "trimspace": lambda a, _: str(a[0]).strip(),
    "max": lambda a, _: max(a),
    "min": lambda a, _: min(a),
    "ceil": lambda a, _: math.ceil(a[0]),
    "floor": lambda a, _: math.floor(a[0]),
    "abs": lambda a, _: abs(a[0]),
    "zipmap": lambda a, _: dict(zip(a[0], a[1], strict=False)),
    "startswith": lambda a, _: str(a[0]).startswith(str(a[1])),
    "endswith": lambda a, _: str(a[0]).endswith(str(a[1])),
    "basename": lambda a, _: os.path.basename(str(a[0])),
    "dirname": lambda a, _: os.path.dirname(str(a[0])),
    "abspath": lambda a, _: str(a[0]),
}
# Called whatever their arguments: they pass an argument they do not know through (a conversion), or look at its
# type themselves. Every other built-in with an argument that is not known gives UNKNOWN.
_TAKE_UNKNOWN = frozenset({"jsonencode", "tostring", "tonumber", "tobool", "tolist", "toset", "tomap", "sensitive",
                           "nonsensitive", "concat", "merge", "compact", "flatten", "lookup", "element", "length",
                           "distinct", "keys", "values", "format"})


def call_function(name: str, args: list[Any], base_dir: str) -> Any:
    """The value of the Terraform built-in ``name`` over ``args`` (``_BUILTINS``); UNKNOWN for any other
    function, for arguments it does not take, and for an argument that is not known (except ``_TAKE_UNKNOWN``)."""
    builtin = _BUILTINS.get(name)
    if builtin is None or (name not in _TAKE_UNKNOWN and not _known(*args)):
        return UNKNOWN
    try:
        return builtin(args, base_dir)
    except (OSError, ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError):
        return UNKNOWN
    return UNKNOWN
