"""The static checker and the harness agree: each hanging scenario reports its rule, each fixed twin is clean."""

from __future__ import annotations

import pytest

from diagnose.harness.scenarios import load_scenarios
from diagnose.lint.config import Settings
from diagnose.lint.engine import check_path

SCENARIOS = load_scenarios()


def test_scenarios_are_shipped() -> None:
    assert len([s for s in SCENARIOS if s.outcome != "fixed"]) >= 8


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.rule and s.outcome != "fixed"], ids=lambda s: s.name)
def test_hanging_twin_reports_its_rule(scenario) -> None:
    result = check_path(str(scenario.path), Settings())
    assert scenario.rule in {f.code for f in result.findings}


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.outcome == "fixed"], ids=lambda s: s.name)
def test_fixed_twin_is_clean(scenario) -> None:
    result = check_path(str(scenario.path), Settings())
    assert [f"{f.row}:{f.code}" for f in result.findings] == []
