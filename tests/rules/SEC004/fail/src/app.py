import json

SEEN = []
LAST_USER = None
SESSIONS = {}


class Context:
    current = None


def handler(event, context):
    global LAST_USER
    body = json.loads(event["body"])
    LAST_USER = body["user"]
    SEEN.append(body["order"])
    remember(event["requestContext"]["requestId"], body)
    Context.current = body
    return {"statusCode": 200}


def remember(request_id, data):
    SESSIONS[request_id] = data
