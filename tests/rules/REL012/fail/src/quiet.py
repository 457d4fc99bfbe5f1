"""The handler itself returns None from its except: Lambda counts the invocation a success."""
import json


def handler(event, context):
    try:
        return json.loads(event["body"])
    except Exception:
        return None
