"""A TOKEN authorizer that fails closed: the lookup returns None when the table cannot be read, and the handler
then denies. Returning None from a helper is a sentinel for its caller, not a success of the invocation (the
authorizer shape of the API Gateway developer guide's Lambda authorizer example)."""
import os

import boto3
from botocore.exceptions import ClientError

TOKENS = boto3.resource("dynamodb").Table(os.environ["TOKENS_TABLE"])


def principal(token):
    try:
        return TOKENS.get_item(Key={"token": token})["Item"]["user"]
    except ClientError:
        return None


def handler(event, context):
    user = principal(event["authorizationToken"])
    effect = "Allow" if user else "Deny"
    return {"principalId": user or "anonymous",
            "policyDocument": {"Version": "2012-10-17",
                               "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                                              "Resource": event["methodArn"]}]}}
