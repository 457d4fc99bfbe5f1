import json
import logging
import os

import boto3

LOG = logging.getLogger()
TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
SQS = boto3.client("sqs")


def response(status, body):
    return {"statusCode": status, "body": json.dumps(body)}


def handler(event, context):
    try:
        if event["httpMethod"] == "POST":
            order = json.loads(event["body"])
            TABLE.put_item(Item={"pk": order["id"], **order})
            SQS.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
            return response(201, {"id": order["id"]})
        item = TABLE.get_item(Key={"pk": event["pathParameters"]["id"]}).get("Item")
        return response(200 if item else 404, item or {})
    except (KeyError, ValueError):
        return response(400, {"error": "malformed request"})
    except Exception:
        LOG.exception("order request failed")
        return response(500, {"error": "internal error"})
