"""Reading project modules the handler imports (``import x``, ``from x import y``, relative and star imports),
each once, with their module-level bindings and class attributes.
"""

from __future__ import annotations

import ast
import os

from lambdoctor.code.astwalk import (
    all_statements,
    fast_walk,
)
from lambdoctor.code.scope import Frame, Module, Obj
from lambdoctor.code.source import ParsedModule, resolve_module
from lambdoctor.code.values import Values


class Imports(Values):
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
        frame = Frame(mod, None, None, per_invocation=False, env=mod.env)
        self._block(frame, parsed.tree.body)
        for cls in mod.classes.values():
            self._class_attrs(mod, cls)
        self.loading.discard(key)
        return mod

    def _imports(self, mod: Module) -> None:
        root = mod.parsed.root
        package = os.path.dirname(mod.path)
        for node in all_statements(mod.parsed.tree.body):
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
            frame = Frame(mod, fn, cls.name, per_invocation=False)
            for node in fast_walk(fn):
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                            obj = self.eval(frame, node.value)
                            if obj is not None:
                                attrs[t.attr] = obj
        mod.class_attrs[cls.name] = attrs
