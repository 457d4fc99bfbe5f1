import json


def rest(event, context):
    body = json.loads(event["body"])
    return {"statusCode": 200, "body": json.dumps(body)}


def http(event, context):
    try:
        item = load(event["pathParameters"]["id"])
    except KeyError:
        return {"statusCode": 400}
    if item is None:
        raise LookupError("no such item")
    return {"statusCode": 200, "body": json.dumps(item)}


def url(event, context):
    try:
        return {"statusCode": 200, "body": json.dumps(load(event["rawPath"]))}
    except Exception:
        print("failed")
        raise


def load(key):
    return {"id": key}
