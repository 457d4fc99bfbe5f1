"""Reading module folders: each ``.tf`` file parsed once, each module declared once per call prefix, and
every root module among the folders translated (a folder another one calls is modelled with its caller).
"""

from __future__ import annotations

import dataclasses
import os

from lambdoctor.facts import Suppression
from lambdoctor.loaders.comments import suppressions
from lambdoctor.loaders.decode import read_regular
from lambdoctor.loaders.hcl import (
    MAX_TF_BYTES,
    Block,
    Body,
    Evaluator,
    HclError,
    parse_hcl,
)
from lambdoctor.loaders.terraform.evaluate import Module, ModuleEval
from lambdoctor.loaders.terraform.translate import PLAIN, Translator, build_application
from lambdoctor.model import UNKNOWN, Application
from lambdoctor.problems import Problem


class Loader:
    def __init__(self, overrides: dict[str, str]) -> None:
        self.overrides = overrides
        self.problems: list[Problem] = []
        self.files_read = 0
        self.module_calls = 0
        self._modules: dict[tuple[str, str], Module | None] = {}
        self._parsed: dict[str, Body | None] = {}
        self.suppressions: dict[str, tuple[Suppression, ...]] = {}  # `# lambdoctor: ignore[...]` per .tf file

    def problem(self, file: str, line: int, column: int, reason: str) -> None:
        entry = Problem(file, line, column, reason)
        if entry not in self.problems:
            self.problems.append(entry)

    def parse(self, path: str) -> Body | None:
        if path in self._parsed:
            return self._parsed[path]
        body: Body | None = None
        try:
            if os.path.getsize(path) > MAX_TF_BYTES:
                self.problem(path, 1, 1, f"file is larger than {MAX_TF_BYTES // (1024 * 1024)} MB")
            else:
                data = read_regular(path, MAX_TF_BYTES)
                self.files_read += 1
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    self.problem(path, data.count(b"\n", 0, exc.start) + 1, 1,
                                 f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})")
                else:
                    body = parse_hcl(text, path)
                    marks = suppressions(text, "hcl")
                    if marks:
                        self.suppressions[path] = marks
        except HclError as exc:
            self.problem(path, exc.line, exc.column, exc.reason)
        except OSError as exc:
            self.problem(path, 1, 1, f"cannot read file: {exc.strerror or exc}")
        self._parsed[path] = body
        return body

    def read_module(self, folder: str, prefix: str, root: str) -> Module | None:
        key = (folder, prefix)
        if key in self._modules:
            return self._modules[key]
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".tf"))
        except OSError:
            names = []
        if not names:
            self._modules[key] = None
            return None
        mod = Module(folder, prefix, root or folder)
        for name in names:
            body = self.parse(os.path.join(folder, name))
            if body is None:
                continue
            mod.files += 1
            for block in body.blocks:
                self._declare(mod, block)
        if not prefix:
            for name in sorted(os.listdir(folder)):
                if name == "terraform.tfvars" or name.endswith(".auto.tfvars"):
                    body = self.parse(os.path.join(folder, name))
                    if body is not None:
                        ev = Evaluator(lambda r, s, e: UNKNOWN, folder)
                        mod.tfvars.update({k: ev.ev(a.expr, {}) for k, a in body.attrs.items()})
        self._modules[key] = mod
        return mod

    def _declare(self, mod: Module, block: Block) -> None:
        labels = block.labels
        if block.type == "variable" and labels:
            mod.variables[labels[0]] = block
        elif block.type == "locals":
            mod.locals.update(block.body.attrs)
        elif block.type == "resource" and len(labels) >= 2:
            mod.resources[f"{labels[0]}.{labels[1]}"] = block
        elif block.type == "data" and len(labels) >= 2:
            mod.data[f"{labels[0]}.{labels[1]}"] = block
        elif block.type == "module" and labels:
            mod.modules[labels[0]] = block
        elif block.type == "output" and labels and "value" in block.body.attrs:
            mod.outputs[labels[0]] = block.body.attrs["value"]

    def translate(self, root: ModuleEval, tr: Translator) -> None:
        stack = [root]
        while stack:
            me = stack.pop()
            for key, block in me.mod.resources.items():
                rtype = key.split(".", 1)[0]
                if not (hasattr(tr, "_" + rtype) or rtype in PLAIN):
                    continue
                for addr, env in me.instances(key, block):
                    tr.translate(rtype, addr, me.values(block.body, env))
            for name in me.mod.modules:
                child = me.child(name)
                if child is not None:
                    stack.append(child)


def load_modules(folders: list[str], overrides: dict[str, str]) -> tuple[list[Application], list[Problem], int]:
    """Every root module among ``folders``: a folder another one calls as a local module is part of its caller."""
    loader = Loader(overrides)
    mods = {f: loader.read_module(f, "", f) for f in folders}
    called: set[str] = set()
    for folder, mod in mods.items():
        if mod is None:
            continue
        for block in mod.modules.values():
            src = block.body.attrs.get("source")
            if src is None:
                continue
            value = Evaluator(lambda r, s, e: UNKNOWN, folder).ev(src.expr, {})
            if isinstance(value, str) and value.startswith(("./", "../")):
                called.add(os.path.normpath(os.path.join(folder, value)))
    apps: list[Application] = []
    for folder, mod in mods.items():
        if mod is None or mod.files == 0 or (folder in called and len(folders) > 1):
            continue  # (no .tf of the folder could be parsed: nothing of it was checked, SYS000 says why)
        tr = Translator()
        loader.translate(ModuleEval(loader, mod, None, 0), tr)
        app = build_application(folder, "terraform", tr)
        apps.append(dataclasses.replace(app, source=folder, code_suppressions=dict(loader.suppressions)))
    return apps, loader.problems, loader.files_read
