import logging

from helpers import notify

LOG = logging.getLogger()


def handler(event, context):
    for record in event["Records"]:
        try:
            process(record)
        except Exception as exc:
            LOG.error("failed: %s", exc)
            continue
    notify(event)
    return {"statusCode": 200}


def process(record):
    try:
        return int(record["body"])
    except:  # noqa: E722
        pass


def other(event, context):
    try:
        return process(event)
    except Exception:
        print("other failed")
        return {"statusCode": 200, "body": "ok"}
