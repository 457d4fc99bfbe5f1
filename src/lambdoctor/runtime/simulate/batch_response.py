"""How Lambda reads a partial batch response (``FunctionResponseTypes: [ReportBatchItemFailures]``).

DG "Handling errors for an SQS event source in Lambda", "Success and failure conditions" (and the same lists in
"Using Lambda with Kinesis" and "… with DynamoDB"; awsdocs/aws-lambda-developer-guide, doc_source/with-sqs.md at
38e9014, lines 258-271): the batch is a complete success when the function returns an empty or null
``batchItemFailures`` list, or an empty or null response; it is a complete failure (every record is retried) when
the response is invalid JSON, or an ``itemIdentifier`` is an empty string, null, under a bad key name, or names a
record that is not in the batch.

The guide is silent on a response that is JSON but not an object (``"ok"``, ``[…]``) and on a ``batchItemFailures``
that is not a list: both are read as invalid (a complete failure), the way an object with a bad key is
(docs/conformance.md).
"""

from __future__ import annotations

import json
from collections.abc import Collection

ALL = "all"  # the whole batch failed


def reported_failures(response: str | None, batch_ids: Collection[str]) -> set[str] | str:
    """The identifiers the response reports failed, or ``ALL`` when Lambda reads it as a complete failure."""
    if response is None or response.strip() == "":
        return set()
    try:
        body = json.loads(response)
    except ValueError:
        return ALL
    if body is None or body == {}:
        return set()
    if not isinstance(body, dict):
        return ALL
    listed = body.get("batchItemFailures")
    if listed is None:
        return set()
    if not isinstance(listed, list):
        return ALL
    failed: set[str] = set()
    for entry in listed:
        if not isinstance(entry, dict) or "itemIdentifier" not in entry:
            return ALL  # a bad key name (``itemId``, ``ItemIdentifier``); other keys beside it are not read
        identifier = entry["itemIdentifier"]
        if not isinstance(identifier, str) or identifier == "" or identifier not in batch_ids:
            return ALL
        failed.add(identifier)
    return failed
