import os
import tempfile
import uuid

import boto3

S3 = boto3.client("s3")
BUCKET = boto3.resource("s3").Bucket("images")


def handler(event, context):
    key = event["key"]
    local = os.path.join("/tmp", key)
    S3.download_file("images", key, local)
    with open(f"/tmp/{uuid.uuid4()}.png", "wb") as out:
        out.write(b"")
    fd, scratch = tempfile.mkstemp()
    with open("/tmp/audit.log", "a") as log:
        log.write(key)
    BUCKET.download_file(key, "/tmp/" + key)
    keep(event)
    return {"ok": True}


def keep(event):
    tmp = tempfile.NamedTemporaryFile(delete=False)
    tmp.write(b"x")
