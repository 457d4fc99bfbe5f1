import base64
import json


def handler(event, context):
    failed = []
    for record in event["Records"]:
        try:
            click = json.loads(base64.b64decode(record["kinesis"]["data"]))
            print(click["page"])
        except ValueError:
            failed.append({"itemId": record["kinesis"]["sequenceNumber"]})
    return {"batchItemFailures": failed}
