import json
import logging
import os

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent

TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "orders"))
persistence = DynamoDBPersistenceLayer(table_name=os.environ.get("TABLE_NAME", "orders"))


@idempotent(persistence_store=persistence)
def handler(event, context):
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            TABLE.update_item(
                Key={"pk": order["id"]},
                UpdateExpression="SET #s = :s",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": "fulfilled"},
            )
        except Exception:
            logging.exception("could not fulfil %s", record["messageId"])
