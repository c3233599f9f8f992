"""Fingerprints that identify a finding across runs, unaffected by unrelated lines moving."""

from __future__ import annotations

import hashlib
from collections import Counter

from diagnose.lint.finding import Finding
from diagnose.report.formats.paths import report_path
from diagnose.report.formats.sources import SourceLines


def fingerprints(findings: list[Finding], sources: SourceLines) -> dict[Finding, str]:
    """``HASH:N`` per finding: a hash of the file, the code and the whitespace-normalised source line,
    and N, the occurrence of that same hash in the file (in line order). Never the line number."""
    seen: Counter[str] = Counter()
    out: dict[Finding, str] = {}
    for finding in sorted(findings):
        content = " ".join(sources.line(finding.path, finding.row).split())
        key = "\0".join((report_path(finding.path), finding.code, content))
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        seen[digest] += 1
        out[finding] = f"{digest}:{seen[digest]}"
    return out
