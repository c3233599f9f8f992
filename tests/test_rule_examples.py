"""Fixit-style: every rule's documented Example is reported, and its "Use instead" is clean."""

from __future__ import annotations

import pytest

from diagnose.lint.rules import all_rules
from lint_support import check_text

RULES = [rule for rule in all_rules() if rule.code not in ("DLK000", "DLK100")]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_documentation_has_every_section(rule) -> None:
    doc = rule.documentation()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"):
        assert heading in doc, f"{rule.code} lacks {heading}"
    bad, good = rule.examples()
    assert bad and good
    assert rule.summary().endswith(".")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_bad_example_is_reported(rule) -> None:
    bad, _ = rule.examples()
    assert rule.code in {f.code for f in check_text(bad, select=[rule.code])}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_good_example_is_clean(rule) -> None:
    _, good = rule.examples()
    assert [f"{f.code}:{f.row}" for f in check_text(good, select=[rule.code])] == []


def test_syntax_error_example() -> None:
    rule = next(r for r in all_rules() if r.code == "DLK000")
    bad, good = rule.examples()
    findings = check_text("import multiprocessing\n" + bad)
    assert [f.code for f in findings] == ["DLK000"]
    assert check_text("import multiprocessing\n" + good) == []
