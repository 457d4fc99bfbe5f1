import os

import boto3

S3 = boto3.client("s3")
THUMBNAILS = os.environ["THUMBNAILS_BUCKET"]  # a different bucket from the one that triggers this function


def handler(event, context):
    for record in event["Records"]:
        source = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        body = S3.get_object(Bucket=source, Key=key)["Body"].read()
        S3.put_object(Bucket=THUMBNAILS, Key=key, Body=body[:1024])
