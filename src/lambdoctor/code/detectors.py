"""Recording facts the rules read: SDK calls, connections opened per invocation, except clauses, /tmp writes,
log levels, idempotency settings, hard-coded ARNs and endpoints, batch item failures.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from lambdoctor.code import sdk
from lambdoctor.code.astwalk import (
    call_arg,
    dict_keys,
    fast_walk,
    keyword_arg,
    last_name,
    qualname,
    status_code_of,
    str_const,
    walk_no_defs,
)
from lambdoctor.code.scope import Frame, Obj
from lambdoctor.code.values import Values
from lambdoctor.code.vocabulary import (
    ACCOUNT_ID,
    ARN_LITERAL,
    AWS_ENDPOINT,
    BROAD_EXCEPTIONS,
    DEFAULT_IDEMPOTENCY_SECONDS,
    LOG_METHODS,
    VERBOSE_LEVELS,
)
from lambdoctor.facts import (
    ArgValue,
    BatchItem,
    Creation,
    ExceptAction,
    ExceptClause,
    HardcodedValue,
    SdkCall,
    Setting,
    TmpWrite,
)


def _aws_owned_arn(text: str) -> bool:
    """An ARN that is the same in every account and Region: an AWS managed policy (account "aws"), EventBridge
    Scheduler's universal targets (``arn:aws:scheduler:::aws-sdk:sqs:sendMessage``) and Step Functions' service
    integrations (``arn:aws:states:::lambda:invoke``), which have neither a Region nor an account.
    https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html"""
    parts = text.split(":", 5)
    if len(parts) < 6:
        return False
    service, region, account = parts[2], parts[3], parts[4]
    return account == "aws" or (not region and not account and service in ("scheduler", "states"))


class Detectors(Values):
    def _creation(self, frame: Frame, kind: str, what: str, call: ast.Call, stmt: ast.stmt) -> None:
        per_invocation = frame.per_invocation and not frame.cached and not self._persisted(frame, stmt)
        ref = self.ref(frame, call)
        key = (ref.file, ref.line, ref.column)
        prev = self.out.creations.get(key)
        if prev is None or (per_invocation and not prev.per_invocation):
            self.out.creations[key] = Creation(kind, what, ref, per_invocation)  # type: ignore[arg-type]

    def _persisted(self, frame: Frame, stmt: ast.stmt) -> bool:
        """The result is kept across invocations: assigned to a global, a module-level cache or an attribute."""
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            return False
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for t in targets:
            if isinstance(t, ast.Name) and t.id in frame.globals_:
                return True
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and self._is_module_name(
                    frame, t.value.id):
                return True
            if isinstance(t, ast.Attribute):
                return True
        return False

    def _sdk(self, frame: Frame, call: ast.Call, base: Obj, attr: str, stmt: ast.stmt) -> None:
        ops: tuple[str, ...] = ()
        resource: ArgValue | None = base.resource
        service = base.service
        if base.kind == "client":
            if attr == "generate_presigned_url":
                method = str_const(call_arg(call, 0, "ClientMethod"))
                op = sdk.operation_for(service, method) if method else None
                ops = (op,) if op else ()
                params = call_arg(call, 1, "Params")
                if isinstance(params, ast.Dict):
                    for k, v in zip(params.keys, params.values, strict=False):
                        if str_const(k) in sdk.RESOURCE_ARGS.get(service, ()):
                            resource = self.arg_value(frame, v)
            elif attr in sdk.CLIENT_PLUMBING:
                return
            elif (service, attr) in sdk.CLIENT_HELPERS:
                ops = sdk.CLIENT_HELPERS[(service, attr)]
                pos = sdk.TRANSFER_POSITIONS.get(attr)
                bucket = call_arg(call, pos[0], "Bucket") if pos else keyword_arg(call, "Bucket")
                resource = self.arg_value(frame, bucket)
            else:
                op = sdk.operation_for(service, attr)
                if op is None:
                    return
                ops = (op,)
                resource = self._resource_kwarg(frame, call, service)
        elif base.kind == "paginator" and attr == "paginate":
            if not base.op:
                self.out.complete = False
                return
            ops = (base.op,)
            resource = self._resource_kwarg(frame, call, service)
        elif base.kind == "service_resource":
            if (service, attr) in sdk.SUBRESOURCES:
                return
            op = sdk.operation_for(service, attr)
            ops = (op,) if op else ()
        elif base.kind == "sub":
            ops = sdk.SUBRESOURCE_METHODS.get(base.sub, {}).get(attr, ())
        elif base.kind == "collection" and attr in ("all", "filter", "limit", "page_size", "pages", "delete"):
            ops = ("DeleteObjects",) if attr == "delete" else (base.op,)
        if not ops:
            return
        ref = self.ref(frame, call)
        itype = self.arg_value(frame, keyword_arg(call, "InvocationType")) if service == "lambda" else None
        if service == "lambda" and keyword_arg(call, "InvocationType") is not None and itype is None:
            itype = ArgValue()  # set, but not to anything the AST tells
        for op in ops:
            self.out.sdk_calls[(ref.line, ref.column, f"{ref.file}|{op}")] = SdkCall(
                service, op, attr, ref, resource, itype, sdk.iam_requirements(service, op))
            if (service, op) in sdk.SECRET_FETCHES:
                self._creation(frame, "secret", f"{service}.{attr}", call, stmt)
            if (base.kind != "sub" and resource is not None and resource.literal
                    and not resource.literal.startswith(("arn:", "http"))):
                self._resource_literal(frame, call, resource.literal)

    def _resource_kwarg(self, frame: Frame, call: ast.Call, service: str) -> ArgValue | None:
        for key in sdk.RESOURCE_ARGS.get(service, ()):
            v = keyword_arg(call, key)
            if v is not None:
                return self.arg_value(frame, v)
        return None

    # -- specific facts ---------------------------------------------------------------------------------------
    def _literal(self, frame: Frame, node: ast.Constant) -> None:
        text = str(node.value)
        if len(text) > 2048:
            return
        kind = ("arn" if ARN_LITERAL.match(text) and not _aws_owned_arn(text) else
                "account-id" if ACCOUNT_ID.match(text) else "endpoint" if AWS_ENDPOINT.match(text) else None)
        if kind:
            ref = self.ref(frame, node)
            self.out.literals[(ref.file, ref.line, kind)] = HardcodedValue(ref, kind, text)  # type: ignore[arg-type]

    def _log_level(self, frame: Frame, call: ast.Call, q: str | None) -> None:
        func = call.func
        level: ast.expr | None = None
        if isinstance(func, ast.Attribute) and func.attr == "setLevel":
            level = call_arg(call, 0, "level")
        elif q in ("logging.basicConfig",) or (
                last_name(q) == "Logger" and q and q.startswith("aws_lambda_powertools")):
            level = keyword_arg(call, "level")
        if level is None:
            return
        text: str | None = None
        if isinstance(level, ast.Constant):
            text = {10: "DEBUG", 5: "TRACE"}.get(level.value) if isinstance(level.value, int) else str(
                level.value).upper()
        elif isinstance(level, ast.Attribute) and qualname(level, frame.module.aliases) in (
                "logging.DEBUG", "logging.NOTSET"):
            text = level.attr
        if text in VERBOSE_LEVELS:
            ref = self.ref(frame, call)
            self.out.log_levels[(ref.file, ref.line)] = Setting(ref, VERBOSE_LEVELS[text])

    def _idempotency(self, frame: Frame, call: ast.Call, q: str | None) -> None:
        name = last_name(q) if q else ""
        if name == "IdempotencyConfig":
            v = keyword_arg(call, "expires_after_seconds")
            seconds = v.value if isinstance(v, ast.Constant) and isinstance(v.value, int) else (
                DEFAULT_IDEMPOTENCY_SECONDS if v is None else None)
            if seconds is not None:
                self.out.idempotency = Setting(self.ref(frame, call), str(seconds))
        elif (name in ("idempotent", "idempotent_function") and self.out.idempotency is None
              and keyword_arg(call, "config") is None):
            self.out.idempotency = Setting(self.ref(frame, call), str(DEFAULT_IDEMPOTENCY_SECONDS))

    def _tmp_write(self, frame: Frame, call: ast.Call, q: str | None) -> None:
        func = call.func
        what: str | None = None
        unique = False
        if (isinstance(func, ast.Name) and func.id == "open") or q in ("io.open", "builtins.open"):
            path = self.eval(frame, call_arg(call, 0, "file"))
            mode = str_const(call_arg(call, 1, "mode")) or "r"
            if path is not None and path.tmp and any(c in mode for c in "wax+"):
                what, unique = f"open(..., {mode!r})", path.unique or "a" in mode
        elif q in ("tempfile.mkstemp", "tempfile.mkdtemp"):
            what, unique = f"{q}()", True
        elif q == "tempfile.NamedTemporaryFile":
            delete = keyword_arg(call, "delete")
            if isinstance(delete, ast.Constant) and delete.value is False:
                what, unique = "NamedTemporaryFile(delete=False)", True
        elif (isinstance(func, ast.Attribute) and func.attr in ("download_file", "download_fileobj")) or q in (
                "urllib.request.urlretrieve", "shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move"):
            attr = func.attr if isinstance(func, ast.Attribute) else ""
            index = {"download_file": 2}.get(attr, 1)
            if attr == "download_file" and isinstance(func, ast.Attribute):
                base = self.eval(frame, func.value)
                index = {"Bucket": 1, "Object": 0}.get(base.sub, 2) if base is not None and base.kind == "sub" else 2
            path = self.eval(frame, call_arg(call, index, "Filename" if attr else None))
            if path is not None and path.tmp:
                what, unique = f"{attr or q}()", path.unique
        elif isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes", "touch"):
            path = self.eval(frame, func.value)
            if path is not None and path.tmp:
                what, unique = f"{func.attr}()", path.unique
        if what:
            self.out.tmp.append(TmpWrite(self.ref(frame, call), what, unique, cleaned=False))

    def _except(self, frame: Frame, h: ast.ExceptHandler) -> None:
        caught = ast.unparse(h.type) if h.type is not None else ""
        names = [caught] if h.type is None else [
            ast.unparse(e) for e in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type])]
        broad = h.type is None or any(n in BROAD_EXCEPTIONS or last_name(n) in BROAD_EXCEPTIONS for n in names)
        ref = self.ref(frame, h)
        in_handler = frame.node is not None and frame.node is self.handler_node
        self.out.excepts[(ref.file, ref.line)] = ExceptClause(ref, caught, broad, self._except_action(h, in_handler))

    def _except_action(self, h: ast.ExceptHandler, in_handler: bool = True) -> ExceptAction:
        action: ExceptAction = "pass"
        for stmt in h.body:
            if any(isinstance(n, ast.Raise) for n in walk_no_defs(stmt)):
                return "reraise"
        for stmt in h.body:
            if isinstance(stmt, (ast.Pass, ast.Continue, ast.Break)) or (
                    isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                continue
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and self._is_log_call(stmt.value):
                action = "log"
                continue
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(
                    stmt.value.func, ast.Attribute) and stmt.value.func.attr in ("append", "add", "extend"):
                if self._records_failure(stmt.value):
                    return "record-failure"
                return "other"
            if isinstance(stmt, ast.Return):
                value = stmt.value
                if value is None or (isinstance(value, ast.Constant) and value.value is None):
                    # the handler returning None succeeds; a helper returning None hands its caller a sentinel
                    # (an authorizer's lookup that fails closed: no principal, so the caller denies)
                    if not in_handler:
                        return "other"
                    action = "return-success"
                    continue
                if isinstance(value, ast.Constant) and value.value is True:
                    action = "return-success"
                    continue
                d = value if isinstance(value, ast.Dict) else None
                if d is not None:
                    if "batchItemFailures" in dict_keys(d):
                        return "record-failure"
                    code = status_code_of(d)
                    if code is True or (isinstance(code, int) and code >= 400):
                        return "return-error"
                    if isinstance(code, int):
                        action = "return-success"
                        continue
                return "other"
            return "other"
        return action

    def _is_log_call(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            return func.id == "print"
        return isinstance(func, ast.Attribute) and func.attr in LOG_METHODS

    @staticmethod
    def _records_failure(call: ast.Call) -> bool:
        target = call.func.value if isinstance(call.func, ast.Attribute) else None
        target_name = ast.unparse(target).lower() if target is not None else ""
        if "fail" in target_name or "error" in target_name:
            return True
        return any(isinstance(a, ast.Dict) and "itemIdentifier" in dict_keys(a) for a in call.args)

    def _response_assign(self, frame: Frame, targets: Sequence[ast.expr], value: ast.expr) -> None:
        """``response = {"batchItemFailures": ...}``, or ``response["batchItemFailures"] = failures`` (the
        developer guide's own partial-batch example builds the response that way)."""
        if isinstance(value, ast.Dict):
            self._response_dict(frame, value)
        for t in targets:
            if (isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant)
                    and t.slice.value == "batchItemFailures"):
                self._batch_failures(frame, t, value)

    def _response_dict(self, frame: Frame, d: ast.Dict) -> None:
        for k, v in zip(d.keys, d.values, strict=False):
            if isinstance(k, ast.Constant) and k.value == "batchItemFailures":
                self._batch_failures(frame, d, v)

    def _batch_failures(self, frame: Frame, where: ast.AST, value: ast.expr) -> None:
        """A response's batchItemFailures, in a dict literal or set by key, and the entries it holds."""
        self.out.batch_failures = self.out.batch_failures or self.ref(frame, where)
        self._batch_items(frame, value)

    def _batch_items(self, frame: Frame, value: ast.expr) -> None:
        dicts: list[ast.Dict] = []
        if isinstance(value, (ast.List, ast.ListComp)):
            dicts = [n for n in fast_walk(value) if isinstance(n, ast.Dict)]
        elif isinstance(value, ast.Name) and frame.node is not None:
            for node in walk_no_defs(frame.node):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == value.id):
                    dicts += [a for a in node.args if isinstance(a, ast.Dict)]
                    dicts += [n for a in node.args if isinstance(a, (ast.List, ast.ListComp))
                              for n in fast_walk(a) if isinstance(n, ast.Dict)]
                elif isinstance(node, (ast.Assign, ast.AugAssign)) and value.id in {
                        n.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                        for n in fast_walk(t) if isinstance(n, ast.Name)}:
                    dicts += [n for n in fast_walk(node.value) if isinstance(n, ast.Dict)]
        for d in dicts:
            keys = tuple(dict_keys(d))
            if keys:
                ref = self.ref(frame, d)
                self.out.batch_items[(ref.file, ref.line)] = BatchItem(ref, keys)
