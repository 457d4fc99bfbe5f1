"""The API's function: asks the Pricing function synchronously and waits for it."""

import json
import os

import boto3

LAMBDA = boto3.client("lambda")


def handler(event, context):
    answer = LAMBDA.invoke(FunctionName=os.environ["PRICING_FUNCTION"], Payload=json.dumps({"sku": "A-1"}))
    price = json.loads(answer["Payload"].read())
    if answer.get("FunctionError"):
        return {"statusCode": 502, "body": json.dumps({"error": "pricing failed"})}
    return {"statusCode": 200, "body": json.dumps(price)}
