"""A Kinesis consumer that cannot decode one record (the third one): it raises, and the shard waits."""

import base64
import json


def handler(event, context):
    for record in event["Records"]:
        payload = base64.b64decode(record["kinesis"]["data"])
        json.loads(payload)  # "not json" raises
    return {}
