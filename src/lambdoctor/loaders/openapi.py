"""Lambda integrations declared in an API's OpenAPI definition (``DefinitionBody`` of AWS::Serverless::Api and
AWS::Serverless::HttpApi, ``Body`` of AWS::ApiGateway::RestApi and AWS::ApiGatewayV2::Api).

API Gateway reads each operation's ``x-amazon-apigateway-integration``: its ``uri`` names the function
(``arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations``, or for an HTTP API
the function ARN itself), ``timeoutInMillis`` the integration timeout, and the request parameter
``integration.request.header.X-Amz-Invocation-Type`` set to ``'Event'`` makes a REST API invoke the function
asynchronously (the client gets 200 at once; the function's errors go to its async retries and destinations).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integration-async.html
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace",
                      "x-amazon-apigateway-any-method"})
_ASYNC_HEADER = "integration.request.header.X-Amz-Invocation-Type"


@dataclass(frozen=True)
class Integration:
    """One operation's Lambda integration, as written (intrinsics unresolved)."""

    path: str
    method: str
    node: Any  # the x-amazon-apigateway-integration mapping (positions, timeoutInMillis)
    uri: Any
    asynchronous: bool


def integrations(definition: Any) -> Iterator[Integration]:
    paths = definition.get("paths") if isinstance(definition, dict) else None
    if not isinstance(paths, dict):
        return
    for path, operations in paths.items():
        if not isinstance(operations, dict):
            continue
        for method, operation in operations.items():
            if str(method).lower() not in _METHODS or not isinstance(operation, dict):
                continue
            integ = operation.get("x-amazon-apigateway-integration")
            if not isinstance(integ, dict) or "uri" not in integ:
                continue
            verb = "ANY" if str(method).lower() == "x-amazon-apigateway-any-method" else str(method).upper()
            yield Integration(str(path), verb, integ, integ["uri"],
                              invokes_async(integ.get("requestParameters")))


def invokes_async(request_parameters: Any) -> bool:
    """The integration's request parameters set X-Amz-Invocation-Type to the literal 'Event'."""
    header = request_parameters.get(_ASYNC_HEADER) if isinstance(request_parameters, dict) else None
    return isinstance(header, str) and header.strip().strip("'\"") == "Event"
