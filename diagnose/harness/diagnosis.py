"""From evidence to what the user reads, the same for ``repro`` and ``inspect``: the verdict (from
the classifier), the static finding on the user's line that matches it, the fix, one line per
process saying what it is blocked in, and hints when the verdict may be the watchdog's mistake."""

from __future__ import annotations

from dataclasses import dataclass, field

from diagnose.harness.classifier import Evidence, classify
from diagnose.harness.evidence import Verdict
from diagnose.harness.fixes import fix_for
from diagnose.harness.pointer import point_at_line
from diagnose.harness.reading import all_asleep, read_processes
from diagnose.lint.finding import Finding

STUCK = ("hung", "interrupted")


@dataclass
class Diagnosis:
    verdict: Verdict
    findings: list[Finding] = field(default_factory=list)
    fix: str | None = None
    reading: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)


def diagnose(evidence: Evidence, script: str | None, cwd: str, quiet_option: str) -> Diagnosis:
    """Classify, point at the line and read the evidence. ``script`` is the target's own file,
    ``cwd`` its working directory (relative frame paths start there), ``quiet_option`` the flag
    that sets how long a quiet spell must last (named in the sleep hint)."""
    verdict = classify(evidence)
    if verdict.kind == "completed":
        return Diagnosis(verdict)
    try:
        verdict, findings = point_at_line(verdict, evidence.processes, script, cwd)
        unpointed = None
    except Exception as exc:  # the checker failing must not cost the user the runtime diagnosis
        findings, unpointed = [], f"the static checker failed on the files in the stacks: {type(exc).__name__}: {exc}"
    diagnosis = Diagnosis(verdict, findings, fix_for(verdict.cause, verdict.what))
    if unpointed:
        diagnosis.hints.append(unpointed)
    if verdict.kind in STUCK:
        diagnosis.reading = read_processes(evidence.processes)
        if verdict.kind == "hung" and all_asleep(evidence.processes):
            diagnosis.hints.append(f"every thread was in time.sleep: if the program sleeps on purpose, raise "
                                   f"{quiet_option} above its longest sleep")
    return diagnosis


def script_of(cmdline: list[str]) -> str | None:
    """The script a Python command line runs (``python -u train.py --epochs 3`` -> ``train.py``)."""
    return next((arg for arg in cmdline[1:] if arg.endswith(".py") and not arg.startswith("-")), None)
