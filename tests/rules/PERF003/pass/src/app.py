import functools
import os

import boto3
import psycopg2

S3 = boto3.client("s3")
_conn = None


def connection():
    global _conn
    if _conn is None:
        _conn = psycopg2.connect(os.environ["DATABASE_URL"])
    return _conn


@functools.lru_cache(maxsize=1)
def secret():
    return boto3.client("secretsmanager").get_secret_value(SecretId="db")["SecretString"]


class Repo:
    def __init__(self):
        self.table = boto3.resource("dynamodb").Table("orders")


REPO = Repo()


def handler(event, context):
    return S3, connection(), secret(), REPO.table
