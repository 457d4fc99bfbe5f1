"""Findings: what a rule reports, and how secrets are kept out of every output."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (info, warning or error)") from None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int = 1
    resource: str = ""
    resource_type: str = ""
    fix: str = ""
    confidence: str = "high"

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line, self.column, self.rule, self.resource, self.message)

    def fingerprint(self) -> str:
        """Stable across line moves: what a baseline matches on."""
        return f"{self.rule}|{self.file}|{self.resource}|{self.message}"

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)


def mask_secret(value: str) -> str:
    """Show enough of a secret to recognise it, never enough to use it."""
    if len(value) <= 8:
        return "****"
    return f"{value[:2]}…{'*' * 4}({len(value)} chars)"


_AWS_KEY = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")


def redact(text: str) -> str:
    """Last line of defence for any text shown to a user: AWS key IDs never appear in full."""
    return _AWS_KEY.sub(lambda m: m.group(1) + "****************", text)
