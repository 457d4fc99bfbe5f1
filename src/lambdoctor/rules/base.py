"""What a rule is: an ID, a default severity, a docstring that is its documentation, and a pure check."""

from __future__ import annotations

import re
import textwrap
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from lambdoctor.findings import Finding, Severity
from lambdoctor.thresholds import THRESHOLDS

if TYPE_CHECKING:  # the model's module takes 16 ms to import; the LOG rules never need it
    from lambdoctor.model import Application, Function, SourceRef

DOCS_URL = "docs/rules/{id}.md"  # relative to the repository root; the SARIF report resolves it

@dataclass(frozen=True)
class Context:
    """Everything a rule may know beyond the model: today, thresholds and dated data. No I/O in rules."""

    today: date
    runtime_deprecations: Mapping[str, date] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(THRESHOLDS))
    # SAM policy templates: name → (its parameters, the actions it grants, lower case) from the dated data file
    policy_templates: Mapping[str, tuple[tuple[str, ...], frozenset[str]]] = field(default_factory=dict)

    def threshold(self, name: str) -> float:
        return self.thresholds.get(name, THRESHOLDS[name])


_Subject = TypeVar("_Subject", contravariant=True)
_Ctx = TypeVar("_Ctx", contravariant=True)


class Check(Protocol[_Subject, _Ctx]):
    """What every rule family implements: template and code rules over an Application and a Context, account
    rules the same over an account's Application, log rules over one function's FunctionStats and a LogContext.
    One runner (``engine.run_checks``) runs them all."""

    id: ClassVar[str]

    def check(self, subject: _Subject, ctx: _Ctx, /) -> Iterator[Finding]: ...


_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "References")
_FENCE = re.compile(r"```(?:yaml|json|text)?\n(.*?)```", re.S)


class Documented:
    """A catalog entry whose docstring is its documentation, in fixed sections."""

    id: ClassVar[str]
    slug: ClassVar[str]
    severity: ClassVar[Severity]
    evidence: ClassVar[str] = "iac"
    # How sure a finding of this rule is, and why (shown in every rule's page and in each finding's JSON).
    # "high": it follows from settings written in the input; "medium": it rests on an inference (what code
    # can raise, which downstream is fragile) that a reader should check. A finding may lower its own.
    confidence: ClassVar[str] = "high"
    confidence_note: ClassVar[str] = "the finding follows from what the input states"

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
                "confidence": cls.confidence, "summary": cls.summary(), "docs": cls.docs_url()}


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
        confidence: str | None = None,
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
            confidence=confidence or self.confidence,
        )

    def on_function(
        self, app: Application, fn: Function, message: str, fix: str, ref: SourceRef | None = None,
        severity: Severity | None = None, confidence: str | None = None,
    ) -> Finding:
        return self.finding(app, ref or fn.ref, fn.id, message, fix, severity, confidence)
