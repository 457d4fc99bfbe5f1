"""Configuration: defaults < ``[tool.lambdoctor]`` in pyproject.toml or ``.lambdoctor.toml`` < command line."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lambdoctor.findings import Severity
from lambdoctor.thresholds import THRESHOLDS


class ConfigError(Exception):
    """A configuration value that cannot be used; reported as a usage error (exit 2)."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()  # ID prefixes; empty = every rule
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)  # rule ID → overridden severity
    thresholds: dict[str, float] = field(default_factory=lambda: dict(THRESHOLDS))
    # Errors only by default: on 1,162 real inputs warnings were nearly everywhere (alarms, tracing, retention:
    # advice), errors were what breaks or leaks (docs/quality.md)
    fail_on: Severity | None = Severity.ERROR  # None: never fail on findings
    source: str | None = None  # the file the settings came from
    # where the rule pages are published, "{id}" standing for the rule ID; None: not known, and reports that
    # would link to it (SARIF's helpUri) carry the text itself instead of a link
    docs_url: str | None = None
    exclude: tuple[str, ...] = ()  # globs of paths the scan skips (relative to the project root, or a name)

    def enabled(self, rule_id: str) -> bool:
        if self.select and not any(rule_id.startswith(p) for p in self.select):
            return False
        return not any(rule_id.startswith(p) for p in self.ignore)


def parse_ids(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of rule IDs or prefixes")
    return tuple(v.strip().upper() for v in value)


def parse_fail_on(value: str) -> Severity | None:
    if value.strip().lower() == "never":
        return None
    try:
        return Severity.parse(value)
    except ValueError:
        raise ConfigError(f"fail-on must be info, warning, error or never, not {value!r}") from None


def from_mapping(data: dict[str, Any], source: str, base: Config | None = None) -> Config:
    cfg = base or Config()
    known = {"select", "ignore", "severity", "thresholds", "fail-on", "fail_on", "docs-url", "docs_url", "exclude"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown setting(s) {', '.join(unknown)}")
    changes: dict[str, Any] = {"source": source}
    if "select" in data:
        changes["select"] = parse_ids(data["select"], "select")
    if "ignore" in data:
        changes["ignore"] = parse_ids(data["ignore"], "ignore")
    if "severity" in data:
        sev = data["severity"]
        if not isinstance(sev, dict):
            raise ConfigError(f"{source}: severity must be a table of RULE = \"level\"")
        try:
            changes["severity"] = {k.upper(): Severity.parse(str(v)) for k, v in sev.items()}
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    if "thresholds" in data:
        th = data["thresholds"]
        if not isinstance(th, dict):
            raise ConfigError(f"{source}: thresholds must be a table")
        merged = dict(cfg.thresholds)
        for k, v in th.items():
            name = k.replace("-", "_")
            if name not in THRESHOLDS:
                names = ", ".join(sorted(n.replace("_", "-") for n in THRESHOLDS))
                raise ConfigError(f"{source}: unknown threshold {k!r} (known: {names}; docs/configuration.md says "
                                  "what each one does)")
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                raise ConfigError(f"{source}: threshold {k} must be a non-negative number")
            merged[name] = float(v)
        changes["thresholds"] = merged
    fail_on = data.get("fail-on", data.get("fail_on"))
    if fail_on is not None:
        changes["fail_on"] = parse_fail_on(str(fail_on))
    docs = data.get("docs-url", data.get("docs_url"))
    if docs is not None:
        changes["docs_url"] = parse_docs_url(docs, f"{source}: docs-url")
    if "exclude" in data:
        changes["exclude"] = parse_globs(data["exclude"], f"{source}: exclude")
    return replace(cfg, **changes)


def parse_docs_url(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")) or "{id}" not in value:
        raise ConfigError(f"{key} must be an http(s) address with {{id}} for the rule ID, e.g. "
                          "https://example.org/lambdoctor/rules/{id}/")
    return value


def parse_globs(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{key} must be a list of globs, e.g. [\".aws-sam/\", \"cdk.out/asset.*\"]")
    return tuple(v.strip() for v in value)


def load(start: Path) -> Config:
    """The nearest ``.lambdoctor.toml`` or ``pyproject.toml`` with a [tool.lambdoctor] table, from ``start`` up."""
    for directory in [start, *start.parents]:
        dedicated = directory / ".lambdoctor.toml"
        if dedicated.is_file():
            return from_mapping(read_toml(dedicated), str(dedicated))
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = read_toml(pyproject).get("tool", {}).get("lambdoctor")
            if isinstance(table, dict):
                return from_mapping(table, f"{pyproject} [tool.lambdoctor]")
    return Config()


def read_toml(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
