import json
import os

import boto3

LAMBDA = boto3.client("lambda")


def handler(event, context):
    LAMBDA.invoke(FunctionName=os.environ["PRICING_FUNCTION"], InvocationType="Event", Payload=json.dumps(event))
    LAMBDA.invoke(FunctionName=os.environ["STOCK_FUNCTION"], InvocationType=event.get("mode", "Event"))
    LAMBDA.invoke(FunctionName="legacy-tax", InvocationType="DryRun")
    return {"accepted": True}
