import base64
import json


def handler(event, context):
    for record in event["Records"]:
        click = json.loads(base64.b64decode(record["kinesis"]["data"]))
        print(json.dumps({"page": click["page"]}))
