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


def cost_and_duration(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """AWS Lambda Power Tuning's picture: for each memory size, the monthly cost (bars) and the billed duration per
    invocation (line, its own axis); the cheapest size is marked. ``rows``: memory_mb, monthly_usd, billed_ms,
    cheapest (bool), fastest (bool)."""
    x = {"field": "memory_mb", "type": "ordinal", "title": "memory size (MB)", "sort": None,
         "axis": {"labelAngle": 0}}
    cost_y = {"field": "monthly_usd", "type": "quantitative", "title": "US$ a month"}
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
