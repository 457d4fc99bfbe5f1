"""A job worker that re-queues a job it cannot finish yet ("try again later") into the queue it consumes.
A job that is never ready loops forever: each invocation sends the message that causes the next one."""

import json
import os

import boto3

SQS = boto3.client("sqs")


def handler(event, context):
    for record in event["Records"]:
        job = json.loads(record["body"])
        if not job.get("ready"):
            job["attempt"] = job.get("attempt", 0) + 1
            SQS.send_message(QueueUrl=os.environ["JOBS_URL"], MessageBody=json.dumps(job))
    return {}
