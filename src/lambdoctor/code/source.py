"""Finding and parsing handler source: Handler + CodeUri (folder, zip or inline code) → a parsed module.

Parsing is :func:`ast.parse` only; nothing is imported or executed. A file that does not parse is a located
problem (SYS000) and the scan goes on.
"""

from __future__ import annotations

import ast
import os
import re
import zipfile
import zlib
from dataclasses import dataclass

from lambdoctor.facts import Suppression
from lambdoctor.model import Function
from lambdoctor.problems import Problem

# A .py file this large is generated or vendored, not handler code; parsing it would cost seconds for nothing.
MAX_SOURCE_BYTES = 5_000_000

_IGNORE = re.compile(r"#\s*lambdoctor:\s*ignore(?:\[([A-Za-z0-9,\s]*)\])?")


@dataclass
class ParsedModule:
    file: str  # as reported
    root: str | None  # the folder imports are resolved against (the code root), None for inline code
    tree: ast.Module
    line_offset: int  # inline code: the template line before the code's first line
    suppressions: tuple[Suppression, ...]


def _suppressions(text: str, tree: ast.Module, offset: int) -> tuple[Suppression, ...]:
    if "lambdoctor:" not in text:
        return ()
    by_line: dict[int, frozenset[str]] = {}
    for no, line in enumerate(text.splitlines(), 1):
        m = _IGNORE.search(line) if "#" in line else None
        if m:
            ids = frozenset(x.strip().upper() for x in (m.group(1) or "").split(",") if x.strip())
            by_line[no] = ids
    out = [Suppression(no + offset, no + offset, ids) for no, ids in by_line.items()]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            marked = [by_line[n] for n in range(first, node.lineno + 1) if n in by_line]
            if marked:
                out.append(Suppression(first + offset, (node.end_lineno or node.lineno) + offset, marked[0]))
    return tuple(out)


def parse_source(data: bytes, file: str, root: str | None, offset: int = 0
                 ) -> ParsedModule | Problem:
    if len(data) > MAX_SOURCE_BYTES:
        return Problem(file, 1, 1, f"Python file of {len(data):,} bytes is over the {MAX_SOURCE_BYTES:,}-byte "
                             "limit for handler code; not analyzed")
    try:
        # Bytes, not text: ast.parse then honours a PEP 263 encoding declaration and a UTF-8 BOM itself.
        tree = ast.parse(data, filename=file)
    except SyntaxError as exc:
        reason = exc.msg or "invalid syntax"
        if "Missing parentheses in call to 'print'" in reason or "print " in (exc.text or ""):
            reason += " (Python 2 code? Lambda runs Python 3)"
        return Problem(file, (exc.lineno or 1) + offset, exc.offset or 1, f"Python syntax error: {reason}")
    except (ValueError, UnicodeDecodeError) as exc:  # NUL bytes, undecodable text
        return Problem(file, 1 + offset, 1, f"not Python source: {exc}")
    except (RecursionError, MemoryError):
        return Problem(file, 1 + offset, 1, "Python source nested too deeply to analyze")
    text = data.decode("utf-8", "replace") if b"lambdoctor:" in data else ""
    return ParsedModule(file, root, tree, offset, _suppressions(text, tree, offset))


@dataclass(frozen=True)
class HandlerLocation:
    name: str  # the function's name
    file: str | None  # the file to read, None for inline code
    root: str | None
    zip_path: str | None = None  # the file lives inside this zip
    member: str | None = None


