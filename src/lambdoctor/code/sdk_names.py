"""boto3 method names ↔ API operation names (the same rule botocore's ``xform_name`` applies)."""

from __future__ import annotations

import re

_FIRST = re.compile(r"(.)([A-Z][a-z]+)")
_SECOND = re.compile(r"([a-z0-9])([A-Z])")


def snake_case(operation: str) -> str:
    """``ListObjectsV2`` → ``list_objects_v2``; the generator records the operations where botocore differs."""
    return _SECOND.sub(r"\1_\2", _FIRST.sub(r"\1_\2", operation)).lower()
