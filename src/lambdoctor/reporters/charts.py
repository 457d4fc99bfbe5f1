"""Charts for the HTML reports: Vega-Lite specifications rendered to static SVG at report time by vl-convert (its
own embedded engine: no browser, no network), inlined in the page. Plain specifications (dicts), so no data-frame
library is needed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
FONT = "Helvetica, Arial, sans-serif"


def svg(spec: dict[str, Any]) -> str:
    import vl_convert

    body = {"$schema": SCHEMA, "config": {"font": FONT, "view": {"stroke": None}}, **spec}
    text = str(vl_convert.vegalite_to_svg(body))
    return text[text.index("<svg"):]


def cost_and_duration(rows: Sequence[dict[str, Any]], cost_title: str = "US$ a month") -> dict[str, Any]:
    """AWS Lambda Power Tuning's picture: for each memory size, the monthly cost (bars) and the billed duration per
    invocation (line, its own axis); the cheapest size is marked. ``rows``: memory_mb, monthly_usd, billed_ms,
    cheapest (bool), fastest (bool)."""
    x = {"field": "memory_mb", "type": "ordinal", "title": "memory size (MB)", "sort": None,
         "axis": {"labelAngle": 0}}
    cost_y = {"field": "monthly_usd", "type": "quantitative", "title": cost_title}
    return {
        "width": 560, "height": 260, "data": {"values": list(rows)},
        "resolve": {"scale": {"y": "independent"}},
        "layer": [
            {"encoding": {"x": x, "y": cost_y}, "layer": [
                {"mark": {"type": "bar", "opacity": 0.75},
                 "encoding": {"color": {"condition": {"test": "datum.cheapest", "value": "#2e7d32"},
                                        "value": "#90a4ae"}}},
                {"mark": {"type": "text", "dy": -8, "fontWeight": "bold", "color": "#2e7d32"},
                 "transform": [{"filter": "datum.cheapest"}], "encoding": {"text": {"value": "cheapest"}}},
            ]},
            {"mark": {"type": "line", "point": True, "color": "#b3261e"},
             "encoding": {"x": x, "y": {"field": "billed_ms", "type": "quantitative",
                                        "title": "billed ms per invocation (line)", "axis": {"orient": "right"}}}},
        ],
    }


# A chart draws at most this many marks: a long simulation (a day of retries) is thinned evenly, the count said
MAX_MARKS = 5000


def thin(rows: Sequence[dict[str, Any]], limit: int = MAX_MARKS) -> list[dict[str, Any]]:
    if len(rows) <= limit:
        return list(rows)
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def concurrency_over_time(points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Environments busy at once, a step line over the virtual clock (``points``: t seconds, concurrency)."""
    return {"width": 620, "height": 180, "data": {"values": list(points)},
            "mark": {"type": "line", "interpolate": "step-after", "color": "#2f5d8a"},
            "encoding": {"x": {"field": "t", "type": "quantitative", "title": "virtual time (s)"},
                         "y": {"field": "concurrency", "type": "quantitative", "title": "concurrency"}}}


OUTCOME_COLORS = {"domain": ["success", "error", "timeout", "throttled", "stopped"],
                  "range": ["#2e7d32", "#b3261e", "#8a5a00", "#6a1b9a", "#455a64"]}


