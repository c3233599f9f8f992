"""Helpers for the CI-integration tests (formats, cache, pre-commit, flake8, add-noqa)."""

from __future__ import annotations

import io
from pathlib import Path

from diagnose.lint.config import Settings
from diagnose.lint.engine import check_path
from diagnose.lint.finding import Finding
from diagnose.report.lint_output import FORMATS
from lint_support import CLEAN, HAZARD  # noqa: F401 - shared with the CI-integration tests



def make_project(root: Path, files: dict[str, str]) -> Path:
    """A git work tree (a bare ``.git`` marker is enough for predlint) holding ``files``."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def findings_of(*paths: Path, settings: Settings | None = None) -> list[Finding]:
    """Findings of files, checked in-process with the given (or default) settings."""
    settings = settings or Settings()
    return sorted(f for p in paths for f in check_path(str(p), settings).findings)


def render(output_format: str, findings: list[Finding]) -> str:
    """One format's report as text."""
    stream = io.StringIO()
    FORMATS[output_format](findings, stream)
    return stream.getvalue()
