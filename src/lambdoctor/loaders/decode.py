"""Decode YAML/JSON templates into plain Python values that remember where they came from.

Mappings become :class:`Node` (a ``dict`` with the line and column of the mapping and of every key), so any
rule can point at a line. Short intrinsic tags (``!Ref``, ``!GetAtt`` ...) become the long form
(``{"Ref": ...}``), as CloudFormation itself reads them. Everything that would make a parser crash, hang or
eat memory is refused up front with a :class:`DecodeError` that carries a line and a plain reason.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import yaml

try:  # The C loader is ~10x faster; PyYAML wheels ship it, a source build may not.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

# Limits that keep one hostile file from taking the run down with it.
MAX_FILE_BYTES = 20 * 1024 * 1024


class BudgetExceeded(Exception):
    """Input whose expansion (variables, expressions, modules, archives) is over one of the documented budgets
    (docs/security.md): a located SYS000, never unbounded memory or time."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


class NotRegularFile(OSError):
    """A FIFO, socket or device where a file was expected: never read (opening a FIFO waits for a writer)."""


def read_regular(path: str, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of ``path`` if it is a regular file. Opened without blocking and checked on the
    open descriptor, so a FIFO put where a template (or a .tf, a tfvars, a ${file()} target) was expected is
    reported instead of hanging the run; a symbolic link is followed to what it names and checked the same."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
            raise NotRegularFile(f"{kind}, not a regular file: not read")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
MAX_DEPTH = 512
# Expanded size of the node graph: a YAML alias bomb shares nodes, so it looks small until someone walks it.
MAX_EXPANDED_NODES = 2_000_000


class DecodeError(Exception):
    """A file that cannot be read as a template: where (1-based line, column) and why."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


class Node(dict[str, Any]):
    """A mapping with its position and the position of each key (1-based)."""

    __slots__ = ("column", "key_pos", "line")

    def __init__(self, line: int = 1, column: int = 1) -> None:
        super().__init__()
        self.line = line
        self.column = column
        self.key_pos: dict[str, tuple[int, int]] = {}

    def pos_of(self, key: str) -> tuple[int, int]:
        """Where ``key`` stands, or where the mapping starts when the key is absent."""
        return self.key_pos.get(key, (self.line, self.column))


class FileNode(Node):
    """A mapping built by a loader that reads several files (Terraform): it also knows its file."""

    __slots__ = ("file",)

    def __init__(self, file: str, line: int = 1, column: int = 1) -> None:
        super().__init__(line, column)
        self.file = file


# Short-form tags and the long-form key CloudFormation reads them as.
_INTRINSICS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    **{
        name: f"Fn::{name}"
        for name in (
            "Sub", "Join", "Select", "Split", "If", "Equals", "Not", "And", "Or", "FindInMap", "Base64", "Cidr",
            "ImportValue", "GetAZs", "Transform", "ToJsonString", "Length", "ForEach", "GetParam",
        )
    },
}


@dataclass(frozen=True)
class Duplicate:
    """A key given twice in one mapping: where it was first, and where the value that counts stands."""

    key: str
    first_line: int
    line: int
    column: int


class _TemplateLoader(_BaseLoader):
    """libyaml's parser and composer with PyYAML's safe scalar constructors; :class:`_Builder` builds the rest."""

    def construct_undefined(self, node: yaml.Node) -> Any:
        mark = node.start_mark
        raise DecodeError(f"unknown tag {node.tag!r}", mark.line + 1, mark.column + 1)


def _construct_str(loader: _TemplateLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_TemplateLoader.add_constructor(None, _TemplateLoader.construct_undefined)
# Timestamps stay strings: CloudFormation never turns a date-like scalar into a date.
_TemplateLoader.yaml_constructors.pop("tag:yaml.org,2002:timestamp", None)
_TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)

_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _is_intrinsic_tag(tag: str) -> bool:
    """``!Ref``-style local tags (``!!x`` and ``tag:yaml.org,2002:x`` are YAML's own)."""
    return tag.startswith("!") and not tag.startswith("!!")


class _Builder:
    """Builds Python values from composed nodes, faster than PyYAML's generic constructor.

    Strings, lists, mappings (with their positions) and CloudFormation's short tags are built here; other
    scalars (int, float, bool, null) go through the loader's safe constructors, and any other tag is refused.
    Nodes shared through aliases are built once and shared, as PyYAML does.
    """

    def __init__(self, loader: _TemplateLoader, duplicates: list[Duplicate] | None = None) -> None:
        self.loader = loader
        self.memo: dict[int, Any] = {}
        self.duplicates = duplicates  # None: a duplicate key is an error (serverless.yml: js-yaml refuses it)

    def build(self, node: yaml.Node) -> Any:
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == _STR:
                return node.value
            if not _is_intrinsic_tag(tag):
                return self.loader.construct_object(node, deep=True)  # int, float, bool, null, timestamp
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            self.memo[key] = items
            items.extend(self.build(child) for child in node.value)
            return items
        if tag == _MAP and isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        # Anything else (omap, set, an unknown tag, which is refused) goes through the loader.
        value = self._intrinsic(node) if _is_intrinsic_tag(tag) else self.loader.construct_object(node, deep=True)
        self.memo[key] = value
        return value

    def _mapping(self, node: yaml.Node) -> Node:
        assert isinstance(node, yaml.MappingNode)
        merged = any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value)
        if merged:
            self.loader.flatten_mapping(node)  # merged keys first, so the mapping's own keys override them
        mark = node.start_mark
        result = Node(mark.line + 1, mark.column + 1)
        self.memo[id(node)] = result
        for key_node, value_node in node.value:
            k = key_node.value if key_node.tag == _STR else self.build(key_node)
            if not isinstance(k, str):
                k = "true" if k is True else "false" if k is False else str(k)
            km = key_node.start_mark
            if k in result and not merged:
                if self.duplicates is None:
                    raise DecodeError(f"duplicate key {k!r}", km.line + 1, km.column + 1)
                # CloudFormation (and SAM's PyYAML) accept the file and keep the last value
                self.duplicates.append(Duplicate(k, result.key_pos[k][0], km.line + 1, km.column + 1))
                del result[k]  # the last one also takes the later place in the mapping's order
            result[k] = self.build(value_node)
            result.key_pos[k] = (km.line + 1, km.column + 1)
        return result

    def _intrinsic(self, node: yaml.Node) -> Node:
        """``!Ref X`` → ``{"Ref": "X"}``: the long form CloudFormation itself reads the short tags as."""
        mark = node.start_mark
        name = _INTRINSICS.get(node.tag[1:])
        if name is None:
            raise DecodeError(f"unknown tag {node.tag!r}", mark.line + 1, mark.column + 1)
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = node.value
            if name == "Fn::GetAtt":
                # `!GetAtt Res.Attr.Sub` means ["Res", "Attr.Sub"]: split at the first dot only.
                head, _, tail = value.partition(".")
                value = [head, tail]
        elif isinstance(node, yaml.SequenceNode):
            value = [self.build(child) for child in node.value]
        else:
            value = self._mapping(node)
        result = Node(mark.line + 1, mark.column + 1)
        result[name] = value
        result.key_pos[name] = (mark.line + 1, mark.column + 1)
        return result


_BRACKET_DEPTH = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_KEEP_BRACKETS = str.maketrans("", "", "".join(chr(c) for c in range(128) if chr(c) not in "[]{}"))


def _check_flow_depth(text: str) -> None:
    """Refuse pathological bracket nesting before libyaml sees it (its composer recurses in C and segfaults)."""
    if text.count("[") + text.count("{") < MAX_DEPTH:
        return
    brackets = text.translate(_KEEP_BRACKETS)
    # Brackets inside strings count too: an over-estimate, which only matters past MAX_DEPTH.
    deepest = max(accumulate(_BRACKET_DEPTH.get(ord(c), 0) for c in brackets), default=0)
    if deepest > MAX_DEPTH:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels")


def _check_expansion(root: yaml.Node) -> None:
    """Refuse alias bombs: count the nodes the document would have once every alias is expanded."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack: list[yaml.Node] = [root]
    seen: set[int] = set()
    while stack:  # iterative post-order: nodes shared through aliases are visited once
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
    for node in reversed(order):
        if isinstance(node, yaml.SequenceNode):
            total = 1 + sum(sizes.get(id(c), 1) for c in node.value)
        elif isinstance(node, yaml.MappingNode):
            total = 1 + sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in node.value)
        else:
            total = 1
        if total > MAX_EXPANDED_NODES:
            mark = node.start_mark
            raise DecodeError(
                f"document expands to more than {MAX_EXPANDED_NODES:,} nodes through aliases (alias bomb?)",
                mark.line + 1,
                mark.column + 1,
            )
        sizes[id(node)] = total


def decode_text(text: str, duplicates: list[Duplicate] | None = None) -> Any:
    """Decode a YAML or JSON template text; raises :class:`DecodeError`.

    With ``duplicates`` (a list), a key given twice in a mapping keeps its last value, as CloudFormation does, and
    is recorded there; without it, a duplicate key is a DecodeError.
    """
    if "\x00" in text:
        raise DecodeError("binary content (NUL byte)", text.count("\n", 0, text.index("\x00")) + 1)
    _check_flow_depth(text)
    loader = _TemplateLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if "&" in text:  # without an anchor there is no alias, and nothing to expand
            _check_expansion(root)
        return _Builder(loader, duplicates).build(root)
    except DecodeError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if mark is None:
            raise DecodeError(reason or "not valid YAML") from None
        raise DecodeError(reason or "not valid YAML", mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:
        raise DecodeError(f"not valid YAML: {exc}") from None
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def decode_bytes(data: bytes, strict_json: bool = False, duplicates: list[Duplicate] | None = None) -> Any:
    """Decode raw file content: size, encoding and syntax are checked, in that order.

    ``strict_json``: the file claims to be JSON, so it must be JSON (libyaml would accept a trailing comma or
    single quotes that CloudFormation's JSON parser rejects); positions still come from the YAML pass.
    """
    if len(data) > MAX_FILE_BYTES:
        raise DecodeError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DecodeError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", line) from None
    _check_digit_runs(text)
    if strict_json:
        _check_flow_depth(text)
        decode_json_fallback(text)
    return decode_text(text, duplicates)


MAX_NUMBER_DIGITS = 1000  # Python refuses int() of 4,300 digits and more; no template value needs a tenth of that
_DIGITS = re.compile(rf"\d{{{MAX_NUMBER_DIGITS + 1},}}")


def _check_digit_runs(text: str) -> None:
    """A number of thousands of digits is refused where it stands (YAML and JSON parsers would raise ValueError, or
    spend quadratic time converting it); the same digits inside a quoted string are only text."""
    for m in _DIGITS.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[line_start:m.start()]
        if before.count('"') % 2 or before.count("'") % 2:
            continue  # inside a string on its line
        line = text.count("\n", 0, m.start()) + 1
        raise DecodeError(f"a number of {len(m.group(0)):,} digits: over the {MAX_NUMBER_DIGITS:,} digits a value "
                          "may have", line, m.start() - line_start + 1)


def decode_json_fallback(text: str) -> Any:
    """Plain JSON, for the rare JSON document libyaml rejects (positions are then unknown)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DecodeError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
