"""GitLab Code Quality report (``--output-format gitlab``)."""

from __future__ import annotations

from typing import TextIO

from diagnose.lint.finding import Finding, Severity
from diagnose.report.formats.fingerprint import fingerprints
from diagnose.report.formats.paths import report_path
from diagnose.report.formats.sources import SourceLines

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor"}


def render(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
    import json

    hashes = fingerprints(findings, sources or SourceLines())
    issues = [{
        "description": f"{f.code}: {f.message}",
        "check_name": f.code,
        "fingerprint": hashes[f],
        "severity": SEVERITY[f.severity],
        "location": {"path": report_path(f.path), "lines": {"begin": f.row, "end": f.end_row}},
    } for f in findings]
    json.dump(issues, stream, indent=2)
    stream.write("\n")
