"""CloudFormation, SAM and CDK-output templates → :class:`Application`, through the loaders' one builder
(:mod:`lambdoctor.loaders.builder`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambdoctor.loaders.builder import ApplicationBuilder
from lambdoctor.model import Application


def looks_like_template(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("Resources"), dict)


def template_kind(data: dict[str, Any], path: str) -> str:
    transform = data.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if any(isinstance(t, str) and t.startswith("AWS::Serverless") for t in transforms):
        return "sam"
    if "cdk.out" in Path(path).parts or "CDKMetadata" in data.get("Resources", {}):
        return "cdk"
    return "cloudformation"


def build_application(path: str, data: dict[str, Any], overrides: dict[str, Any] | None = None) -> Application:
    """The model of one template (already decoded)."""
    return ApplicationBuilder(path, data, overrides).build(template_kind(data, path))
