"""Events as each trigger delivers them to a handler (the shapes of the Lambda Developer Guide's sample events), and
``--set key=value`` to change any field by its dotted path (``Records.0.body=hello``)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
EVENT_TYPES = ("sqs", "s3", "sns", "api", "http-api", "eventbridge", "kinesis", "dynamodb", "schedule")


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def sqs(body: str = "hello from SQS", at: datetime | None = None, queue: str = "queue", receive_count: int = 1,
        message_id: str | None = None, receipt_handle: str | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    return {"Records": [sqs_record(body, str(int(at.timestamp() * 1000)), queue, receive_count,
                                   message_id or str(uuid.uuid4()), receipt_handle or uuid.uuid4().hex)]}


def sqs_record(body: str, sent_ms: str, queue: str, receive_count: int, message_id: str, receipt_handle: str,
               md5: str | None = None, fifo: tuple[str, int, str] | None = None) -> dict[str, Any]:
    """One record of an SQS event (``simulate`` builds one per delivery: the digest can be computed once).
    ``fifo``: (message group ID, sequence number, deduplication ID) — a FIFO queue's record carries them in its
    attributes, in the order of DG "Using Lambda with Amazon SQS"'s FIFO example."""
    if fifo is None:
        attributes = {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": sent_ms,
                      "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": sent_ms}
    else:
        group, sequence, dedup = fifo
        attributes = {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": sent_ms,
                      "SequenceNumber": str(sequence), "MessageGroupId": group, "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                      "MessageDeduplicationId": dedup, "ApproximateFirstReceiveTimestamp": sent_ms}
    return {
        "messageId": message_id, "receiptHandle": receipt_handle,
        "body": body,
        "attributes": attributes,
        "messageAttributes": {}, "md5OfBody": md5 or hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}", "awsRegion": REGION}


def s3(bucket: str = "bucket", key: str = "uploads/image.jpg", size: int = 1024,
       at: datetime | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION, "eventTime": _iso(at),
        "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "EXAMPLE"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper(), "x-amz-id-2": uuid.uuid4().hex},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "lambdoctor",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "EXAMPLE"},
                          "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": key, "size": size, "eTag": uuid.uuid4().hex, "sequencer": "0A1B2C3D4E5F678901"}}}]}


def sns(message: str = "hello from SNS", topic: str = "topic", at: datetime | None = None,
        message_id: str | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic}"
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": f"{arn}:{uuid.uuid4()}",
        "Sns": {"Type": "Notification", "MessageId": message_id or str(uuid.uuid4()), "TopicArn": arn,
                "Subject": None,
                "Message": message, "Timestamp": _iso(at), "SignatureVersion": "1", "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {}}}]}


def api(method: str = "GET", path: str = "/", body: str | None = None, at: datetime | None = None
        ) -> dict[str, Any]:
    """API Gateway REST API, Lambda proxy integration (payload format 1.0)."""
    at = at or datetime.now(UTC)
    headers = {"Host": "abc123.execute-api.us-east-1.amazonaws.com", "User-Agent": "lambdoctor",
               "Accept": "*/*", "X-Forwarded-Proto": "https"}
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": None, "stageVariables": None,
        "requestContext": {"accountId": ACCOUNT, "apiId": "abc123", "httpMethod": method, "path": f"/prod{path}",
                           "protocol": "HTTP/1.1", "requestId": str(uuid.uuid4()), "resourcePath": path,
                           "stage": "prod", "requestTimeEpoch": int(at.timestamp() * 1000),
                           "identity": {"sourceIp": "127.0.0.1", "userAgent": "lambdoctor"}},
        "body": body, "isBase64Encoded": False}


def http_api(method: str = "GET", path: str = "/", body: str | None = None, at: datetime | None = None
             ) -> dict[str, Any]:
    """API Gateway HTTP API (payload format 2.0)."""
    at = at or datetime.now(UTC)
    return {
        "version": "2.0", "routeKey": f"{method} {path}", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "lambdoctor"},
        "requestContext": {"accountId": ACCOUNT, "apiId": "abc123",
                           "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "domainPrefix": "abc123",
                           "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": "lambdoctor"},
                           "requestId": str(uuid.uuid4()), "routeKey": f"{method} {path}", "stage": "$default",
                           "time": at.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(at.timestamp() * 1000)},
        "body": body, "isBase64Encoded": False}


def eventbridge(source: str = "com.example.orders", detail_type: str = "OrderPlaced",
                detail: dict[str, Any] | None = None, at: datetime | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
            "account": ACCOUNT, "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION, "resources": [],
            "detail": detail if detail is not None else {}}


def schedule(at: datetime | None = None) -> dict[str, Any]:
    event = eventbridge("aws.events", "Scheduled Event", {}, at)
    event["resources"] = [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/schedule"]
    return event


def kinesis_sequence(n: int) -> str:
    """The sequence number of the n-th record of a shard (Kinesis's are 56-digit decimals that grow)."""
    return f"{49590338271490256608559692538361571095921575989136588898 + n}"


def dynamodb_sequence(n: int) -> str:
    return f"{100000000000000000000 + n}"


def kinesis(data: str = "hello from Kinesis", partition_key: str = "1", sequence: int = 1,
            stream: str = "stream", at: datetime | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    seq = kinesis_sequence(sequence)
    return {"Records": [{
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": partition_key, "sequenceNumber": seq,
                    "data": base64.b64encode(data.encode()).decode(), "approximateArrivalTimestamp": at.timestamp()},
        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"shardId-000000000000:{seq}",
        "eventName": "aws:kinesis:record", "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/lambda-role",
        "awsRegion": REGION, "eventSourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"}]}


def dynamodb(keys: dict[str, Any] | None = None, new_image: dict[str, Any] | None = None, sequence: int = 1,
             table: str = "table", at: datetime | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    keys = keys or {"pk": {"S": "1"}}
    return {"Records": [{
        "eventID": uuid.uuid4().hex, "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {"ApproximateCreationDateTime": int(at.timestamp()), "Keys": keys,
                     "NewImage": new_image or dict(keys), "SequenceNumber": dynamodb_sequence(sequence),
                     "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}/stream/2026-01-01T00:00:00.000"}]}


BUILDERS: dict[str, Any] = {"sqs": sqs, "s3": s3, "sns": sns, "api": api, "http-api": http_api,
                            "eventbridge": eventbridge, "kinesis": kinesis, "dynamodb": dynamodb, "schedule": schedule}


class EventError(ValueError):
    pass


def build(kind: str) -> dict[str, Any]:
    if kind not in BUILDERS:
        raise EventError(f"unknown event type {kind!r} (known: {', '.join(EVENT_TYPES)})")
    event: dict[str, Any] = BUILDERS[kind]()
    return event


def apply_sets(event: Any, assignments: list[str]) -> Any:
    """``a.b.0.c=value``: the value is JSON when it parses as JSON, else a string."""
    for assignment in assignments:
        path, sep, raw = assignment.partition("=")
        if not sep or not path:
            raise EventError(f"--set {assignment!r}: expected KEY=VALUE (a dotted path, list items by number)")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        keys = path.split(".")
        node = event
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            if isinstance(node, list):
                if not key.isdigit() or int(key) >= len(node):
                    raise EventError(f"--set {path}: {'.'.join(keys[:i]) or 'the event'} has no item {key}")
                if last:
                    node[int(key)] = value
                else:
                    node = node[int(key)]
            elif isinstance(node, dict):
                if last:
                    node[key] = value
                else:
                    node = node.setdefault(key, {})
            else:
                raise EventError(f"--set {path}: {'.'.join(keys[:i])} is not an object or a list")
    return event
