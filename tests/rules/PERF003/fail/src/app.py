import os

import boto3
import psycopg2


def handler(event, context):
    s3 = boto3.client("s3")
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    secret = secrets().get_secret_value(SecretId="db")["SecretString"]
    table = boto3.session.Session().resource("dynamodb").Table("orders")
    return s3, conn, secret, table


def secrets():
    return boto3.client("secretsmanager")
