"""The byte pre-filter (``diagnose/lint/prefilter.py``) skips the analysis of files no rule can fire on: on
every fixture and scenario, the findings with it equal those of analysing every file the gate lets through.
A rule or walker change that makes events from code the filter does not know fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

import diagnose.lint.engine as engine
from diagnose.lint.config import apply_table, load_settings
from diagnose.lint.files import discover
from diagnose.lint.project import project_for
from diagnose.lint.project_keras import with_project_keras
from diagnose.lint.runner import check_files
from lint_support import ROOT

TREES = [ROOT / "fixtures" / "lint", ROOT / "fixtures" / "scenarios",
         *sorted(p for p in (ROOT / "fixtures" / "projects").iterdir() if p.is_dir())]


def _findings() -> list[tuple]:
    project_for.cache_clear()  # a fresh project model: nothing carried over from the other run
    settings = with_project_keras(apply_table(load_settings(), {"select": ["ALL"]}, "test"), ["."])
    results = check_files([str(p) for p in discover(["."], settings)], settings, jobs=1)
    assert [r.error for r in results if r.error] == []
    return sorted((f.path, f.row, f.column, f.code, f.message) for r in results for f in r.findings)


@pytest.mark.parametrize("tree", [pytest.param(t, id=t.name) for t in TREES])
def test_prefilter_changes_no_finding(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    filtered = _findings()
    monkeypatch.setattr(engine, "can_find", lambda traits: True)  # analyse every file the gate lets through
    assert _findings() == filtered
