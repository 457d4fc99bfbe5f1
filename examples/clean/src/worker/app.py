import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "orders"))


def handler(event, context):
    for record in event["Records"]:
        order = json.loads(record["body"])
        TABLE.update_item(
            Key={"pk": order["id"]},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": "fulfilled"},
        )
