"""Generate a SAM project with N functions, each with its own handler file of realistic size.

Every handler (about 90–160 lines) imports a shared project library, builds clients at module level (and
sometimes per invocation), calls DynamoDB/S3/SQS/SNS/Lambda through clients, resources and helpers, has
try/except blocks of every shape, writes to /tmp now and then, and returns API or batch responses: the kinds of
code the analysis follows. Deterministic for a given N.

Usage: python bench/gen_handlers.py OUT_DIR [N=2000]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

LIB = '''"""Shared helpers used by every handler."""
import json
import logging
import os

import boto3

LOG = logging.getLogger(__name__)
DDB = boto3.resource("dynamodb")
EVENTS = boto3.client("events")


def table(name_var):
    return DDB.Table(os.environ[name_var])


def emit(detail_type, detail):
    try:
        EVENTS.put_events(Entries=[{"Source": "bench", "DetailType": detail_type, "Detail": json.dumps(detail)}])
    except Exception:
        LOG.exception("could not emit %s", detail_type)
        raise


def response(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
'''

HEADER = '''"""Handler {i}: {kind} function of the {domain} service."""
import json
import logging
import os
import uuid

import boto3

from lib import common

LOG = logging.getLogger()
TABLE = common.table("TABLE_NAME")
S3 = boto3.client("s3")
SQS = boto3.client("sqs")
BUCKET = os.environ["BUCKET"]
'''

HELPERS = [
    '''

def load_{n}(key):
    item = TABLE.get_item(Key={{"pk": key}}).get("Item")
    if item is None:
        return None
    item["views"] = int(item.get("views", 0)) + 1
    TABLE.update_item(Key={{"pk": key}}, UpdateExpression="SET views = :v",
                      ExpressionAttributeValues={{":v": item["views"]}})
    return item
''',
    '''

def archive_{n}(key, payload):
    path = f"/tmp/{{uuid.uuid4()}}.json"
    with open(path, "w") as out:
        json.dump(payload, out)
    try:
        S3.upload_file(path, BUCKET, f"archive/{{key}}.json")
    finally:
        os.remove(path)
''',
    '''

def list_{n}(prefix):
    keys = []
    paginator = S3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix):
        for obj in page.get("Contents", []):
            keys.append(obj["Key"])
    return keys
''',
    '''

def notify_{n}(order):
    try:
        SQS.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
    except Exception:
        LOG.warning("notification for %s failed", order.get("id"))
''',
    '''

def save_{n}(items):
    with TABLE.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)
    common.emit("saved", {{"count": len(items)}})
''',
    '''

def price_{n}(order):
    client = boto3.client("lambda")
    result = client.invoke(FunctionName=os.environ["PRICING_FUNCTION"], Payload=json.dumps(order))
    return json.load(result["Payload"])
''',
    '''

class Repository{n}:
    def __init__(self):
        self.table = TABLE

    def get(self, key):
        return self.table.get_item(Key={{"pk": key}}).get("Item")

    def put(self, item):
        self.table.put_item(Item=item)
        return item
''',
]

API_HANDLER = '''

def handler(event, context):
    try:
        key = event["pathParameters"]["id"]
        if event["httpMethod"] == "GET":
            item = load_{a}(key)
            return common.response(200 if item else 404, item or {{}})
        body = json.loads(event["body"])
        body["pk"] = key
        save_{b}([body])
        notify_{c}(body)
        return common.response(201, {{"id": key}})
    except (KeyError, ValueError):
        return common.response(400, {{"error": "bad request"}})
    except Exception:
        LOG.exception("request failed")
        return common.response(500, {{"error": "internal"}})
'''

QUEUE_HANDLER = '''

def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            item = load_{a}(order["id"])
            archive_{b}(order["id"], item or order)
            notify_{c}(order)
        except Exception:
            LOG.exception("record %s failed", record["messageId"])
            failures.append({{"itemIdentifier": record["messageId"]}})
    return {{"batchItemFailures": failures}}
'''

SCHEDULE_HANDLER = '''

def handler(event, context):
    keys = list_{a}("incoming/")
    items = []
    for key in keys:
        try:
            body = S3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            items.append({{"pk": key, "size": len(body)}})
        except Exception:
            pass
    save_{b}(items)
    return {{"processed": len(items)}}
'''

FILLER = '''

def transform_{n}(record, rates=None):
    """Normalise one record: pure computation, as real handlers have plenty of."""
    rates = rates or {{"EUR": 1.0, "USD": 1.08, "GBP": 0.86}}
    amount = float(record.get("amount", 0))
    currency = record.get("currency", "EUR")
    converted = round(amount / rates.get(currency, 1.0), 2)
    tags = sorted({{t.strip().lower() for t in record.get("tags", []) if t.strip()}})
    lines = [{{"sku": line["sku"], "qty": int(line.get("qty", 1))}} for line in record.get("lines", [])]
    total_qty = sum(line["qty"] for line in lines)
    return {{"amount_eur": converted, "tags": tags, "lines": lines, "qty": total_qty,
            "priority": "high" if converted > 500 or total_qty > 20 else "normal"}}
'''

KINDS = (("api", API_HANDLER), ("queue", QUEUE_HANDLER), ("schedule", SCHEDULE_HANDLER))
DOMAINS = ("orders", "billing", "catalog", "shipping", "accounts", "search", "reviews", "inventory")


def handler_source(i: int, rng: random.Random) -> tuple[str, str]:
    kind, body = KINDS[i % len(KINDS)]
    parts = [HEADER.format(i=i, kind=kind, domain=DOMAINS[i % len(DOMAINS)])]
    names = {}
    for n, helper in enumerate(HELPERS):
        parts.append(helper.format(n=n))
        names[n] = n
    for n in range(rng.randint(2, 6)):
        parts.append(FILLER.format(n=n))
    parts.append(body.format(a=0, b=4 if kind != "queue" else 1, c=3))
    return kind, "".join(parts)


def template(n: int) -> str:
    out = ["Transform: AWS::Serverless-2016-10-31", "Globals:", "  Function:", "    Runtime: python3.12",
           "    Timeout: 20", "    MemorySize: 512", "Resources:",
           "  Table:", "    Type: AWS::DynamoDB::Table", "    Properties:",
           "      BillingMode: PAY_PER_REQUEST",
           "      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]",
           "      KeySchema: [{AttributeName: pk, KeyType: HASH}]",
           "  Bucket:", "    Type: AWS::S3::Bucket",
           "  Queue:", "    Type: AWS::SQS::Queue", "    Properties: {VisibilityTimeout: 120}"]
    for i in range(n):
        kind = KINDS[i % len(KINDS)][0]
        out += [f"  Fn{i}:", "    Type: AWS::Serverless::Function", "    Properties:",
                f"      CodeUri: functions/fn{i}/", "      Handler: app.handler",
                "      Environment:", "        Variables:", "          TABLE_NAME: !Ref Table",
                "          BUCKET: !Ref Bucket", "          QUEUE_URL: !Ref Queue",
                "      Policies:", "        - DynamoDBCrudPolicy: {TableName: !Ref Table}",
                "        - S3CrudPolicy: {BucketName: !Ref Bucket}",
                "        - SQSSendMessagePolicy: {QueueName: !GetAtt Queue.QueueName}"]
        if kind == "api":
            out += ["      Events:", "        Api:", "          Type: Api",
                    f'          Properties: {{Path: "/r{i}/{{id}}", Method: any}}']
        elif kind == "queue":
            out += ["      Events:", "        Q:", "          Type: SQS",
                    "          Properties: {Queue: !GetAtt Queue.Arn, BatchSize: 10,"
                    " FunctionResponseTypes: [ReportBatchItemFailures]}"]
        else:
            out += ["      Events:", "        Nightly:", "          Type: Schedule",
                    "          Properties: {Schedule: rate(1 day)}"]
    return "\n".join(out) + "\n"


def main() -> None:
    out = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(n)
    (out / "functions").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        folder = out / "functions" / f"fn{i}"
        (folder / "lib").mkdir(parents=True, exist_ok=True)
        (folder / "lib" / "__init__.py").write_text("", encoding="utf-8")
        (folder / "lib" / "common.py").write_text(LIB, encoding="utf-8")
        (folder / "app.py").write_text(handler_source(i, rng)[1], encoding="utf-8")
    (out / "template.yaml").write_text(template(n), encoding="utf-8")


if __name__ == "__main__":
    main()
