"""The Serverless Framework's variables, resolved statically: ``${self:…}``, ``${opt:…}``, ``${env:…}``,
``${file(…)}``, ``${param:…}``, ``${sls:stage}``, ``${aws:region}`` and comma-separated fallbacks.

What is never read: the process environment (``${env:X}`` takes its value from ``--var X=…`` or the fallback, so
a scan gives the same result on every machine), AWS (``${ssm:…}``, ``${cf:…}``, ``${s3:…}``, ``${aws:accountId}``
stay unresolved), and code (``${file(x.js)}`` is never run). An unresolved value is :data:`UNRESOLVED`, which the
compiled template carries as a ``Ref`` to a parameter without a default, so the CloudFormation resolver sees
UNKNOWN. A reference to a key that does not exist, and a cycle, are problems with a line (SYS000).

Variable syntax: the framework only resolves ``${source:address}`` and ``${file(...)}``; ``${AWS::Region}`` and
``${LogicalId}`` are left alone for ``Fn::Sub`` (Serverless Framework docs, "Variables").
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from lambdoctor.loaders.decode import MAX_FILE_BYTES, DecodeError, Node, NotRegularFile, decode_bytes, read_regular

UNRESOLVED_PARAM = "LambdoctorUnresolvedVariable"
UNRESOLVED: dict[str, str] = {"Ref": UNRESOLVED_PARAM}

# Sources this loader resolves, and sources that exist but need AWS or a plugin (stay unresolved, silently).
_SOURCE = re.compile(r"^\s*(self|opt|env|sls|aws|param|ssm|cf|s3|git|strToBool|file)\s*[:(]")
_FILE = re.compile(r"^\s*file\(\s*([^)]*?)\s*\)\s*(?::\s*(.*))?$")
_MAX_DEPTH = 200


MAX_VALUE_CHARS = 1024 * 1024  # the largest string variables may expand to (docs/security.md)


class _Unresolved:
    """A value that exists at deploy time (SSM, CloudFormation outputs) or comes from an option not given."""


_MISSING = _Unresolved()


@dataclass
class VariableProblem:
    line: int
    column: int
    reason: str


@dataclass
class _Cycle(Exception):
    chain: list[str] = field(default_factory=list)


class VariableResolver:
    """Resolves every variable of one serverless.yml document (a decoded :class:`Node` tree)."""

    def __init__(self, doc: Node, file: str, options: dict[str, str]) -> None:
        self.doc = doc
        self.file = file
        self.base_dir = os.path.dirname(file)
        self.options = options
        self.problems: list[VariableProblem] = []
        self._done: dict[str, Any] = {}
        self._cycles: set[frozenset[str]] = set()
        self._active: list[str] = []
        self._files: dict[str, Any] = {}
        self.stage = "dev"
        self.region = "us-east-1"

    # -- entry --------------------------------------------------------------------------------------------
    def resolve(self) -> Any:
        self.stage = self._scalar_at(("provider", "stage"), self.options.get("stage"), "dev")
        self.region = self._scalar_at(("provider", "region"), self.options.get("region"), "us-east-1")
        return self._node(self.doc, (self.doc.line, self.doc.column), "")

    def _scalar_at(self, path: tuple[str, ...], option: str | None, default: str) -> str:
        if option:
            return option
        cur: Any = self.doc
        at = (self.doc.line, self.doc.column)
        for p in path:
            if isinstance(cur, Node):
                at = cur.pos_of(p)
            cur = cur.get(p) if isinstance(cur, dict) else None
        if cur is None:
            return default
        value = self._node(cur, at, ".".join(path))
        return value if isinstance(value, str) else default

    # -- tree -----------------------------------------------------------------------------------------------
    def _node(self, node: Any, at: tuple[int, int], path: str) -> Any:
        """``node`` with its variables resolved; ``path`` (``custom.table``) names it for memo and cycles."""
        if path in self._done:
            return self._done[path]
        if not isinstance(node, (str, dict, list)) or (isinstance(node, str) and "${" not in node):
            return node
        if path in self._active:
            raise _Cycle([*self._active[self._active.index(path):], path])
        if len(self._active) > _MAX_DEPTH:
            raise _Cycle([*self._active[-3:], path])
        self._active.append(path)
        try:
            out: Any
            if isinstance(node, str):
                out = self._string(node, at)
            elif isinstance(node, dict):
                out = Node(*(getattr(node, "line", at[0]), getattr(node, "column", at[1])))
                for k, v in node.items():
                    kat = node.pos_of(k) if isinstance(node, Node) else at
                    out[k] = self._node(v, kat, f"{path}.{k}" if path else k)
                    out.key_pos[k] = kat
            else:
                out = [self._node(v, at, f"{path}.{i}") for i, v in enumerate(node)]
        finally:
            self._active.pop()
        self._done[path] = out
        return out

    def _string(self, text: str, at: tuple[int, int]) -> Any:
        """A string with variables: one whole variable keeps its type; text around variables makes a string."""
        try:
            parts = _split(text)
        except ValueError:
            # Only the variable is quoted, never the text around it: that may be a password (docs/security.md).
            start = text.find("${")
            self._problem(at, f"unterminated variable {text[start:start + 60]!r}" if start >= 0
                          else "unterminated variable")
            return UNRESOLVED
        if len(parts) == 1 and isinstance(parts[0], _Var):
            value = self._variable(parts[0].body, at)
            return UNRESOLVED if value is _MISSING else value
        out: list[str] = []
        size = 0
        for part in parts:
            text_part = part if isinstance(part, str) else None
            if text_part is None:
                assert isinstance(part, _Var)
                value = self._variable(part.body, at)
                if value is None or value is _MISSING or isinstance(value, (dict, list)):
                    return UNRESOLVED
                text_part = _text(value)
            size += len(text_part)
            if size > MAX_VALUE_CHARS:  # variables that double a string at each level: 1.8 KB → gigabytes
                self._problem(at, f"its variables expand to more than {MAX_VALUE_CHARS:,} characters: over the "
                                  "budget of expansion, not expanded")
                return UNRESOLVED
            out.append(text_part)
        return "".join(out)

    # -- one variable ---------------------------------------------------------------------------------------
    def _variable(self, body: str, at: tuple[int, int]) -> Any:
        """The value of ``${body}``; :data:`_MISSING` when it cannot be known here."""
        if "${" in body:  # nested: ${self:custom.table.${opt:stage}}
            inner = self._string(body, at)
            if not isinstance(inner, str):
                return _MISSING
            body = inner
        if not _SOURCE.match(body):
            return "${" + body + "}"  # ${AWS::Region}, ${Logical.Arn}: Fn::Sub's own syntax
        candidates = [c.strip() for c in _split_fallbacks(body)]
        for cand in candidates:
            value = self._one(cand, at, has_fallback=len(candidates) > 1)
            if value is not None:
                return value  # a value, or _MISSING (exists only at deploy time: the fallback is not used)
        return _MISSING

    def _one(self, expr: str, at: tuple[int, int], has_fallback: bool) -> Any:
        """One candidate: its value, None when it does not exist (the next fallback applies), or _MISSING."""
        literal = _literal(expr)
        if literal is not None:
            return literal
        if expr.startswith("${") and expr.endswith("}"):
            return self._variable(expr[2:-1], at)
        if expr.startswith("file("):
            return self._file(expr, at, has_fallback)
        source, _, address = expr.partition(":")
        source, address = source.strip(), address.strip()
        if source == "self":
            return self._self(address, at, has_fallback)
        if source in ("opt", "env"):
            return self.options.get(address)
        if source == "sls":
            return self.stage if address == "stage" else _MISSING
        if source == "aws":
            return self.region if address == "region" else _MISSING
        if source == "param":
            return self._param(address, at)
        if source == "strToBool":
            return address.lower() in ("true", "1")
        return _MISSING  # ssm, cf, s3, git: only known at deploy time

    def _self(self, address: str, at: tuple[int, int], has_fallback: bool) -> Any:
        parts = [p for p in address.split(".") if p]
        if parts in (["provider", "stage"], ["provider", "region"]):
            # the framework fills these in from --stage/--region or its defaults before resolving
            return self.stage if parts[1] == "stage" else self.region
        cur: Any = self.doc
        walked: list[str] = []
        try:
            for part in parts:
                if isinstance(cur, str) and "${" in cur:
                    cur = self._node(cur, at, ".".join(walked))  # ${self:custom.secrets.KEY}, secrets from a file
                if cur is UNRESOLVED:
                    return _MISSING
                walked.append(part)
                if isinstance(cur, dict) and part in cur:
                    cur = cur[part]
                elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
                    cur = cur[int(part)]
                else:
                    if not has_fallback:
                        self._problem(at, f"${{self:{address}}} does not exist in this file (no key "
                                          f"{'.'.join(walked)!r})")
                    return None
            return self._node(cur, at, ".".join(walked))
        except _Cycle as cyc:
            key = frozenset(cyc.chain)
            if key not in self._cycles:
                self._cycles.add(key)
                self._problem(at, "variable cycle: " + " → ".join(f"${{self:{c}}}" for c in cyc.chain))
            return _MISSING

    def _param(self, name: str, at: tuple[int, int]) -> Any:
        stages = self.doc.get("stages")
        if isinstance(stages, dict):
            for stage in (self.stage, "default"):
                block = stages.get(stage)
                params = block.get("params") if isinstance(block, dict) else None
                if isinstance(params, dict) and name in params:
                    return self._node(params[name], at, f"stages.{stage}.params.{name}")
        return self.options.get(name)

    def _file(self, expr: str, at: tuple[int, int], has_fallback: bool) -> Any:
        m = _FILE.match(expr)
        if not m:
            self._problem(at, f"cannot read variable {expr!r}")
            return _MISSING
        rel = m.group(1).strip("'\"")
        if not rel.endswith((".yml", ".yaml", ".json")):
            return _MISSING  # .js/.ts files are code: never run during a scan
        full = os.path.normpath(os.path.join(self.base_dir, rel))
        if full not in self._files:
            self._files[full] = self._read(full, rel, at, has_fallback)
        content = self._files[full]
        if content is None:
            return None
        cur = content
        address = (m.group(2) or "").strip()
        for part in [p for p in address.split(".") if p]:
            if not isinstance(cur, dict) or part not in cur:
                if not has_fallback:
                    self._problem(at, f"{rel} has no key {part!r}")
                return None
            cur = cur[part]
        return self._node(_moved(cur, at), at, f"file({full}):{address}")

    def _read(self, full: str, rel: str, at: tuple[int, int], has_fallback: bool) -> Any:
        try:
            data = read_regular(full, MAX_FILE_BYTES)
        except NotRegularFile as exc:
            self._problem(at, f"${{file({rel})}}: {exc}")
            return None
        except OSError:
            if not has_fallback:
                self._problem(at, f"${{file({rel})}}: file not found")
            return None
        try:
            return decode_bytes(data, strict_json=full.endswith(".json"))
        except DecodeError as exc:
            self._problem(at, f"${{file({rel})}}: line {exc.line}: {exc.reason}")
            return None

    def _problem(self, at: tuple[int, int], reason: str) -> None:
        self.problems.append(VariableProblem(at[0], at[1], reason))


@dataclass(frozen=True)
class _Var:
    body: str


def _split(text: str) -> list[str | _Var]:
    """Text and ``${...}`` variables (nested braces counted)."""
    parts: list[str | _Var] = []
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            if i < len(text):
                parts.append(text[i:])
            return parts
        if start > i:
            parts.append(text[i:start])
        depth, j = 0, start
        while j < len(text):
            if text.startswith("${", j):
                depth += 1
                j += 2
                continue
            if text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if depth != 0:
            raise ValueError(text)
        parts.append(_Var(text[start + 2:j]))
        i = j + 1


def _split_fallbacks(body: str) -> list[str]:
    """``self:a, opt:b, 'x'`` → three candidates; commas inside quotes, parentheses or ``${}`` do not split."""
    out: list[str] = []
    depth = 0
    quote = ""
    cur: list[str] = []
    for ch in body:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def _literal(expr: str) -> Any:
    if len(expr) >= 2 and expr[0] == expr[-1] and expr[0] in "'\"":
        return expr[1:-1]
    if re.fullmatch(r"-?\d+", expr):
        return int(expr)
    if re.fullmatch(r"-?\d+\.\d+", expr):
        return float(expr)
    if expr in ("true", "false"):
        return expr == "true"
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _moved(node: Any, at: tuple[int, int]) -> Any:
    """Content of another file, re-positioned at the ``${file(...)}`` reference (findings must point here)."""
    if isinstance(node, dict):
        out = Node(*at)
        for k, v in node.items():
            out[k] = _moved(v, at)
            out.key_pos[k] = at
        return out
    if isinstance(node, list):
        return [_moved(v, at) for v in node]
    return node


def resolve_variables(doc: Node, file: str, options: dict[str, str]) -> tuple[Any, list[VariableProblem]]:
    """The document with every resolvable variable replaced; unresolvable ones become :data:`UNRESOLVED`."""
    resolver = VariableResolver(doc, file, options)
    try:
        resolved = resolver.resolve()
    except _Cycle as cyc:
        resolver.problems.append(VariableProblem(doc.line, doc.column,
                                                 "variable cycle: " + " → ".join(cyc.chain)))
        resolved = None
    except RecursionError:
        resolver.problems.append(VariableProblem(doc.line, doc.column, "variables nested too deeply to resolve"))
        resolved = None
    return resolved, resolver.problems
