import boto3

S3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        local = f"/tmp/{key.replace('/', '_')}"
        S3.download_file(bucket, key, local)
        with open(local, "rb") as image:
            body = image.read()
        S3.put_object(Bucket=bucket, Key=f"thumbnails/{key}", Body=body[:1024])
