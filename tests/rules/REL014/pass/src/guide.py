"""The shape of the developer guide's partial-batch example (aws-samples/serverless-snippets,
lambda-function-sqs-report-batch-item-failures/example.py at e690190): the response dict is built empty and its
batchItemFailures set by key before it is returned. (The published snippet's try block holds only a comment, which
is not valid Python; here it processes the message.)"""
import json


def process(record):
    return json.loads(record["body"])


def handler(event, context):
    if event:
        failures = []
        response = {}
        for record in event["Records"]:
            try:
                process(record)
            except Exception:
                failures.append({"itemIdentifier": record["messageId"]})
        response["batchItemFailures"] = failures
        return response
