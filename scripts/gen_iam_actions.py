"""Regenerate src/lambdoctor/data/sdk_operations.json from botocore's service models.

Run with any Python that has botocore installed (it is not a runtime dependency of lambdoctor):

    python scripts/gen_iam_actions.py

For every boto3 client name it records the IAM service prefix (the signing name, with the few documented
exceptions below) and every API operation; the snake_case method name is stored only where it differs from
lambdoctor's own conversion (checked here against botocore's ``xform_name``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import botocore
import botocore.session
from botocore import xform_name

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from lambdoctor.code.sdk_names import snake_case  # noqa: E402

# Signing names that are not the IAM service prefix (Service Authorization Reference).
PREFIX_OVERRIDES = {"monitoring": "cloudwatch", "iotdata": "iot", "dynamodbstreams": "dynamodb"}


def main() -> None:
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    services: dict[str, object] = {}
    for name in sorted(session.get_available_services()):
        model = loader.load_service_model(name, "service-2")
        meta = model["metadata"]
        signing = meta.get("signingName") or meta.get("endpointPrefix") or name
        prefix = PREFIX_OVERRIDES.get(signing, signing)
        ops = sorted(model["operations"])
        odd = {xform_name(op): op for op in ops if xform_name(op) != snake_case(op)}
        services[name] = {"prefix": prefix, "operations": ops, **({"methods": odd} if odd else {})}
    out = {"source": f"botocore {botocore.__version__} service models (Apache-2.0)", "services": services}
    target = Path(__file__).resolve().parents[1] / "src" / "lambdoctor" / "data" / "sdk_operations.json"
    target.write_text(json.dumps(out, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"{target}: {len(services)} services, {sum(len(s['operations']) for s in services.values())} operations")


if __name__ == "__main__":
    main()
