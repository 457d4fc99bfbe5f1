"""The answers a handler run by ``invoke`` or ``probe`` gets to its AWS calls: local ones, never AWS's.

A handler run on a developer's machine must not act with the developer's powers: its botocore clients are hooked
(runtime/aws_capture.py), sign with Lambda-shaped dummy credentials, and every call is answered here. Writes that
commonly end a handler's work succeed (the message is not sent anywhere); reads find nothing; anything else is
refused with a message that says how to reach AWS on purpose (``--aws-profile NAME``). ``simulate`` answers the
calls that feed its own queues and topics itself and the rest through ``answer``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from lambdoctor.runtime.aws_capture import json_answer

ACCOUNT = "123456789012"


def answer(call: dict[str, Any], new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> dict[str, Any]:
    service, operation = str(call.get("service")), str(call.get("operation"))
    params = call.get("params") or {}
    if service == "sts" and operation == "GetCallerIdentity":
        arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/lambdoctor-local-role/lambdoctor-local"
        xml = (f'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
               f"<GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AROALAMBDOCTORLOCAL:lambdoctor-local</UserId>"
               f"<Account>{ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>")
        return {"status": 200, "headers": {"Content-Type": "text/xml"}, "body": xml}
    if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
        entries = params.get("Entries", []) if operation == "SendMessageBatch" else [params]
        ids = [{"Id": e.get("Id"), "MessageId": new_id(),
                "MD5OfMessageBody": hashlib.md5(str(e.get("MessageBody", "")).encode()).hexdigest()}
               for e in entries]
        if operation == "SendMessage":
            return json_answer({k: v for k, v in ids[0].items() if k != "Id"})
        return json_answer({"Successful": ids, "Failed": []})
    if service == "sns" and operation == "Publish":
        xml = (f'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
               f"<MessageId>{new_id()}</MessageId></PublishResult></PublishResponse>")
        return {"status": 200, "headers": {"Content-Type": "text/xml"}, "body": xml}
    if service == "events" and operation == "PutEvents":
        entries = params.get("Entries", [])
        return json_answer({"FailedEntryCount": 0, "Entries": [{"EventId": new_id()} for _ in entries]})
    if service == "s3" and operation == "PutObject":
        return {"status": 200, "headers": {"ETag": f'"{new_id().replace("-", "")}"'}, "body": b""}
    if service == "dynamodb":
        return json_answer({})  # writes succeed; reads find nothing
    return {"raise": "NotAnsweredLocally",
            "message": f"lambdoctor answers this handler's AWS calls locally and has no answer for "
                       f"{service}.{operation}; run with --aws-profile NAME to send its calls to AWS"}
