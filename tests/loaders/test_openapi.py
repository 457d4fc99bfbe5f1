"""Lambda integrations read from an API's OpenAPI definition (loaders/openapi.py), in the shapes of the API
Gateway developer guide's x-amazon-apigateway-integration page and SAM's translator inputs
(aws/serverless-application-model tests/translator/input/api_with_cors.yaml, in the shared corpus)."""

from __future__ import annotations

from pathlib import Path

from conftest import app_of

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, InlineCode: "x", Timeout: 10}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        info: {title: t, version: "1"}
        paths:
          /{proxy+}:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
          /jobs:
            post:
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
                requestParameters:
                  integration.request.header.X-Amz-Invocation-Type: "'Event'"
          /elsewhere:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "https://example.com/"}
"""


def test_each_lambda_operation_is_a_trigger_with_its_mode_and_timeout(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    app = app_of(tmp_path / "template.yaml")
    got = sorted((e.id, e.kind, e.mode, e.integration_timeout_ms.value if e.integration_timeout_ms else None,
                  e.ref.line) for e in app.event_sources)
    assert got == [("Api ANY /{proxy+}", "api", "sync", 29_000, 17),
                   ("Api POST /jobs", "api", "async", 29_000, 23)]