def locate_handler(fn: Function) -> HandlerLocation | str | None:
    """Where the handler's source lives; a reason when it cannot be found; None when not a Python zip function."""
    if fn.package_type != "Zip" or not isinstance(fn.runtime, str) or not fn.runtime.startswith("python"):
        return None
    if not isinstance(fn.handler, str) or "." not in fn.handler:
        return "the Handler is not set or not resolvable" if not isinstance(fn.handler, str) else (
            f"Handler {fn.handler!r} is not <module>.<function>")
    module, _, name = fn.handler.rpartition(".")
    module = module.replace("/", ".")
    if fn.inline_code is not None:
        # CloudFormation writes inline code to a file named index ("ZipFile": "...places it in a file named index
        # and zips it"): a Handler naming another module cannot load it, so this code is a placeholder for the
        # code really deployed, and judging it would be judging the wrong program
        if module != "index":
            return (f"inline code is deployed as index.py but Handler {fn.handler!r} names module {module!r}: a "
                    "placeholder, not the code that runs")
        return HandlerLocation(name, None, None)
    if fn.code_uri is None:
        return "the code is not on disk (S3 location or no CodeUri)"
    rel = module.replace(".", "/")
    if os.path.isfile(fn.code_uri) and zipfile.is_zipfile(fn.code_uri):
        try:
            with zipfile.ZipFile(fn.code_uri) as zf:
                names = set(zf.namelist())
        except (OSError, zipfile.BadZipFile) as exc:
            return f"cannot read {fn.code_uri}: {exc}"
        for member in (f"{rel}.py", f"{rel}/__init__.py"):
            if member in names:
                return HandlerLocation(name, fn.code_uri, None, fn.code_uri, member)
        return f"handler module {rel}.py not found in {fn.code_uri}"
    if not os.path.isdir(fn.code_uri):
        return f"code folder {fn.code_uri} not found"
    for candidate in (f"{rel}.py", f"{rel}/__init__.py"):
        path = os.path.normpath(os.path.join(fn.code_uri, candidate))
        if os.path.isfile(path):
            return HandlerLocation(name, path, fn.code_uri)
    return f"handler module {os.path.normpath(os.path.join(fn.code_uri, rel))}.py not found"


def read_location(loc: HandlerLocation, fn: Function) -> ParsedModule | Problem:
    if loc.file is None:
        assert fn.inline_code is not None
        at = fn.inline_code_ref
        # A block scalar (several lines) starts on the line after its key; a one-line string on the key's line.
        offset = (at.line if "\n" in fn.inline_code.strip() else at.line - 1) if at else 0
        return parse_source(fn.inline_code.encode("utf-8"), at.file if at else fn.ref.file, None, offset)
    if loc.zip_path is not None and loc.member is not None:
        try:
            with zipfile.ZipFile(loc.zip_path) as zf:
                # The size the archive declares is checked before inflating, and no more than the budget is
                # read whatever it declares: a 3 MB archive can inflate to 3 GB.
                if zf.getinfo(loc.member).file_size > MAX_SOURCE_BYTES:
                    return Problem(loc.zip_path, 1, 1, f"{loc.member} inflates to "
                                   f"{zf.getinfo(loc.member).file_size:,} bytes, over the {MAX_SOURCE_BYTES:,}-byte "
                                   "limit for handler code; not analyzed")
                with zf.open(loc.member) as member:
                    data = member.read(MAX_SOURCE_BYTES + 1)
        except (OSError, zipfile.BadZipFile, KeyError, EOFError, zlib.error) as exc:
            return Problem(loc.zip_path, 1, 1, f"cannot read {loc.member}: {exc}")
        return parse_source(data, f"{loc.zip_path}!{loc.member}", None)
    return read_file(loc.file, loc.root)


def read_file(path: str, root: str | None) -> ParsedModule | Problem:
    import stat

    try:
        # Without blocking, and only a regular file: a FIFO named like a handler is reported, never waited on.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return Problem(path, 1, 1, "not a regular file: not read")
            data = fh.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        return Problem(path, 1, 1, f"cannot read: {exc.strerror or exc}")
    return parse_source(data, path, root)


def resolve_module(root: str, dotted: str) -> str | None:
    """A project module's file under the code root, or None (a third-party or standard module)."""
    rel = dotted.replace(".", "/")
    for candidate in (f"{rel}.py", f"{rel}/__init__.py"):
        path = os.path.normpath(os.path.join(root, candidate))
        if os.path.isfile(path):
            return path
    return None

