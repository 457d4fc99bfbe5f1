import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
SQS = boto3.client("sqs")


def handler(event, context):
    if event["httpMethod"] == "POST":
        order = json.loads(event["body"])
        TABLE.put_item(Item={"pk": order["id"], **order})
        SQS.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
        return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
    item = TABLE.get_item(Key={"pk": event["pathParameters"]["id"]}).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps(item or {})}
