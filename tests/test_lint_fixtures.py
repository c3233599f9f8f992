"""Every fixture in fixtures/lint: findings exactly on the lines marked ``# expect: CODE``."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose.lint.config import Settings, apply_table
from diagnose.lint.engine import check_path
from diagnose.lint.rules import all_rules
from lint_support import FIXTURES, expected_markers

FIXTURE_FILES = sorted(FIXTURES.glob("DLK*.py"))
REGRESSIONS = sorted((FIXTURES / "regressions").glob("*.py"))


def test_every_rule_has_a_fixture() -> None:
    covered = {path.name[:6] for path in FIXTURE_FILES}
    assert {rule.code for rule in all_rules()} - covered == set()


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture(path: Path) -> None:
    assert_markers_match(path, {"extend-select": [path.name[:6]]})


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.name)
def test_regression(path: Path) -> None:
    """False positives and negatives found on real public code (``fp_*``: clean, ``fn_*``: marked)."""
    assert path.stem.startswith(("fp_", "fn_"))
    assert_markers_match(path, {"select": ["ALL"], "ignore": ["DLK100"]})


def assert_markers_match(path: Path, table: dict[str, list[str]]) -> None:
    settings = apply_table(Settings(root=FIXTURES), table, "test")
    result = check_path(str(path), settings)
    assert result.error is None
    expected = expected_markers(path)
    spans = {f: {(line, f.code) for line in range(f.row, f.end_row + 1)} for f in result.findings}
    covered = set().union(*spans.values())
    if not path.stem.endswith("_clean") and not path.stem.startswith("fp_"):
        assert expected, "a fixture must mark at least one expected finding (or be named *_clean.py)"
    assert sorted(expected - covered) == [], "expected findings not reported"
    assert [f"{f.row}:{f.code}" for f, span in spans.items() if not span & expected] == [], \
        "findings on unmarked lines"
