"""Every rule threshold, with its default: one registry for template, account and log rules.

A rule reads a threshold through its context (``ctx.threshold(name)``); the configuration (``[tool.lambdoctor]
thresholds``) overrides the defaults by name and refuses a name that is not here. Data only: this module imports
nothing, so the configuration and every rule family can share it.
"""

from __future__ import annotations

THRESHOLDS: dict[str, float] = {
    # templates and code
    "sqs_visibility_factor": 6,  # DG: visibility timeout ≥ 6 × function timeout (+ batching window)
    "api_timeout_warning_seconds": 25,  # leave a few seconds below API Gateway's 29 s for the response
    "kept_versions": 5,
    "runtime_warning_days": 120,
    "package_size_mb": 50,
    "many_layers": 3,
    # live account (ACC rules)
    "code_storage_warning_share": 0.5,  # ACC001 warning, and error at the next one
    "code_storage_error_share": 0.8,
    "unreserved_concurrency_share": 0.2,  # ACC003
    "error_rate_share": 0.05,  # ACC005, on any day with at least the minimum invocations
    "error_rate_min_invocations": 20,
    # log statistics (LOG rules, COST003)
    "memory_used_share": 0.5,  # LOG001 when the peak stays below half of the size
    "memory_headroom": 1.3,  # recommended size = peak × 1.3 (and at least +32 MB), rounded up to 64 MB
    "memory_pressure_share": 0.9,  # LOG002
    "near_timeout_share": 0.8,  # LOG004: p99 ≥ 80 % of the timeout
    "cold_share": 0.10,  # LOG005
    "cold_min_invocations": 20,
    "init_p95_ms": 1000,
    "memory_min_invocations": 10,  # LOG001 says nothing on fewer successful invocations than this
    "confident_invocations": 50,  # Compute Optimizer's own minimum before it recommends a size
    "steady_hours": 24,  # COST003: at least a day of hourly counts
    "steady_floor": 0.5,  # ... and no hour below half of the median hour
}
