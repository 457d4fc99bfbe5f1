"""Lambda log records → DuckDB tables → per-function statistics (``lambdoctor logs``)."""
