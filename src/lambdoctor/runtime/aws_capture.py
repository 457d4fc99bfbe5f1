"""Inside the worker, during ``simulate``: every AWS call the handler makes through boto3/botocore is answered by
the simulator instead of AWS — nothing leaves the machine, and a message the handler sends to its own queue or a
function it invokes becomes part of the simulation (recursive loops, synchronous chains).

The hook sits at botocore's ``before-send`` event, below the client's retry loop: an answer the simulator gives as
a throttle (429) or a read timeout is retried by botocore exactly as it would retry AWS's. Every botocore session
created in the worker gets the hook (boto3's default session included), because ``Session.__init__`` is wrapped
before the handler's module is imported.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

# Lambda gives every function temporary credentials in its environment; the handler's clients sign with these.
LAMBDA_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ASIALAMBDOCTORLOCAL00", "AWS_SECRET_ACCESS_KEY": "lambdoctor-local",
                      "AWS_SESSION_TOKEN": "lambdoctor-local-session"}


_ORIGINAL_INIT: Any = None  # botocore's Session.__init__ while install() has replaced it


class _Body(io.BytesIO):
    """The raw HTTP body botocore reads: ``stream()`` for parsed responses, ``read()`` for streaming payloads."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def _plain(value: Any) -> Any:
    """The call's parameters as data the pipe can carry (a file-like body becomes its size)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(value)} bytes>"
    return f"<{type(value).__name__}>"


def install(ask: Callable[[dict[str, Any]], dict[str, Any]]) -> bool:
    """Route botocore's requests to ``ask`` (the simulator's answer for one call; the simulator keeps the virtual
    time it took). False when botocore is not importable."""
    import importlib

    try:
        # The module, not the attribute: while install() runs from install_on_import, botocore.session is being
        # imported and is not yet an attribute of its package.
        session_module = importlib.import_module("botocore.session")
        from botocore.awsrequest import AWSResponse
        from botocore.exceptions import ClientError, ReadTimeoutError
    except ImportError:
        return False
    pending = threading.local()

    def remember(params: Any, model: Any, context: Any = None, **_: Any) -> None:
        config = (context or {}).get("client_config")
        pending.call = {"service": model.service_model.service_name, "operation": model.name,
                        "protocol": model.service_model.protocol, "params": _plain(params),
                        "read_timeout": float(getattr(config, "read_timeout", 60) or 60)}

    def answer(request: Any, **_: Any) -> Any:
        call = getattr(pending, "call", None) or {"service": "?", "operation": "?", "params": {}}
        reply = ask(call)
        if reply.get("raise") == "read_timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        if reply.get("raise"):
            raise ClientError({"Error": {"Code": reply["raise"], "Message": reply.get("message", "")}},
                              call["operation"])
        body = reply.get("body", b"")
        if "body_base64" in reply:  # a binary body, as the worker's channel carries it
            import base64

            body = base64.b64decode(reply["body_base64"])
        body = body.encode("utf-8") if isinstance(body, str) else body
        headers = {"x-amzn-RequestId": reply.get("request_id", "00000000-0000-0000-0000-000000000000"),
                   "Content-Length": str(len(body)), **reply.get("headers", {})}
        return AWSResponse(request.url, int(reply.get("status", 200)), headers, _Body(body))

    global _ORIGINAL_INIT
    original = _ORIGINAL_INIT = _ORIGINAL_INIT or session_module.Session.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("before-parameter-build", remember)
        self.register("before-send", answer)

    session_module.Session.__init__ = init
    return True


def install_on_import(ask: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """``install`` as soon as the handler's code imports botocore, not before: importing botocore takes about
    250 ms, which a handler that never uses it must not have added to its init duration. A finder at the head of
    ``sys.meta_path`` lets the import of ``botocore.session`` run and then installs the hook."""
    import importlib.abc
    import importlib.machinery
    import sys

    if "botocore.session" in sys.modules:
        install(ask)
        return

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            if name != "botocore.session":
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            loader = spec.loader
            run = loader.exec_module

            def exec_module(module: Any) -> None:
                run(module)
                install(ask)

            loader.exec_module = exec_module  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, _Finder())


def uninstall() -> None:
    """Sessions made from now on are botocore's own again (``simulate --in-process`` ends)."""
    global _ORIGINAL_INIT
    if _ORIGINAL_INIT is not None:
        import botocore.session

        botocore.session.Session.__init__ = _ORIGINAL_INIT
        _ORIGINAL_INIT = None


def json_answer(payload: Any, status: int = 200, error_type: str | None = None,
                content_type: str = "application/x-amz-json-1.0") -> dict[str, Any]:
    """An HTTP answer in the JSON protocols (the error type in ``x-amzn-ErrorType`` as AWS sends it)."""
    headers = {"Content-Type": content_type}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return {"status": status, "headers": headers, "body": json.dumps(payload)}
