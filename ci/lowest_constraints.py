"""Pins every runtime dependency of pyproject.toml (the base and the extras lambdoctor itself uses) to its declared
lower bound, for `make test-lowest`: the suite then runs on the oldest versions the metadata accepts, so a lower
bound that is too low fails CI instead of a user's install.

Usage: python ci/lowest_constraints.py > constraints.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def main() -> int:
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for name, extra in project.get("optional-dependencies", {}).items():
        if name != "test":
            specs.extend(s for s in extra if not s.startswith("lambdoctor"))
    pins: dict[str, str] = {}
    for spec in specs:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)\s*(;.*)?", spec)
        if m is None:
            print(f"no lower bound to pin in {spec!r}", file=sys.stderr)
            return 1
        pins[m.group(1).lower()] = m.group(2)
    for name, version in sorted(pins.items()):
        print(f"{name}=={version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
