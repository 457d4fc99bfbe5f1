import json
import os

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    item = dynamodb.get_item(TableName=os.environ["TABLE"], Key={"id": {"S": event["pathParameters"]["id"]}})
    return {"statusCode": 200, "body": json.dumps(item.get("Item", {}))}
