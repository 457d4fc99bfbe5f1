"""The units money and sizes are counted in, shared by the cost engine, the rules and the reports.

A month is 30 days (2,592,000 s, 720 h), as in the source articles' tables. Memory in GB-seconds uses
1 GB = 1024 MB; log volume uses 1 GB = 10^9 bytes (AWS bills data in decimal gigabytes). Money is Decimal,
shown rounded half up to the cent. This module imports nothing else of the package.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MONTH_SECONDS = Decimal(30 * 24 * 3600)
MONTH_HOURS = Decimal(30 * 24)
MB_PER_GB = Decimal(1024)
BYTES_PER_GB = Decimal(10) ** 9
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
