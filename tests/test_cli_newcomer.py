"""Issue 10: the rough edges a newcomer meets on the ``predlint check`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lint_support import CLEAN, HAZARD, predlint


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "job.py").write_text(HAZARD)
    (tmp_path / "src" / "clean.py").write_text(CLEAN)
    return tmp_path


def one_line_exit_2(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


@pytest.mark.parametrize("text", [
    "[tool.predlint]\nignore = [\"DLK1\"\n",  # does not parse
    "[tool.predlint]\nignore = [\"DLK1\"]\n[tool.predlint]\nselect = [\"DLK2\"]\n",  # the table twice
])
def test_broken_pyproject_is_an_error_not_skipped(project: Path, text: str) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text(text)
    (project / "sub" / "job.py").write_text(HAZARD)
    (project / "pyproject.toml").write_text("[tool.predlint]\nexclude = []\n")  # the parent a search would find
    stderr = one_line_exit_2(predlint("check", "job.py", cwd=project / "sub"))
    assert "invalid TOML in" in stderr and "pyproject.toml" in stderr


def test_predlint_toml_accepts_a_pasted_tool_header(project: Path) -> None:
    (project / "predlint.toml").write_text('[tool.predlint]\nignore = ["DLK1", "DLK2"]\n')
    assert predlint("check", "src", cwd=project).returncode == 0
    (project / "predlint.toml").write_text('select = ["DLK1"]\n[tool.predlint]\nignore = ["DLK1"]\n')
    assert "without the table header" in one_line_exit_2(predlint("check", "src", cwd=project))
