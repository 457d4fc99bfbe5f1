"""Lambda integrations read from an API's OpenAPI definition (loaders/openapi.py), in the shapes of the API
Gateway developer guide's x-amazon-apigateway-integration page and SAM's translator inputs
(aws/serverless-application-model tests/translator/input/api_with_cors.yaml, in the shared corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, app_of, run_scan

from lambdoctor.loaders.discover import load_paths

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


def test_a_local_definition_uri_is_read_and_its_triggers_point_at_the_template(tmp_path: Path) -> None:
    # SAM CLI uploads a local DefinitionUri when packaging; its integrations are the API's, as if inline
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Export:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.12, Handler: index.handler, InlineCode: \"x\", Timeout: 60}\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties:\n"
        "      StageName: prod\n"
        "      DefinitionUri: api/openapi.yaml\n")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "openapi.yaml").write_text(
        "openapi: '3.0.1'\n"
        "info: {title: export, version: '1'}\n"
        "paths:\n"
        "  /export:\n"
        "    post:\n"
        "      x-amazon-apigateway-integration:\n"
        "        type: aws_proxy\n"
        "        httpMethod: POST\n"
        "        uri: arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:eu-west-1:123456789012:function:export/invocations\n")
    # the literal function name: give the function its physical name
    text = (tmp_path / "template.yaml").read_text().replace("InlineCode: \"x\", Timeout: 60}",
                                                            "InlineCode: \"x\", Timeout: 60, FunctionName: export}")
    (tmp_path / "template.yaml").write_text(text)
    app = app_of(tmp_path / "template.yaml")
    assert [(e.id, e.kind, e.mode, e.ref.line, Path(e.ref.file).name) for e in app.event_sources] == [
        ("Api POST /export", "api", "sync", 10, "template.yaml")]
    result = run_scan([tmp_path], select=["REL001"])
    assert [(f.rule, f.resource, f.line) for f in result.findings] == [("REL001", "Export", 5)]


@pytest.mark.skipif(not (CORPUS / "sam-translator-inputs").is_dir(),
                    reason="../shared/corpus is not beside the repository")
def test_a_real_sam_input_with_a_swagger_definition_body() -> None:
    # aws/serverless-application-model tests/translator/input/api_with_cors.yaml (the shared corpus's copy): an
    # explicit API whose DefinitionBody integrates two functions, beside an implicit API's SAM events
    loaded = load_paths([str(CORPUS / "sam-translator-inputs" / "api_with_cors.yaml")])
    # the translator's inputs omit the transform (its tests apply it): that, and nothing else, is said
    assert [(p.line, p.partial) for p in loaded.problems] == [(7, True)]
    (app,) = loaded.applications
    assert sorted((e.id, e.function, e.kind, e.mode) for e in app.event_sources) == [
        ("ExplicitApi ANY /{proxy+}", "GetHtmlFunction", "api", "sync"),
        ("ExplicitApi POST /add", "RestApiFunction", "api", "sync"),
        ("ImplicitApiFunction.AnyApi", "ImplicitApiFunction", "api", "sync"),
        ("ImplicitApiFunction.GetHtml", "ImplicitApiFunction", "api", "sync")]
