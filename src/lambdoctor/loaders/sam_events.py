"""SAM's event types: how each invokes the function and what the platform defaults are.

Invocation modes follow the Lambda Developer Guide ("Invoking Lambda functions"): API Gateway, function URLs,
Cognito and Alexa call synchronously; S3, SNS, EventBridge, schedules, CloudWatch Logs and IoT call
asynchronously (retried twice, then dropped unless a DLQ/on-failure destination exists); SQS, Kinesis,
DynamoDB streams, Kafka and MQ are read by an event source mapping (poll).
"""

from __future__ import annotations

from typing import Literal

Mode = Literal["sync", "async", "poll"]

# SAM event Type → (model kind, invocation mode)
SAM_EVENT_TYPES: dict[str, tuple[str, Mode]] = {
    "Api": ("api", "sync"),
    "HttpApi": ("http_api", "sync"),
    "AlexaSkill": ("alexa", "sync"),
    "Cognito": ("cognito", "sync"),
    "S3": ("s3", "async"),
    "SNS": ("sns", "async"),
    "EventBridgeRule": ("eventbridge", "async"),
    "CloudWatchEvent": ("eventbridge", "async"),
    "Schedule": ("schedule", "async"),
    "ScheduleV2": ("schedule", "async"),
    "CloudWatchLogs": ("cloudwatch_logs", "async"),
    "IoTRule": ("iot", "async"),
    "SQS": ("sqs", "poll"),
    "Kinesis": ("kinesis", "poll"),
    "DynamoDB": ("dynamodb", "poll"),
    "MSK": ("msk", "poll"),
    "MQ": ("mq", "poll"),
    "SelfManagedKafka": ("kafka", "poll"),
    "DocumentDB": ("documentdb", "poll"),
}

# Property that names the event's source resource, per SAM event type.
SAM_SOURCE_PROPERTY = {
    "SQS": "Queue",
    "Kinesis": "Stream",
    "DynamoDB": "Stream",
    "MSK": "Stream",
    "MQ": "Broker",
    "DocumentDB": "Cluster",
    "S3": "Bucket",
    "SNS": "Topic",
    "Api": "RestApiId",
    "HttpApi": "ApiId",
    "CloudWatchLogs": "LogGroupName",
}

# Default BatchSize of an event source mapping (API reference, CreateEventSourceMapping).
DEFAULT_BATCH_SIZE = {"sqs": 10, "kinesis": 100, "dynamodb": 100, "msk": 100, "kafka": 100, "mq": 100,
                      "documentdb": 100}

# Integration timeouts (API Gateway quotas): REST 29 s unless raised per integration; HTTP API 30 s, fixed.
DEFAULT_INTEGRATION_TIMEOUT_MS = {"api": 29_000, "http_api": 30_000}

# Principals of Lambda permissions that imply an asynchronous invocation (DG "Invoking Lambda functions").
ASYNC_PRINCIPALS = {
    "s3.amazonaws.com": "s3",
    "sns.amazonaws.com": "sns",
    "events.amazonaws.com": "eventbridge",
    "iot.amazonaws.com": "iot",
    "ses.amazonaws.com": "ses",
    "codecommit.amazonaws.com": "codecommit",
    "config.amazonaws.com": "config",
}
SYNC_PRINCIPALS = {
    "apigateway.amazonaws.com": "api",
    "elasticloadbalancing.amazonaws.com": "alb",
    "cognito-idp.amazonaws.com": "cognito",
    "alexa-appkit.amazon.com": "alexa",
    "lex.amazonaws.com": "lex",
    "secretsmanager.amazonaws.com": "secretsmanager",
}


def principal_kind(principal: str) -> tuple[str, Mode] | None:
    if principal in ASYNC_PRINCIPALS:
        return ASYNC_PRINCIPALS[principal], "async"
    if principal.startswith("logs.") and principal.endswith(".amazonaws.com"):
        return "cloudwatch_logs", "async"
    if principal in SYNC_PRINCIPALS:
        return SYNC_PRINCIPALS[principal], "sync"
    return None


# Resource type of an event source mapping's source → kind.
SOURCE_TYPE_KIND = {
    "AWS::SQS::Queue": "sqs",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::Serverless::SimpleTable": "dynamodb",
    "AWS::MSK::Cluster": "msk",
    "AWS::MSK::ServerlessCluster": "msk",
    "AWS::AmazonMQ::Broker": "mq",
    "AWS::DocDB::DBCluster": "documentdb",
}
ARN_SERVICE_KIND = {"sqs": "sqs", "kinesis": "kinesis", "dynamodb": "dynamodb", "kafka": "msk", "mq": "mq"}
