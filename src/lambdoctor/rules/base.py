"""What a rule is: an ID, a default severity, a docstring that is its documentation, and a pure check."""

from __future__ import annotations

import re
import textwrap
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from lambdoctor.findings import Finding, Severity

if TYPE_CHECKING:  # the model's module takes 16 ms to import; the LOG rules never need it
    from lambdoctor.model import Application, Function, SourceRef

DOCS_URL = "docs/rules/{id}.md"  # relative to the repository root; the SARIF report resolves it

DEFAULT_THRESHOLDS: dict[str, float] = {
    "sqs_visibility_factor": 6,  # DG: visibility timeout ≥ 6 × function timeout (+ batching window)
    "api_timeout_warning_seconds": 25,  # leave a few seconds below API Gateway's 29 s for the response
    "kept_versions": 5,
    "runtime_warning_days": 120,
    "package_size_mb": 50,
    "many_layers": 3,
    # live account (ACC rules)
    "code_storage_warning_share": 0.5,  # ACC001 warning, and error at the next one
    "code_storage_error_share": 0.8,
    "unreserved_concurrency_share": 0.2,  # ACC003
    "error_rate_share": 0.05,  # ACC005, on any day with at least the minimum invocations
    "error_rate_min_invocations": 20,
}


@dataclass(frozen=True)
class Context:
    """Everything a rule may know beyond the model: today, thresholds and dated data. No I/O in rules."""

    today: date
    runtime_deprecations: Mapping[str, date] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))

    def threshold(self, name: str) -> float:
        return self.thresholds.get(name, DEFAULT_THRESHOLDS[name])


_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "References")
_FENCE = re.compile(r"```(?:yaml|json|text)?\n(.*?)```", re.S)


class Documented:
    """A catalog entry whose docstring is its documentation, in fixed sections."""

    id: ClassVar[str]
    slug: ClassVar[str]
    severity: ClassVar[Severity]
    evidence: ClassVar[str] = "iac"

    # -- documentation --------------------------------------------------------------------------------------
    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        # dedent, not inspect.cleandoc: examples may hold tabs (Lambda's REPORT lines), which cleandoc expands
        doc = textwrap.dedent((cls.__doc__ or "").strip("\n"))
        sections: dict[str, str] = {}
        current = None
        lines: list[str] = []
        for line in doc.splitlines():
            header = line[3:].strip() if line.startswith("## ") else None
            if header in _SECTIONS:
                if current:
                    sections[current] = "\n".join(lines).strip()
                current, lines = header, []
            else:
                lines.append(line)
        if current:
            sections[current] = "\n".join(lines).strip()
        return sections

    @classmethod
    def summary(cls) -> str:
        what = cls.doc_sections().get("What it does", "")
        return what.split("\n\n", 1)[0].replace("\n", " ")

    @classmethod
    def example(cls, section: str) -> str:
        m = _FENCE.search(cls.doc_sections().get(section, ""))
        return m.group(1) if m else ""

    @classmethod
    def docs_url(cls) -> str:
        return DOCS_URL.format(id=cls.id)

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        return {"id": cls.id, "slug": cls.slug, "severity": cls.severity.label, "evidence": cls.evidence,
                "summary": cls.summary(), "docs": cls.docs_url()}


class Rule(Documented, ABC):
    @abstractmethod
    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        """Yield the findings of this rule for one application; pure: no clock, network or files."""

    # -- reporting helpers --------------------------------------------------------------------------------------
    def finding(
        self,
        app: Application,
        ref: SourceRef | None,
        resource: str,
        message: str,
        fix: str,
        severity: Severity | None = None,
        confidence: str = "high",
    ) -> Finding:
        from lambdoctor.model import SourceRef

        where = ref or SourceRef(app.source)
        return Finding(
            rule=self.id,
            severity=severity or self.severity,
            message=message,
            file=where.file,
            line=where.line,
            column=where.column,
            resource=resource,
            resource_type=app.resource_type(resource) or "",
            fix=fix,
            confidence=confidence,
        )

    def on_function(
        self, app: Application, fn: Function, message: str, fix: str, ref: SourceRef | None = None,
        severity: Severity | None = None, confidence: str = "high",
    ) -> Finding:
        return self.finding(app, ref or fn.ref, fn.id, message, fix, severity, confidence)
