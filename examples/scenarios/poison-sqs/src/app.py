"""A queue consumer that processes each message of a batch in turn. One message ("poison") always fails."""

import json
import logging

PROCESSED: list[str] = []  # what this environment wrote downstream (a stand-in for a database)


def handler(event, context):
    for record in event["Records"]:
        if record["body"] == "poison":
            raise ValueError(f"cannot parse message {record['messageId']}")
        PROCESSED.append(record["messageId"])
    logging.getLogger().setLevel(logging.INFO)
    logging.info(json.dumps({"processed_total": len(PROCESSED)}))
    return {}
