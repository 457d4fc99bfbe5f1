"""Schedules a reminder through EventBridge Scheduler's universal target: that ARN and the managed policy ARN are
the same in every account and Region (no account, no Region, or the account "aws"), so nothing here is tied to a
stage. https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html"""
import json
import os

import boto3

SCHEDULER = boto3.client("scheduler")
SEND_MESSAGE = "arn:aws:scheduler:::aws-sdk:sqs:sendMessage"
INVOKE_TASK = "arn:aws:states:::lambda:invoke"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def handler(event, context):
    SCHEDULER.create_schedule(
        Name=event["id"],
        ScheduleExpression=f"at({event['at']})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": SEND_MESSAGE, "RoleArn": os.environ["SCHEDULER_ROLE_ARN"],
                "Input": json.dumps({"QueueUrl": os.environ["QUEUE_URL"], "MessageBody": event["text"]})},
    )
    return {"task": INVOKE_TASK, "policy": READ_ONLY}
