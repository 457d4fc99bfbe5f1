"""Writes an order to a PostgreSQL database. The connection is opened once per execution environment, outside
the handler (the usual advice), so every environment holds one connection for as long as it lives."""

import os

# Stand-in for psycopg.connect(host=os.environ["DB_HOST"], ...): the scenario's `downstream.connections`
# counts one connection per execution environment, opened here at init.
CONNECTION = {"host": os.environ.get("DB_HOST"), "open": True}


def handler(event, context):
    return {"statusCode": 201, "body": '{"created": true}'}
