import json
import os

import boto3

LAMBDA = boto3.client("lambda")


def handler(event, context):
    price = LAMBDA.invoke(FunctionName=os.environ["PRICING_FUNCTION"], Payload=json.dumps(event))
    stock = LAMBDA.invoke(FunctionName=os.environ["STOCK_FUNCTION"], InvocationType="RequestResponse")
    LAMBDA.invoke(FunctionName="legacy-tax", Payload=b"{}")
    return {"price": json.load(price["Payload"]), "stock": json.load(stock["Payload"])}
