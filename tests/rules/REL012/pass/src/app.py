import json
import logging

LOG = logging.getLogger()


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            process(record)
        except Exception:
            LOG.exception("record %s failed", record["messageId"])
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def process(record):
    try:
        return json.loads(record["body"])
    except KeyError:
        pass  # a specific exception, handled on purpose


def other(event, context):
    try:
        return {"statusCode": 200, "body": json.dumps(process(event))}
    except ValueError:
        return {"statusCode": 400, "body": "bad request"}
    except Exception:
        LOG.exception("other failed")
        return {"statusCode": 500, "body": "internal error"}


def cleanup():
    try:
        return 1
    except Exception:
        LOG.exception("cleanup failed")
        raise
