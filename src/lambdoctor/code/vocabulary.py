"""The library names the code analysis knows: database clients, broad exceptions, log methods, decorators and
Powertools utilities, and the literal shapes (ARNs, account IDs, endpoints) worth reporting when hard-coded.
"""

from __future__ import annotations

import re

# Database and cache clients whose connections are expensive to open and limited on the server side.
CONNECTIONS = frozenset({
    "psycopg2.connect", "psycopg.connect", "psycopg.Connection.connect", "pymysql.connect", "MySQLdb.connect",
    "mysql.connector.connect", "pg8000.connect", "pg8000.native.Connection", "pymongo.MongoClient",
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url", "sqlalchemy.create_engine",
    "oracledb.connect", "cx_Oracle.connect", "pyodbc.connect", "elasticsearch.Elasticsearch",
    "opensearchpy.OpenSearch",
})
BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException", "ClientError", "BotoCoreError",
                              "botocore.exceptions.ClientError", "botocore.exceptions.BotoCoreError"})
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print_exc"})
MUTATORS = frozenset({"append", "extend", "add", "update", "insert", "setdefault", "appendleft", "__setitem__"})
REMOVALS = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})
CACHE_DECORATORS = frozenset({"cache", "lru_cache", "cached", "cached_property"})
# Decorators that do not turn an exception into a response (Powertools' logging, tracing, metrics, idempotency).
TRANSPARENT_DECORATORS = frozenset({"inject_lambda_context", "capture_lambda_handler", "log_metrics",
                                    "idempotent", "event_source", "lambda_handler_decorator", "validator",
                                    "capture_cold_start_metric"})
BATCH_UTILITIES = frozenset({"process_partial_response", "async_process_partial_response", "batch_processor",
                             "async_batch_processor", "BatchProcessor", "AsyncBatchProcessor",
                             "SqsFifoPartialProcessor"})
VERBOSE_LEVELS = {"DEBUG": "DEBUG", "TRACE": "TRACE", "NOTSET": "DEBUG"}
ARN_LITERAL = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:")
ACCOUNT_ID = re.compile(r"^\d{12}$")
AWS_ENDPOINT = re.compile(r"^https?://[^/\s]*(amazonaws\.com|\.on\.aws)(?:[:/]|$)")
DEFAULT_IDEMPOTENCY_SECONDS = 3600  # Powertools IdempotencyConfig.expires_after_seconds default (1 hour)
