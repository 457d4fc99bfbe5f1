"""Evaluating expressions: what a name, attribute or call is (a boto3 client, a resource, a path under /tmp, an
environment variable's value), as far as the analysis follows it.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from lambdoctor.code import sdk
from lambdoctor.code.astwalk import (
    call_arg,
    qualname,
    str_const,
    walk_no_defs,
)
from lambdoctor.code.scope import Frame, Obj, Scope, reads_tainted
from lambdoctor.facts import (
    ArgValue,
    HardcodedValue,
)


class Values(Scope):
    def env_value(self, frame: Frame, expr: ast.expr) -> ArgValue | None:
        """A value read from the environment: os.environ['X'], os.environ.get('X'), os.getenv('X')."""
        aliases = frame.module.aliases
        if isinstance(expr, ast.Subscript) and qualname(expr.value, aliases) == "os.environ":
            key = str_const(expr.slice)
            return ArgValue(env=key) if key else None
        if isinstance(expr, ast.Call) and qualname(expr.func, aliases) in ("os.environ.get", "os.getenv"):
            key = str_const(call_arg(expr, 0))
            return ArgValue(env=key) if key else None
        return None

    def eval(self, frame: Frame, expr: ast.expr | None) -> Obj | None:
        if expr is None:
            return None
        aliases = frame.module.aliases
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return Obj("str", value=ArgValue(literal=expr.value), tmp=expr.value.startswith("/tmp"))
        if isinstance(expr, ast.Name):
            found = self.lookup(frame, expr.id)
            if found is None and expr.id in frame.tainted:
                return Obj("str", value=ArgValue(event=True))
            return found
        env = self.env_value(frame, expr)
        if env is not None:
            return Obj("str", value=env)
        if isinstance(expr, ast.JoinedStr):
            first = expr.values[0] if expr.values else None
            tmp = isinstance(first, ast.Constant) and str(first.value).startswith("/tmp")
            return Obj("str", value=ArgValue(event=reads_tainted(frame, expr)), tmp=tmp,
                       unique=tmp and any(isinstance(v, ast.FormattedValue) for v in expr.values))
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Div, ast.Mod)):
            left = self.eval(frame, expr.left)
            if left is not None and left.tmp:
                return Obj("str", tmp=True, unique=True)
            return None
        if isinstance(expr, ast.Subscript) and reads_tainted(frame, expr):
            return Obj("str", value=ArgValue(event=True))
        if isinstance(expr, ast.Attribute):
            return self._eval_attribute(frame, expr)
        if isinstance(expr, ast.Call):
            return self._eval_call(frame, expr, qualname(expr.func, aliases))
        if isinstance(expr, (ast.Await,)):
            return self.eval(frame, expr.value)
        return None

    def _eval_attribute(self, frame: Frame, expr: ast.Attribute) -> Obj | None:
        if isinstance(expr.value, ast.Name) and expr.value.id == "self" and frame.cls:
            return frame.module.class_attrs.get(frame.cls, {}).get(expr.attr)
        base = self.eval(frame, expr.value)
        if base is None:
            return None
        if base.kind == "module":
            other = self.modules.get(base.module)
            if other is None:
                return None
            if expr.attr in other.env:
                return other.env[expr.attr]
            return Obj("factory", module=other.path, op=expr.attr) if expr.attr in other.functions else None
        if expr.attr == "meta" and base.kind in ("service_resource", "sub"):
            return replace(base, kind="meta")
        if expr.attr == "client" and base.kind == "meta":
            return Obj("client", service=base.service)
        if base.kind == "sub" and (base.sub, expr.attr) in sdk.COLLECTIONS:
            return Obj("collection", service=base.service, resource=base.resource,
                       op=sdk.COLLECTIONS[(base.sub, expr.attr)])
        return None

    def _eval_call(self, frame: Frame, call: ast.Call, q: str | None) -> Obj | None:
        if q in ("boto3.client", "boto3.resource", "boto3.session.Session.client"):
            return self._boto3(frame, call, "client" if q.endswith("client") else "service_resource")
        if q in ("boto3.Session", "boto3.session.Session"):
            return Obj("session")
        if q in ("tempfile.gettempdir",):
            return Obj("str", tmp=True)
        if q in ("os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePosixPath") and call.args:
            first = self.eval(frame, call.args[0])
            if first is not None and first.tmp:
                unique = first.unique or any(not isinstance(a, ast.Constant) for a in call.args[1:])
                return Obj("str", tmp=True, unique=unique)
            return None
        func = call.func
        if isinstance(func, ast.Attribute):
            base = self.eval(frame, func.value)
            if base is None:
                return None
            attr = func.attr
            if base.kind == "session" and attr in ("client", "resource"):
                return self._boto3(frame, call, "client" if attr == "client" else "service_resource")
            if base.kind == "service_resource" and (base.service, attr) in sdk.SUBRESOURCES:
                arg = call_arg(call, 0, "QueueName" if attr == "get_queue_by_name" else None)
                value = self.arg_value(frame, arg)
                if value is not None and value.literal and not value.literal.startswith(("arn:", "http")):
                    self._resource_literal(frame, call, value.literal)
                return Obj("sub", service=base.service, sub=sdk.SUBRESOURCES[(base.service, attr)], resource=value)
            if base.kind == "sub" and base.sub == "Bucket" and attr == "Object":
                return Obj("sub", service="s3", sub="Object", resource=base.resource)
            if base.kind == "client" and attr == "get_paginator":
                method = str_const(call_arg(call, 0))
                op = sdk.operation_for(base.service, method) if method else None
                return Obj("paginator", service=base.service, op=op or "")
            if base.kind == "str" and base.tmp and attr in ("joinpath", "with_suffix", "with_name"):
                return Obj("str", tmp=True, unique=True)
            return None
        if isinstance(func, ast.Name):
            target = self.lookup(frame, func.id)
            if target is not None and target.kind == "factory":
                return self._factory_result(target)
        return None

    def _boto3(self, frame: Frame, call: ast.Call, kind: str) -> Obj | None:
        service = str_const(call_arg(call, 0, "service_name"))
        if service is None:
            self.out.complete = False  # a service chosen at run time cannot be followed
            return None
        return Obj(kind, service=service)

    def _factory_result(self, target: Obj) -> Obj | None:
        """What a project function returns, when it returns a client it creates (get_client() patterns)."""
        mod = self.modules.get(target.module)
        fn = mod.functions.get(target.op) if mod else None
        if mod is None or fn is None or id(fn) in self.factories:
            return None
        self.factories.add(id(fn))  # a recursive factory must not recurse here
        try:
            frame = Frame(mod, fn, None, per_invocation=False)
            for node in walk_no_defs(fn):
                if isinstance(node, ast.Assign):
                    obj = self.eval(frame, node.value)
                    for t in node.targets:
                        if isinstance(t, ast.Name) and obj is not None:
                            frame.env[t.id] = obj
                if isinstance(node, ast.Return) and node.value is not None:
                    obj = self.eval(frame, node.value)
                    if obj is not None and obj.kind in ("client", "service_resource", "sub"):
                        return obj
            return None
        finally:
            self.factories.discard(id(fn))

    def arg_value(self, frame: Frame, expr: ast.expr | None) -> ArgValue | None:
        if expr is None:
            return None
        obj = self.eval(frame, expr)
        if obj is not None and obj.value is not None:
            return obj.value
        if reads_tainted(frame, expr):
            return ArgValue(event=True)
        return None

    def _resource_literal(self, frame: Frame, call: ast.Call, literal: str) -> None:
        ref = self.ref(frame, call)
        self.out.literals[(ref.file, ref.line, "resource-name")] = HardcodedValue(ref, "resource-name", literal)
