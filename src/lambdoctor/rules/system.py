"""The tool's own findings: not rules over the model, but part of the catalog and of every report."""

from __future__ import annotations

SYSTEM_RULES: dict[str, tuple[str, str]] = {
    "SYS000": ("unparseable-input", "an input file could not be read or parsed (an error), or a template repeats a key "
               "(a warning: CloudFormation keeps the last value) or declares SAM resources without SAM's transform "
               "(a warning); the run goes on with the others"),
    "SYS001": ("rule-crashed", "a rule raised on some input; the run goes on with the other rules"),
}
