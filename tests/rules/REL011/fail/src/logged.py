"""The finding names the line that can raise (json.loads of a bad body), not the log line before it: logging
reports its own errors and never raises."""
import json
import logging

logger = logging.getLogger()


def handler(event, context):
    logger.info("order received")
    order = json.loads(event["body"])
    return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
