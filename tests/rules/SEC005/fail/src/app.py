import os

import boto3

S3 = boto3.client("s3")
DDB = boto3.resource("dynamodb")
ORDERS = DDB.Table(os.environ["TABLE"])


def handler(event, context):
    S3.upload_file("/tmp/report.csv", os.environ["BUCKET"], "report.csv")
    DDB.Table(os.environ["AUDIT_TABLE"]).put_item(Item={"pk": "export"})
    ORDERS.delete_item(Key={"pk": event["id"]})
    boto3.client("sqs").send_message(QueueUrl=event["reply_to"], MessageBody="done")
    return {"ok": True}
