"""Findings: what a rule reports, and how secrets are kept out of every output."""

from __future__ import annotations

import enum
import functools
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, TextIO, cast


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

    def __post_init__(self) -> None:
        # Masked once, where a finding is made: every reporter, the baseline and the SARIF fingerprints see only
        # the masked text (a rule or a loader quoting a line of the user's file cannot leak what it holds).
        object.__setattr__(self, "message", redact(self.message))
        object.__setattr__(self, "fix", redact(self.fix))

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


# -- the one detector of secrets: SEC002 and every output ----------------------------------------------------------

SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|APIKEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY"
                         r"|AUTH_?KEY|CLIENT_?SECRET|SIGNING_?KEY)", re.I)
AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
_NOT_SECRET_SUFFIX = ("_PARAM", "_ARN", "_NAME", "_PATH", "_ID", "_PARAMETER", "_PARAM_NAME", "_SECRET_ID",
                      "_URL_PATH", "_REGION", "_TTL", "_LENGTH", "_HEADER")
_PLACEHOLDER = re.compile(r"^(|changeme|change-me|placeholder|none|null|todo|xxx+|\*+|<.*>|\$\{.*\}|dummy|test"
                          r"|example|true|false|\d{1,6})$", re.I)
MASKED = "<masked by lambdoctor: {reason}>"  # what a saved snapshot holds in place of a secret value
_MASKED = re.compile(r"^<masked by lambdoctor: (.+)>$")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def _names_a_location(value: str) -> bool:
    """SSM paths, ARNs, URLs without credentials, file paths: values that say where a secret is."""
    return (value.startswith(("/", "arn:", "ssm:", "secretsmanager:", "s3://", "file:"))
            or (value.startswith(("http://", "https://")) and "@" not in value))


def secret_value_reason(name: str, value: str) -> str | None:
    """Why the literal ``value`` of a variable called ``name`` is a secret, or None (SEC002's detector)."""
    masked = _MASKED.match(value)
    if masked:
        return masked.group(1)
    if AWS_ACCESS_KEY.search(value):
        return "an AWS access key ID"
    if "PRIVATE KEY-----" in value:
        return "a private key"
    if _URL_PASSWORD.search(value):
        return "a URL with a password"
    if _names_a_location(value):
        return None
    upper = name.upper()
    if SECRET_NAME.search(upper) and not upper.endswith(_NOT_SECRET_SUFFIX):
        if not _PLACEHOLDER.match(value.strip()):
            return "a literal value for a secret-like name"
        return None
    compact = value.strip()
    if (len(compact) >= 24 and " " not in compact and _entropy(compact) >= 4.2
            and sum(c.isdigit() for c in compact) >= 3 and any(c.isalpha() for c in compact)):
        return "a high-entropy literal that looks like a key"
    return None


_URL_PASSWORD = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'\"]*):([^@\s/'\"]+)@")
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.S)
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]*[a-z])(?=[A-Za-z0-9/+=]*[A-Z])"
                         r"(?=[A-Za-z0-9/+=]*[0-9])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
# From the keyword on: a name's head before it (DB_ of DB_PASSWORD) stays as it is, and no prefix is tried at every
# word start (that backtracking made this the costliest pattern by far).
_ASSIGNED = re.compile(r"(?i)((?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|APIKEY|PRIVATE_?KEY|"
                       r"CREDENTIAL|ACCESS_?KEY|AUTH_?KEY|SIGNING_?KEY)[A-Z0-9_]*)"
                       r"(\\?[\"']?\s*[:=]\s*\\?[\"']?)(?!\$\{|!|\{\{|\*\*\*\*|<masked)([^\s\"'\\,;}{)(\]]{4,})")
_BEARER = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}")
# Necessary conditions of the patterns above, far cheaper to test: literal prefixes, one character class, and the
# lowered names _ASSIGNED starts with.
_KEY_PREFIX = re.compile(r"A(?:KIA|SIA|BIA|CCA)")
_RUN_OF_40 = re.compile(r"[A-Za-z0-9/+=]{40}")
_SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "privatekey",
                 "credential", "access_key", "accesskey", "auth_key", "authkey", "signing_key", "signingkey")

_known: set[str] = set()
_known_lock = threading.Lock()
_known_pattern: list[re.Pattern[str] | None] = [None]


