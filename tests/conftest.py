"""Fixtures shared by the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lint_support import CLEAN, HAZARD


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with one file holding two findings (``src/job.py``) and one clean file."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "job.py").write_text(HAZARD)
    (tmp_path / "src" / "clean.py").write_text(CLEAN)
    return tmp_path
