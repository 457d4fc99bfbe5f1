"""A literal json cannot serialize: a set raises TypeError ("Object of type set is not JSON serializable")."""
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"tags": {"new", "sale"}})}
