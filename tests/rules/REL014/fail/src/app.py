def reports(event, context):
    failures = []
    for record in event["Records"]:
        if not record["body"]:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def silent(event, context):
    for record in event["Records"]:
        print(record["body"])


def wrong_key(event, context):
    failed = [{"itemId": r["kinesis"]["sequenceNumber"]} for r in event["Records"] if not r["kinesis"]["data"]]
    return {"batchItemFailures": failed}
