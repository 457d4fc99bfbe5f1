import os
import shutil
import tempfile

import boto3

S3 = boto3.client("s3")


def handler(event, context):
    key = event["key"]
    local = f"/tmp/{key}"
    try:
        S3.download_file("images", key, local)
    finally:
        os.remove(local)
    with tempfile.TemporaryDirectory() as work:
        S3.download_file("images", key, os.path.join(work, key))
    with open("/tmp/last-run.json", "w") as out:  # one fixed name, overwritten: does not accumulate
        out.write(key)
    scratch = tempfile.mkdtemp()
    try:
        S3.download_file("images", key, os.path.join(scratch, key))
    finally:
        shutil.rmtree(scratch)
    with tempfile.NamedTemporaryFile() as tmp:
        tmp.write(b"x")
    return {"ok": True}
