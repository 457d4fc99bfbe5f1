import os

import boto3

S3 = boto3.client("s3")
TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    bucket = os.environ["BUCKET"]
    pages = S3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    S3.list_objects_v2(Bucket=bucket, Prefix="in/")
    S3.upload_file("/tmp/report.csv", bucket, "report.csv")
    url = S3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "report.csv"})
    with TABLE.batch_writer() as batch:
        for key in keys:
            batch.put_item(Item={"pk": key})
    boto3.client("sqs").send_message(QueueUrl=event["reply_to"], MessageBody=url)
    boto3.client("secretsmanager").get_secret_value(SecretId="db")
    boto3.client("kms").decrypt(CiphertextBlob=b"")  # allowed, perhaps, by the customer managed policy
    return {"keys": len(keys)}
