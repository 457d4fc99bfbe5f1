"""What the logs say about each function: plain data, shared by the log store, the rules and the reports.

This module imports nothing of the package but the Problem type: the LOG rules judge these statistics as the
template rules judge the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambdoctor.problems import Problem


@dataclass(frozen=True)
class FunctionStats:
    function: str
    invocations: int
    cold_starts: int
    duration_ms: dict[str, float | None]  # p50 p90 p99 max
    billed_ms_total: int
    billed_ms_mean: float | None
    memory_mb: int | None  # the most frequent configured size
    memory_sizes: tuple[int, ...]
    max_memory_used_mb: dict[str, float | None]  # p50 p99 max
    init_ms: dict[str, float | None]  # p50 p95 over cold starts
    timeouts: int
    out_of_memory: int
    errors: int
    error_lines_in_success: int
    invocations_with_error_lines: int
    log_bytes: int
    first: str | None  # ISO time of the first and last invocation, when the logs carry times
    last: str | None
    timeout_seconds_seen: float | None  # from "Task timed out after N seconds"
    partial: int  # invocations with a START but no REPORT (cut off, or still running)
    versions: tuple[str, ...]
    span_seconds: float | None = None  # last − first invocation time
    init_failures: int = 0  # INIT_REPORT / RESTORE_REPORT lines with Status error, failure or timeout
    init_timeouts: int = 0  # of which Status: timeout (the 10 s init limit)
    successes: int = 0  # invocations with status success: LOG001 sizes memory from these only
    success_peak_mb: float | None = None
    success_billed_ms_mean: float | None = None
    success_p50_ms: float | None = None
    platform_bytes: int = 0  # of log_bytes: Lambda's own START and REPORT records
    json_format: bool = False  # the platform records are JSON (LoggingConfig.LogFormat: JSON)
    # The reports users otherwise get from Logs Insights queries (store.LogStore.reports): over_time, by_version,
    # by_memory, init, top_billed, last_errors, at_memory_limit. Plain data for the terminal, JSON and HTML.
    reports: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class IngestReport:
    files: int
    lines_rejected: int  # not UTF-8, or longer than a log event can be
    reports_unparsed: int  # a REPORT line without the fields a REPORT has
    duplicates: int  # the same REPORT record twice (overlapping exports)
    partial: int
    problems: tuple[Problem, ...]  # files that could not be read, or not wholly