def register_secret(value: str) -> None:
    """A value known to be secret (a flagged environment value, a NoEcho parameter, a sensitive variable): masked
    wherever it appears in any output of this run, whatever its shape."""
    value = value.strip()
    if len(value) < 6:
        return  # too short to mask everywhere without masking ordinary words
    with _known_lock:
        if value not in _known:
            _known.add(value)
            _known_pattern[0] = re.compile("|".join(re.escape(v) for v in sorted(_known, key=len, reverse=True)))
            _redact_short.cache_clear()


def redact(text: str) -> str:
    """The one masking function for any text that leaves the program: AWS key IDs and secret keys, passwords in
    URLs, private keys, bearer tokens, values assigned to secret-like names, and every registered secret.

    Every finding's message and fix passes here, and every line printed: each pattern runs only where a plain
    substring test (on the text lowered once) says it can match, and values assigned to secret-like names are
    matched only at the places such a name starts. Run at every position, that one pattern cost 25 µs a message
    (1 s over the 40,000 findings of a 5,000-function template) and seconds over its JSON report."""
    if not text:
        return text
    return _redact_short(text) if len(text) < 2000 else _redact(text)


@functools.lru_cache(maxsize=8192)
def _redact_short(text: str) -> str:
    """Findings repeat their fixes and many of their messages: each distinct text is masked once (the cache is
    emptied when a secret is registered)."""
    return _redact(text)


def _redact(text: str) -> str:
    pattern = _known_pattern[0]
    if pattern is not None:
        text = pattern.sub(lambda m: mask_secret(m.group(0)), text)
    lower = text.lower()
    if "private key-----" in lower:
        text = _PEM.sub(lambda m: f"-----BEGIN {m.group(1)}PRIVATE KEY-----****", text)
    if _KEY_PREFIX.search(text):
        text = AWS_ACCESS_KEY.sub(lambda m: m.group(1) + "****************", text)
    if len(text) >= 40 and max(map(len, text.split()), default=0) >= 40 and _RUN_OF_40.search(text):
        text = _AWS_SECRET.sub("****(40 chars)", text)
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:****@", text)
    if "bearer" in lower or "basic" in lower:
        text = _BEARER.sub(lambda m: f"{m.group(1)} ****", text)
    if ("passw" in lower or "secret" in lower or "token" in lower or "credential" in lower
            or ("key" in lower and any(word in lower for word in _SECRET_WORDS))):
        text = _mask_assigned(text)
    return text


def _mask_assigned(text: str) -> str:
    """``_ASSIGNED`` tried only where one of its names starts (the text may have changed above: lowered again)."""
    lower = text.lower()
    starts = sorted({i for word in _SECRET_WORDS for i in _occurrences(lower, word)})
    out, done = [], 0
    for i in starts:
        if i < done:
            continue
        m = _ASSIGNED.match(text, i)
        if m:
            out.append(text[done:m.start(3)] + "****")
            done = m.end(3)
    return "".join(out) + text[done:] if out else text


def _occurrences(text: str, word: str) -> list[int]:
    found, i = [], text.find(word)
    while i >= 0:
        found.append(i)
        i = text.find(word, i + 1)
    return found


_PIECE = 64 * 1024


class RedactingStream:
    """A text stream that masks what is written to it, line by line (a secret split over two writes of one line
    is still whole when it is masked)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        end = text.rfind("\n") + 1
        if not end:
            self._pending += text
            return len(text)
        # Whole lines, in pieces of about 64 KiB: a report written in one call (the JSON of 40,000 findings) is
        # not copied whole again, lowered and masked at once.
        start = 0
        while start < end:
            cut = text.find("\n", min(start + _PIECE, end - 1)) + 1 or end
            self._stream.write(redact(self._pending + text[start:cut]) if self._pending else redact(text[start:cut]))
            self._pending = ""
            start = cut
        self._pending = text[end:]
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(redact(self._pending))
            self._pending = ""
        self._stream.flush()

    def close(self) -> None:
        self.flush()
        self._stream.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redacting(stream: TextIO) -> TextIO:
    """``stream``, masked (findings.redact) as it is written."""
    return cast(TextIO, RedactingStream(stream))
