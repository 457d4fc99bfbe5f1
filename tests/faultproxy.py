"""A fault-injecting HTTP proxy in front of moto's server, on 127.0.0.1: what a flaky network and a misbehaving
endpoint do to the Lambda API, and the few Lambda APIs moto lacks.

Every request is named by its Lambda operation, matched against botocore's own service model (method, request URI
and the URI's fixed query, as `?List=ALL` tells ListProvisionedConcurrencyConfigs from its Get), so a test says
"ListAliases answers an HTML page" rather than a path. What it can do to an answer:

- ``truncated``: the status line and headers with the full Content-Length, half the body, then the connection
  closed (a connection that broke mid-body);
- ``empty``: 200 with ``{}``; ``html``: 200 with an HTML page (a captive portal, a proxy's error page);
- ``403`` / ``429`` / ``503``: the error answers the Lambda API documents (AccessDeniedException,
  TooManyRequestsException, ServiceException), with ``x-amzn-ErrorType`` as Lambda sends it;
- ``drop``: the connection closed before any answer;
- ``loop``: (a page of a paged list) the true page, but with a NextMarker that asks for this same page again.

Lists are answered in pages of ``page_size`` items with this proxy's own markers (moto answers every list whole and
ignores Marker), so "page 2 of ListAliases is garbled" can be said; ListEventSourceMappings' FunctionName filter is
applied as the API reference documents it (a function's name or unqualified ARN selects the mappings of the
unqualified function, a qualified ARN those of that version or alias), where moto compares the literal string
given at creation. ListProvisionedConcurrencyConfigs, GetProvisionedConcurrencyConfig and GetAccountSettings, which
moto does not implement, are answered from ``provisioned`` and ``account_settings``; a partial ARN
(``123456789012:function:name``) in the path, which the API accepts and moto's server fails on with a 500, is
given to moto as the full ARN.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

FAULTS = ("truncated", "empty", "html", "403", "429", "503", "drop", "loop")

# Lambda's list operations: the list key of the answer (API reference, each operation's "Response Syntax").
LIST_KEYS = {
    "ListFunctions": "Functions",
    "ListVersionsByFunction": "Versions",
    "ListAliases": "Aliases",
    "ListEventSourceMappings": "EventSourceMappings",
    "ListProvisionedConcurrencyConfigs": "ProvisionedConcurrencyConfigs",
    "ListLayers": "Layers",
    "ListLayerVersions": "LayerVersions",
}

_ERRORS = {  # status → (x-amzn-ErrorType, message), as the Lambda API reference's "Errors" sections name them
    "403": (403, "AccessDeniedException", "User is not authorized to perform this action"),
    "429": (429, "TooManyRequestsException", "Rate exceeded"),
    "503": (503, "ServiceException", "The AWS Lambda service encountered an internal error."),
}

_HTML = b"<!DOCTYPE html><html><head><title>Network login</title></head><body>Sign in to continue</body></html>"


def _operations() -> list[tuple[str, str, re.Pattern[str], dict[str, str]]]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    out = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri, _, fixed = http["requestUri"].partition("?")
        pattern = re.sub(r"\\\{[A-Za-z]+\\\+\\\}", ".+", re.escape(uri))
        pattern = re.sub(r"\\\{[A-Za-z]+\\\}", "[^/]+", pattern)
        out.append((name, http["method"], re.compile(f"^{pattern}/?$"), dict(parse_qsl(fixed))))
    # The most specific first: fixed query parameters, then the longest literal template.
    out.sort(key=lambda o: (-len(o[3]), -len(o[2].pattern.replace("[^/]+", ""))))
    return out


@dataclass
class Request:
    operation: str
    method: str
    path: str
    query: dict[str, str]
    page: int  # 1 for a first page, K for the page asked for with this proxy's marker


@dataclass
class Fault:
    operation: str
    kind: str
    page: int | None = None  # only this page of a paged list
    times: int | None = None  # only the first N matching requests (None: every one)
    when: Callable[[Request], bool] | None = None
    hits: int = 0


@dataclass
class FaultProxy:
    upstream: str  # moto's http://127.0.0.1:PORT
    page_size: int | None = None
    faults: list[Fault] = field(default_factory=list)
    # (function name, qualifier) → allocated provisioned concurrency, for the two APIs moto lacks.
    provisioned: dict[tuple[str, str], int] = field(default_factory=dict)
    account_settings: dict[str, Any] | None = None
    hooks: list[tuple[str, Callable[[Request], None]]] = field(default_factory=list)
    seen: list[Request] = field(default_factory=list)
    endpoint: str = ""

    def fault(self, operation: str, kind: str, *, page: int | None = None, times: int | None = None,
              when: Callable[[Request], bool] | None = None) -> Fault:
        assert kind in FAULTS, kind
        made = Fault(operation, kind, page, times, when)
        self.faults.append(made)
        return made

    def before(self, operation: str, hook: Callable[[Request], None]) -> None:
        """Run ``hook`` before a request of ``operation`` is answered (a change made while a run is under way)."""
        self.hooks.append((operation, hook))

    def calls(self, operation: str) -> list[Request]:
        return [r for r in self.seen if r.operation == operation]

    def reset(self) -> None:
        self.faults.clear()
        self.hooks.clear()
        self.seen.clear()
        self.provisioned.clear()
        self.page_size = None


_OPERATIONS: list[tuple[str, str, re.Pattern[str], dict[str, str]]] = []
_MARKER = "lambdoctor-test-page-"


def _operation(method: str, path: str, query: dict[str, str]) -> str:
    if not _OPERATIONS:
        _OPERATIONS.extend(_operations())
    for name, verb, pattern, fixed in _OPERATIONS:
        if verb == method and pattern.match(path) and all(query.get(k) == v for k, v in fixed.items()):
            return name
    return "?"


def function_of(path: str) -> str:
    """The FunctionName path segment as a bare name (a name, partial or full ARN, maybe qualified)."""
    segment = unquote(path.split("/functions/", 1)[1].split("/", 1)[0])
    parts = segment.split(":")
    if parts[0] == "arn":
        return parts[6]
    if len(parts) > 2 and parts[1] == "function":
        return parts[2]
    return parts[0]


class _Handler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        op = _operation(self.command, split.path, query)
        marker = query.get("Marker", "")
        page = int(marker.removeprefix(_MARKER)) if marker.startswith(_MARKER) else 1
        request = Request(op, self.command, split.path, query, page)
        self.proxy.seen.append(request)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        for name, hook in list(self.proxy.hooks):
            if name == op:
                hook(request)
        fault = self._fault(request)
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault in _ERRORS:
            status, kind, message = _ERRORS[fault]
            self._send(status, json.dumps({"Type": "User", "Message": message}).encode(),
                       {"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/coral/com.amazon.coral.service/",
                        **({"Retry-After": "1"} if status == 429 else {})})
            return
        if fault == "empty":
            self._send(200, b"{}")
            return
        if fault == "html":
            self._send(200, _HTML, {"Content-Type": "text/html; charset=utf-8"})
            return
        status, headers, answer = self._answer(request, query, body, fault)
        if fault == "truncated":
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer[: len(answer) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._send(status, answer, headers)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

    def _fault(self, request: Request) -> str | None:
        for f in self.proxy.faults:
            if f.operation != request.operation or (f.page is not None and f.page != request.page):
                continue
            if f.when is not None and not f.when(request):
                continue
            if f.times is not None and f.hits >= f.times:
                continue
            f.hits += 1
            return f.kind
        return None

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "application/json", **(headers or {})}
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, request: Request, query: dict[str, str], body: bytes,
                fault: str | None) -> tuple[int, dict[str, str], bytes]:
        op = request.operation
        if op in ("ListProvisionedConcurrencyConfigs", "GetProvisionedConcurrencyConfig"):
            return self._provisioned(request, fault)
        if op == "GetAccountSettings" and self.proxy.account_settings is not None:
            return 200, {}, json.dumps(self.proxy.account_settings).encode()
        forwarded = dict(query)
        forwarded.pop("Marker", None)
        forwarded.pop("MaxItems", None)
        wanted = forwarded.pop("FunctionName", None) if op == "ListEventSourceMappings" else None
        status, headers, answer = self._forward(self._full_arn(request.path), forwarded, body)
        if op in LIST_KEYS and status == 200:
            doc = json.loads(answer or b"{}")
            items = doc.get(LIST_KEYS[op], [])
            if wanted is not None:
                items = [m for m in items if _mapping_matches(str(m.get("FunctionArn", "")), wanted)]
            doc.pop("NextMarker", None)
            size = self.proxy.page_size
            if size:
                start = (request.page - 1) * size
                if start + size < len(items):
                    doc["NextMarker"] = f"{_MARKER}{request.page + 1}"
                items = items[start:start + size]
            doc[LIST_KEYS[op]] = items
            if fault == "loop":
                doc["NextMarker"] = f"{_MARKER}{request.page}"
            answer = json.dumps(doc).encode()
        return status, headers, answer

    def _region(self) -> str:
        # The Region from the request's SigV4 credential scope (Credential=KEY/DATE/REGION/lambda/aws4_request).
        scope = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", self.headers.get("Authorization", ""))
        return scope.group(1) if scope else "us-east-1"

    def _full_arn(self, path: str) -> str:
        head, sep, rest = path.partition("/functions/")
        if not sep:
            return path
        segment, slash, tail = rest.partition("/")
        parts = unquote(segment).split(":")
        if len(parts) in (3, 4) and parts[1] == "function":
            segment = f"arn:aws:lambda:{self._region()}:{segment}"
        return f"{head}{sep}{segment}{slash}{tail}"

    def _forward(self, path: str, query: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        up = urlsplit(self.proxy.upstream)
        conn = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "connection")}
            target = path + (f"?{urlencode(query)}" if query else "")
            conn.request(self.command, target, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            keep = {k: v for k, v in resp.getheaders()
                    if k.lower() in ("content-type", "x-amzn-errortype", "x-amzn-requestid")}
            return resp.status, keep, data
        finally:
            conn.close()

    def _provisioned(self, request: Request, fault: str | None) -> tuple[int, dict[str, str], bytes]:
        name = function_of(request.path)
        region, account = self._region(), "123456789012"
        configs = [{"FunctionArn": f"arn:aws:lambda:{region}:{account}:function:{name}:{q}",
                    "RequestedProvisionedConcurrentExecutions": n, "AvailableProvisionedConcurrentExecutions": n,
                    "AllocatedProvisionedConcurrentExecutions": n, "Status": "READY",
                    "LastModified": "2026-11-30T12:00:00+0000"}
                   for (fn, q), n in sorted(self.proxy.provisioned.items()) if fn == name]
        if request.operation == "GetProvisionedConcurrencyConfig":
            qualifier = request.query.get("Qualifier", "")
            [*found] = (c for c in configs if c["FunctionArn"].endswith(f":{qualifier}"))
            if not found:
                return 404, {"x-amzn-ErrorType": "ProvisionedConcurrencyConfigNotFoundException"}, json.dumps(
                    {"Type": "User", "Message": "No Provisioned Concurrency Config found for this function"}).encode()
            one = {k: v for k, v in found[0].items() if k != "FunctionArn"}
            return 200, {}, json.dumps(one).encode()
        size = self.proxy.page_size or len(configs) or 1
        start = (request.page - 1) * size
        doc: dict[str, Any] = {"ProvisionedConcurrencyConfigs": configs[start:start + size]}
        if start + size < len(configs):
            doc["NextMarker"] = f"{_MARKER}{request.page + 1}"
        if fault == "loop":
            doc["NextMarker"] = f"{_MARKER}{request.page}"
        return 200, {}, json.dumps(doc).encode()


def _mapping_matches(function_arn: str, wanted: str) -> bool:
    """ListEventSourceMappings' FunctionName filter (API reference): a name, a partial or full ARN; qualified or
    not. An unqualified filter selects mappings on the unqualified function only."""
    arn_parts = function_arn.split(":")
    name, qualifier = arn_parts[6], (arn_parts[7] if len(arn_parts) > 7 else None)
    parts = wanted.split(":")
    if parts[0] == "arn":
        w_name, w_q = parts[6], (parts[7] if len(parts) > 7 else None)
    elif len(parts) > 2 and parts[1] == "function":
        w_name, w_q = parts[2], (parts[3] if len(parts) > 3 else None)
    else:
        w_name, w_q = parts[0], (parts[1] if len(parts) > 1 else None)
    return name == w_name and qualifier == w_q


def start(upstream: str) -> Iterator[FaultProxy]:
    """Serve a proxy on a free port of 127.0.0.1 until the generator is closed."""
    proxy = FaultProxy(upstream)
    handler = type("Handler", (_Handler,), {"proxy": proxy})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    proxy.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fault-proxy", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
