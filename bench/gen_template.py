"""Write a SAM template with N functions (default 5,000) of realistic variety, for the scale benchmark."""

from __future__ import annotations

import sys
from pathlib import Path


def generate(n: int) -> str:
    out = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
           "Globals:", "  Function:", "    Runtime: python3.12", "    MemorySize: 512", "Resources:",
           "  Alerts:", "    Type: AWS::SNS::Topic", "  Table:", "    Type: AWS::DynamoDB::Table", "    Properties:",
           "      BillingMode: PAY_PER_REQUEST",
           "      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]",
           "      KeySchema: [{AttributeName: pk, KeyType: HASH}]"]
    for i in range(n):
        kind = i % 5
        out += [f"  Fn{i}:", "    Type: AWS::Serverless::Function", "    Properties:",
                f"      Handler: handlers.fn{i}.handler", "      InlineCode: 'def handler(event, context): pass'",
                f"      Timeout: {[3, 10, 30, 60, 900][kind]}",
                "      Environment:", "        Variables:", "          TABLE_NAME: !Ref Table",
                f"          LOG_LEVEL: {'DEBUG' if i % 7 == 0 else 'INFO'}",
                "      Policies:", "        - DynamoDBCrudPolicy: {TableName: !Ref Table}"]
        if kind == 0:
            out += ["      Events:", "        Get:", "          Type: Api",
                    f"          Properties: {{Path: /items/{i}, Method: get}}"]
        elif kind == 1:
            out += ["      Events:", "        Q:", "          Type: SQS",
                    f"          Properties: {{Queue: !GetAtt Queue{i}.Arn, BatchSize: 10}}"]
            out += [f"  Queue{i}:", "    Type: AWS::SQS::Queue", "    Properties:",
                    f"      VisibilityTimeout: {60 if i % 2 else 30}"]
        elif kind == 2:
            out += ["      Events:", "        Every:", "          Type: Schedule",
                    "          Properties: {Schedule: rate(1 hour)}"]
        elif kind == 3:
            out += ["      Events:", "        T:", "          Type: SNS", "          Properties: {Topic: !Ref Alerts}"]
        if i % 4 == 0:
            out += [f"  Fn{i}Errors:", "    Type: AWS::CloudWatch::Alarm", "    Properties:",
                    "      Namespace: AWS/Lambda", "      MetricName: Errors",
                    f"      Dimensions: [{{Name: FunctionName, Value: !Ref Fn{i}}}]",
                    "      Statistic: Sum", "      Period: 60", "      EvaluationPeriods: 1", "      Threshold: 1",
                    "      ComparisonOperator: GreaterThanOrEqualToThreshold", "      AlarmActions: [!Ref Alerts]",
                    f"  Fn{i}Logs:", "    Type: AWS::Logs::LogGroup", "    Properties:",
                    f"      LogGroupName: !Sub /aws/lambda/${{Fn{i}}}", "      RetentionInDays: 30"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "out" / f"functions-{n}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(generate(n), encoding="utf-8")
    print(target)
