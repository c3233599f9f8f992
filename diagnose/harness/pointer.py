"""Point at the line to change: run the static checker on the user's files that appear in the
stacks (never the standard library or installed packages) and put the finding that matches the
runtime cause first, so the verdict can name it (``DLK201 — predict.py:18: ...``)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from diagnose.errors import UsageError
from diagnose.harness.evidence import ProcessRecord, Verdict
from diagnose.harness.reading import is_library, short_path
from diagnose.lint.finding import Finding


def user_files(processes: list[ProcessRecord], script: str | None, cwd: str) -> list[str]:
    """The target's script, then every other user file in the stacks, in the order first seen."""
    found: dict[str, None] = {}
    candidates = [script] if script else []
    candidates += [f.file for p in processes for t in p.threads for f in t.frames]
    for name in candidates:
        path = os.path.normpath(os.path.join(cwd, name))
        if path.endswith(".py") and not is_library(name) and os.path.isfile(path):
            found.setdefault(path)
    return list(found)


def point_at_line(
    verdict: Verdict, processes: list[ProcessRecord], script: str | None, cwd: str
) -> tuple[Verdict, list[Finding]]:
    """The findings on the user's files (the cause's first) and the verdict naming that finding."""
    files = user_files(processes, script, cwd)
    if not files:
        return verdict, []
    findings = _check(files, verdict.cause, cwd)
    order = {path: index for index, path in enumerate(files)}
    findings.sort(key=lambda f: (f.code != verdict.cause, order.get(f.path, len(order)), f.row, f.code))
    if findings and findings[0].code == verdict.cause:
        verdict = replace(verdict, pointer=describe(findings[0]))
    return verdict, findings


def describe(finding: Finding) -> str:
    """``predict.py:18: <what the finding says>`` (the message's first clause; the fix is printed apart)."""
    return f"{short_path(finding.path)}:{finding.row}: {finding.message.split('; ')[0]}"


def _check(files: list[str], cause: str | None, cwd: str) -> list[Finding]:
    """The checker on ``files`` with the project's settings (found from the script's directory),
    the runtime cause's rule enabled even where the configuration leaves it off."""
    from diagnose.lint.config import Settings, apply_table, load_settings
    from diagnose.lint.runner import check_files

    try:
        settings = load_settings(None, cwd=Path(files[0]).parent)
    except UsageError:  # the user's configuration is broken: `predlint check` says so; use defaults here
        settings = Settings(root=Path(cwd))
    if cause is not None:
        settings = apply_table(settings, {"extend-select": [*settings.extend_select, cause]}, "the runtime cause")
    results = check_files(files, settings, jobs=1)
    return [f for result in results for f in result.findings]
