"""Project fixtures (``fixtures/projects/<name>/``): each is checked at its root as a user runs it, with the
facts its declarations and other modules hold; findings exactly on the lines marked ``# expect: CODE``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lint_support import ROOT, expected_markers, predlint

PROJECTS = [pytest.param(p, id=p.name) for p in sorted(q for q in (ROOT / "fixtures" / "projects").iterdir()
                                                      if q.is_dir())]


@pytest.mark.parametrize("project", PROJECTS)
def test_project(project: Path) -> None:
    result = predlint("check", "--no-cache", "--exit-zero", "--output-format", "json", ".", cwd=project)
    assert result.returncode == 0, result.stderr
    expected = {(path.relative_to(project).as_posix(), line, code)
                for path in project.rglob("*.py") for line, code in expected_markers(path)}
    spans = [{(Path(f["filename"]).resolve().relative_to(project).as_posix(), row, f["code"])
              for row in range(f["location"]["row"], f["end_location"]["row"] + 1)} for f in json.loads(result.stdout)]
    assert sorted(expected - set().union(*spans)) == [], "expected findings not reported"
    assert [sorted(span)[0] for span in spans if not span & expected] == [], "findings on unmarked lines"
    positions = [(f["filename"], f["location"]["row"], f["location"]["column"], f["code"])
                 for f in json.loads(result.stdout)]
    assert sorted(p for p in positions if positions.count(p) > 1) == [], "one place, one rule: reported twice"
