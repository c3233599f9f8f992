"""``predlint check --add-noqa`` and the unused-noqa report (DLK100)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_support import CLEAN, HAZARD, make_project
from diagnose.lint.add_noqa import with_noqa
from lint_support import check_text, predlint


@pytest.mark.parametrize("before, codes, after", [
    ("pool.map(f, [m])\n", {"DLK101"}, "pool.map(f, [m])  # noqa: DLK101\n"),
    ("pool.map(f, [m])   \n", {"DLK201", "DLK101"}, "pool.map(f, [m])  # noqa: DLK101, DLK201\n"),
    ("pool.map(f, [m])  # keep me\n", {"DLK101"}, "pool.map(f, [m])  # keep me  # noqa: DLK101\n"),
    ("pool.map(f, [m])  # noqa: E501\n", {"DLK101"}, "pool.map(f, [m])  # noqa: E501, DLK101\n"),
    ("pool.map(f, [m])  # type: ignore  # noqa:E501 why\n", {"DLK101"},
     "pool.map(f, [m])  # type: ignore  # noqa:E501, DLK101 why\n"),
    ("pool.map(f, [m])  # noqa: DLK101\n", {"DLK101", "DLK201"}, "pool.map(f, [m])  # noqa: DLK101, DLK201\n"),
    ("pool.map(f, ['# not a comment'])\n", {"DLK101"}, "pool.map(f, ['# not a comment'])  # noqa: DLK101\n"),
    ("pool.map(f, [m])\r\n", {"DLK101"}, "pool.map(f, [m])  # noqa: DLK101\r\n"),
    ("pool.map(f, [m])", {"DLK101"}, "pool.map(f, [m])  # noqa: DLK101"),
])
def test_directive_is_added_or_merged(before: str, codes: set[str], after: str) -> None:
    assert with_noqa(before, {1: codes}) == (after, 1, 0)


@pytest.mark.parametrize("source, missed", [
    ("pool.map(f, [m])  # noqa\n", 0),  # a blanket noqa already covers it
    ('pool.map(f, """\nm""")\n', 1),  # the line ends inside a string: counted as not covered
    ("pool.map(f, [m]) \\\n    .get()\n", 1),  # a continuation cannot take a comment
])
def test_lines_left_alone(source: str, missed: int) -> None:
    assert with_noqa(source, {1: {"DLK101"}}) == (source, 0, missed)


def test_rows_count_as_the_tokenizer_counts_them() -> None:
    source = "a = 1\x0c  # a form feed is not a line break\npool.map(f, [m])\n"
    assert with_noqa(source, {2: {"DLK101"}})[0].endswith("pool.map(f, [m])  # noqa: DLK101\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    job = HAZARD.replace("with multiprocessing.Pool(2) as pool:", "with multiprocessing.Pool(2) as pool:  # why")
    return make_project(tmp_path, {"src/job.py": job, "src/clean.py": CLEAN + "x = 1  # noqa: E501\n"})


def test_add_noqa_suppresses_everything_and_touches_nothing_else(project: Path) -> None:
    clean = project / "src" / "clean.py"
    clean_bytes, clean_mtime = clean.read_bytes(), clean.stat().st_mtime_ns
    result = predlint("check", "--add-noqa", "src", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "Added 2 noqa directives." and result.stdout == ""
    lines = (project / "src" / "job.py").read_text().splitlines()
    assert lines[8].endswith("as pool:  # why  # noqa: DLK201")
    assert lines[9].endswith("pool.map(work, [model])  # noqa: DLK101")
    assert (clean.read_bytes(), clean.stat().st_mtime_ns) == (clean_bytes, clean_mtime)
    assert predlint("check", "src", cwd=project).returncode == 0
    assert predlint("check", "--extend-select", "DLK100", "src", cwd=project).returncode == 0, "all of them used"
    again = predlint("check", "--add-noqa", "src", cwd=project)
    assert again.stderr.strip() == "Added 0 noqa directives."


def test_unused_noqa_is_off_by_default() -> None:
    assert check_text("import multiprocessing\nx = 1  # noqa: DLK101\n") == []


@pytest.mark.parametrize("line, message", [
    ("x = 1  # noqa: DLK101", "Unused `noqa` directive (unused: `DLK101`)"),
    ("x = 1  # noqa", "Unused blanket `noqa` directive"),
    ("x = 1  # NOQA:dlk101,E501", "Unused `noqa` directive (unused: `DLK101`)"),
    ("x = 1  # noqa: DLK202, DLK999", "Unused `noqa` directive (non-enabled: `DLK202`; unknown: `DLK999`)"),
])
def test_unused_noqa_is_reported(line: str, message: str) -> None:
    (finding,) = check_text(f"import multiprocessing\n{line}\n", select=["DLK100"])
    assert (finding.code, finding.row, finding.column, finding.message) == ("DLK100", 2, 8, message)
    assert finding.end_column == 8 + len(line[line.index("#"):]), "the span covers the directive"


@pytest.mark.parametrize("line", [
    "x = 1  # noqa: E501",  # another tool's code
    "x = '# noqa: DLK101'",  # not a comment
    "x = 1  # noqa: DLK100, DLK101",  # the line opts out of DLK100
])
def test_what_unused_noqa_leaves_alone(line: str) -> None:
    assert check_text(f"import multiprocessing\n{line}\n", select=["DLK100"]) == []


def test_used_noqa_is_not_reported() -> None:
    source = HAZARD.replace("as pool:", "as pool:  # noqa").replace("[model])", "[model])  # noqa: DLK101, E501")
    assert check_text(source, select=["DLK100"]) == []


def test_unused_noqa_without_trigger_words() -> None:
    """The fast pre-filter skips files that cannot match a rule, but not a stale directive."""
    (finding,) = check_text("x = 1  # noqa: DLK503\n", select=["DLK100"])
    assert finding.code == "DLK100"
