"""``predlint check --fix`` on ``fixtures/fix/<case>/``: input becomes expected byte for byte, a second
``--fix`` changes nothing, and what is still reported is exactly the lines marked ``# remains: DLKnnn``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lint_support import ROOT, predlint

CASES = sorted(p for p in (ROOT / "fixtures" / "fix").iterdir() if p.is_dir())
REMAINS = re.compile(r"#\s*remains:\s*(DLK\d{3})")


def _flags(case: Path) -> list[str]:
    flags = case / "flags"
    return flags.read_text().split() if flags.exists() else []


def _fix(case: Path, tmp_path: Path) -> Path:
    """The case's input copied alone into a fresh directory (no other file to infer settings from), fixed."""
    target = tmp_path / f"{case.name}.py"
    shutil.copyfile(case / "input.py", target)
    result = predlint("check", "--no-cache", "--fix", *_flags(case), target.name, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return target


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fix_gives_the_expected_file(case: Path, tmp_path: Path) -> None:
    assert _fix(case, tmp_path).read_bytes() == (case / "expected.py").read_bytes()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_second_fix_changes_nothing(case: Path, tmp_path: Path) -> None:
    target = _fix(case, tmp_path)
    first = target.read_bytes()
    again = predlint("check", "--no-cache", "--fix", *_flags(case), target.name, cwd=tmp_path)
    assert target.read_bytes() == first
    assert "Fixed 0," in again.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixed_code_is_no_longer_reported(case: Path, tmp_path: Path) -> None:
    target = _fix(case, tmp_path)
    checked = predlint("check", "--no-cache", "--output-format", "json", *_flags(case), target.name, cwd=tmp_path)
    reported = {(f["location"]["row"], f["code"]) for f in json.loads(checked.stdout)}
    marked = {(number, match.group(1)) for number, line in enumerate(target.read_text().splitlines(), start=1)
              for match in REMAINS.finditer(line)}
    assert reported == marked


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_input_finding_but_the_marked_has_a_fix(case: Path, tmp_path: Path) -> None:
    """The JSON report of the input offers a fix that the case's flags apply for each finding of the case's
    rule exactly where it is not marked (other rules' findings may go with them, as DLK302 with DLK303's)."""
    target = tmp_path / f"{case.name}.py"
    shutil.copyfile(case / "input.py", target)
    checked = predlint("check", "--no-cache", "--output-format", "json", *_flags(case), target.name, cwd=tmp_path)
    lines, unsafe = target.read_text().splitlines(), "--unsafe-fixes" in _flags(case)
    for finding in (f for f in json.loads(checked.stdout) if case.name.startswith(f["code"])):
        fix = finding["fix"]
        applies = fix is not None and (fix["applicability"] == "safe" or unsafe)
        assert applies != bool(REMAINS.search(lines[finding["location"]["row"] - 1])), finding
