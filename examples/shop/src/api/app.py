import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
SQS = boto3.client("sqs")
LAMBDA = boto3.client("lambda")
LAST_ORDER = {}  # kept "for debugging"


def handler(event, context):
    global LAST_ORDER
    if event["httpMethod"] == "POST":
        order = json.loads(event["body"])
        LAST_ORDER = order
        TABLE.put_item(Item={"pk": order["id"], **order})
        SQS.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
        return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
    if event["path"] == "/report":
        # "the report is slow to wait for overnight": run it now, and wait
        result = LAMBDA.invoke(FunctionName=os.environ["REPORT_FUNCTION"])
        return {"statusCode": 200, "body": result["Payload"].read().decode()}
    item = TABLE.get_item(Key={"pk": event["pathParameters"]["id"]}).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps(item or {})}
