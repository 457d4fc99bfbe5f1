"""Services that invoke a function synchronously without being an API, one case each, in the shapes of the
CloudFormation reference pages of AWS::Cognito::UserPool (LambdaConfig), AWS::IoT::Authorizer,
AWS::CloudFront::Distribution (LambdaFunctionAssociations) and AWS::StepFunctions::StateMachine /
AWS::Serverless::StateMachine (a Task state, DefinitionSubstitutions). The developer guide's list of
synchronous callers: https://docs.aws.amazon.com/lambda/latest/dg/lambda-services.html"""

from __future__ import annotations

from pathlib import Path

from conftest import app_of

FN = """  {name}:
    Type: AWS::Serverless::Function
    Properties: {{Runtime: python3.12, Handler: app.handler, InlineCode: "x", Timeout: 5}}
"""

TEMPLATE = "Transform: AWS::Serverless-2016-10-31\nResources:\n" + "".join(
    FN.format(name=n) for n in ("SignUp", "Sender", "DeviceAuth", "Edge", "Step", "Subst")) + """\
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      LambdaConfig:
        PreSignUp: !GetAtt SignUp.Arn
        CustomSMSSender: {LambdaArn: !GetAtt Sender.Arn, LambdaVersion: V1_0}
  Authorizer:
    Type: AWS::IoT::Authorizer
    Properties:
      AuthorizerFunctionArn: !GetAtt DeviceAuth.Arn
      Status: ACTIVE
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior:
          TargetOriginId: site
          ViewerProtocolPolicy: redirect-to-https
          LambdaFunctionAssociations:
            - EventType: viewer-request
              LambdaFunctionARN: !Ref Edge.Version
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition:
        StartAt: Work
        States:
          Work:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters: {FunctionName: !GetAtt Step.Arn, Payload.$: $}
            End: true
  FlowFromFile:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/flow.asl.json
      DefinitionSubstitutions:
        WorkerArn: !GetAtt Subst.Arn
"""


def test_each_synchronous_caller_is_a_trigger_of_its_kind(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    app = app_of(tmp_path / "template.yaml")
    got = sorted((e.function, e.kind, e.mode) for e in app.event_sources)
    assert got == [("DeviceAuth", "iot_authorizer", "sync"), ("Edge", "cloudfront", "sync"),
                   ("Sender", "cognito", "sync"), ("SignUp", "cognito", "sync"), ("Step", "stepfunctions", "sync"),
                   ("Subst", "stepfunctions", "sync")]
