def reports(event, context):
    failures = []
    for record in event["Records"]:
        if not record["body"]:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def plain(event, context):
    for record in event["Records"]:
        print(record["body"])
