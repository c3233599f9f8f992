"""Helpers for the CI-integration tests (formats, cache, pre-commit, flake8, add-noqa)."""

from __future__ import annotations

import io
from pathlib import Path

from diagnose.lint.config import Settings
from diagnose.lint.engine import check_path
from diagnose.lint.finding import Finding
from diagnose.report.lint_output import FORMATS

# Two findings (DLK201 on line 9, DLK101 on line 10) in a file of a project laid out by ``make_project``.
HAZARD = """\
import multiprocessing
from tensorflow import keras

def work(x):
    return x

if __name__ == "__main__":
    model = keras.models.load_model("m.keras")
    with multiprocessing.Pool(2) as pool:
        pool.map(work, [model])
"""
CLEAN = "import multiprocessing\n"


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
