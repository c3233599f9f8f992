"""Fix files on disk: each file with a fix that applies is fixed in memory (a notebook cell by cell), then
written atomically (a temporary file beside it, then a rename; permissions kept), unless only the diff is
wanted."""

from __future__ import annotations

from diagnose.lint.add_noqa import write_atomically
from diagnose.lint.config import Settings
from diagnose.lint.engine import FileResult
from diagnose.lint.fix.notebook import apply_to_notebook
from diagnose.lint.fix.rounds import Fixed, apply_to_python, fix_rounds
from diagnose.lint.notebook import is_notebook
from diagnose.lint.runner import check_bytes


def fixable(result: FileResult, unsafe: bool) -> bool:
    """Whether a checked file has a finding whose fix applies."""
    return any(f.fix is not None and f.fix.applies(unsafe) for f in result.findings)


def fix_file(path: str, settings: Settings, unsafe: bool, write: bool) -> Fixed | None:
    """Fix one file (and write it back when ``write``); None when it cannot be read, analysed or written."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError:
        return None

    def check(data: bytes) -> list:
        result = check_bytes(data, path, settings)
        if result.error:
            raise RuntimeError(result.error)
        return result.findings

    apply = apply_to_notebook if is_notebook(path) else apply_to_python
    try:
        fixed = fix_rounds(path, source, check, apply, unsafe)
    except RuntimeError:  # an analysis bug leaves the file as it is, as a check reports it
        return None
    if write and fixed.changed:
        try:
            write_atomically(path, fixed.after)
        except OSError:
            return None
    return fixed


def fix_results(results: list[FileResult], settings: Settings, unsafe: bool, write: bool) -> list[Fixed]:
    """Fix every file of ``results`` that has an applicable fix; each result's findings become what remains."""
    out = []
    for result in results:
        if result.error or not fixable(result, unsafe):
            continue
        fixed = fix_file(result.path, settings, unsafe, write)
        if fixed is not None:
            result.findings = fixed.findings
            out.append(fixed)
    return out
