import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE", "orders"))
CONFIG = {}
_client = None


def client():
    global _client
    if _client is None:
        _client = boto3.client("s3")
    return _client


def handler(event, context):
    seen = []
    body = json.loads(event["body"])
    seen.append(body["order"])
    if not CONFIG:
        CONFIG["region"] = os.environ.get("AWS_REGION")
    TABLE.put_item(Item=body)
    client().head_bucket(Bucket="x")
    return {"statusCode": 200, "body": json.dumps(seen)}