def invocations_over_time(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each invocation at its virtual time, its batch size up, coloured by its outcome (``rows``: t, records,
    outcome)."""
    return {"width": 620, "height": 200, "data": {"values": list(rows)},
            "mark": {"type": "point", "filled": True, "size": 28, "opacity": 0.8},
            "encoding": {"x": {"field": "t", "type": "quantitative", "title": "virtual time (s)"},
                         "y": {"field": "records", "type": "quantitative", "title": "records in the batch"},
                         "color": {"field": "outcome", "type": "nominal", "scale": OUTCOME_COLORS,
                                   "title": "outcome"}}}


def totals(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How the events ended (``rows``: what, count)."""
    return {"width": 620, "height": 24 * max(1, len(rows)), "data": {"values": list(rows)},
            "mark": {"type": "bar", "color": "#607d8b"},
            "encoding": {"y": {"field": "what", "type": "nominal", "sort": None, "title": None},
                         "x": {"field": "count", "type": "quantitative", "title": "count"}}}


def durations_over_time(bins: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """p50 and p99 duration per time bin (``bins``: start, p50_ms, p99_ms), one line each."""
    return {"width": 620, "height": 180, "data": {"values": list(bins)},
            "transform": [{"fold": ["p50_ms", "p99_ms"], "as": ["percentile", "ms"]}],
            "mark": {"type": "line", "point": True},
            "encoding": {"x": {"field": "start", "type": "temporal", "title": None},
                         "y": {"field": "ms", "type": "quantitative", "title": "duration (ms)"},
                         "color": {"field": "percentile", "type": "nominal", "title": None,
                                   "scale": {"domain": ["p50_ms", "p99_ms"], "range": ["#2f5d8a", "#b3261e"]}}}}


def invocations_over_time_bins(bins: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Invocations (bars) and errors (red bars in front) per time bin, and the cold-start share (line, right)."""
    x = {"field": "start", "type": "temporal", "title": None}
    return {"width": 620, "height": 180, "data": {"values": list(bins)},
            "resolve": {"scale": {"y": "independent"}},
            "layer": [
                {"encoding": {"x": x}, "layer": [
                    {"mark": {"type": "bar", "color": "#90a4ae"},
                     "encoding": {"y": {"field": "invocations", "type": "quantitative", "title": "invocations"}}},
                    {"mark": {"type": "bar", "color": "#b3261e"},
                     "encoding": {"y": {"field": "errors", "type": "quantitative"}}},
                ]},
                {"mark": {"type": "line", "color": "#8a5a00"},
                 "encoding": {"x": x, "y": {"field": "cold_start_share", "type": "quantitative",
                                            "title": "cold-start share (line)", "axis": {"orient": "right",
                                                                                      "format": "%"}}}},
            ]}


def memory_against_size(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Peak memory used (p50, p99, max) against the configured size, marked as a rule (``rows``: what, mb, size)."""
    return {"width": 620, "height": 90, "data": {"values": list(rows)},
            "layer": [
                {"mark": {"type": "bar", "color": "#607d8b"},
                 "encoding": {"y": {"field": "what", "type": "nominal", "sort": None, "title": None},
                              "x": {"field": "mb", "type": "quantitative", "title": "MB",
                                    "scale": {"domainMin": 0}}}},
                {"mark": {"type": "rule", "color": "#b3261e", "strokeWidth": 2},
                 "encoding": {"x": {"field": "size", "type": "quantitative", "aggregate": "max"}}},
            ]}


def code_storage(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Code storage per function, its published versions split by whether anything uses them (``rows``: function,
    use ("in use", "unused", "unknown"), mb)."""
    return {"width": 620, "height": 22 * max(1, len({r["function"] for r in rows})), "data": {"values": list(rows)},
            "mark": "bar",
            "encoding": {"y": {"field": "function", "type": "nominal", "title": None, "sort": "-x"},
                         "x": {"field": "mb", "type": "quantitative", "aggregate": "sum", "title": "MB of versions"},
                         "color": {"field": "use", "type": "nominal", "title": None,
                                   "scale": {"domain": ["in use", "unused", "unknown"],
                                             "range": ["#2f5d8a", "#b3261e", "#90a4ae"]}}}}


def gb_seconds_by(rows: Sequence[dict[str, Any]], field: str, title: str, measure: str = "GB-seconds"
                  ) -> dict[str, Any]:
    """Where the compute goes: per ``field`` (a version, a memory size) the ``measure`` (GB-seconds, what the
    duration price multiplies; or billed seconds), the invocations written beside each bar (``rows``: field,
    gb_seconds, label)."""
    return {"width": 620, "height": 22 * max(1, len(rows)), "data": {"values": list(rows)},
            "layer": [
                {"mark": {"type": "bar", "color": "#607d8b"},
                 "encoding": {"y": {"field": field, "type": "nominal", "sort": "-x", "title": title},
                              "x": {"field": "gb_seconds", "type": "quantitative", "title": measure}}},
                {"mark": {"type": "text", "align": "left", "dx": 4},
                 "encoding": {"y": {"field": field, "type": "nominal", "sort": "-x"},
                              "x": {"field": "gb_seconds", "type": "quantitative"},
                              "text": {"field": "label"}}},
            ]}
