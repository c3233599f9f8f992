"""Issue 10: the rough edges a newcomer meets on the ``predlint check`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lint_support import HAZARD, predlint


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


def run(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None):
    """The real command with standard input and extra environment variables (colour ones cleared)."""
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "diagnose", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, timeout=120, env={**environment, **(env or {})})


# Bug 2: repeated flags add up.
@pytest.mark.parametrize("flags, exit_code", [
    (["--ignore", "DLK101", "--ignore", "DLK201"], 0),
    (["--per-file-ignores", "src/job.py:DLK101", "--per-file-ignores", "src/*.py:DLK201"], 0),
    (["--select", "DLK101", "--select", "DLK201", "--output-format", "concise"], 1),
])
def test_repeated_flags_add_up(project: Path, flags: list[str], exit_code: int) -> None:
    result = run("check", *flags, "src", cwd=project)
    assert result.returncode == exit_code, result.stdout + result.stderr
    if exit_code:
        assert "DLK101" in result.stdout and "DLK201" in result.stdout


def test_repeated_extend_select_adds_up(project: Path) -> None:
    (project / "src" / "job.py").write_text(HAZARD + "x = 1  # noqa: DLK503\n")
    result = run("check", "--select", "DLK101", "--extend-select", "DLK100", "--extend-select", "DLK201",
                 "--output-format", "concise", "src", cwd=project)
    assert {line.split()[1] for line in result.stdout.splitlines()[:-1]} == {"DLK100", "DLK101", "DLK201"}


# Bug 5: a finding on a line that cannot hold a comment.
MULTILINE = {
    "string": HAZARD.replace("pool.map(work, [model])", 'pool.starmap(work, [(model, """a\nb""")])'),
    "continuation": HAZARD.replace("pool.map(work, [model])", "pool.map(work, \\\n                 [model])"),
}


@pytest.mark.parametrize("shape", sorted(MULTILINE))
def test_noqa_at_the_end_of_a_multi_line_statement(project: Path, shape: str) -> None:
    job = project / "src" / "job.py"
    job.write_text(MULTILINE[shape])
    (finding,) = [f for f in json.loads(run("check", "--output-format", "json", "src", cwd=project).stdout)
                  if f["code"] == "DLK101"]
    assert finding["location"]["row"] == 10 and finding["noqa_row"] == 11
    lines = MULTILINE[shape].splitlines()
    lines[8] += "  # noqa: DLK201"
    lines[10] += "  # noqa: DLK101"
    job.write_text("\n".join(lines) + "\n")
    assert run("check", "--no-cache", "src", cwd=project).returncode == 0


@pytest.mark.parametrize("shape", sorted(MULTILINE))
def test_add_noqa_puts_the_directive_where_it_counts(project: Path, shape: str) -> None:
    job = project / "src" / "job.py"
    job.write_text(MULTILINE[shape])
    added = run("check", "--add-noqa", "src", cwd=project)
    assert added.returncode == 0 and added.stderr.strip() == "Added 2 noqa directives.", added.stderr
    assert job.read_text().splitlines()[10].endswith("  # noqa: DLK101")
    assert run("check", "src", cwd=project).returncode == 0


# Bug 8: tables.
def test_rules_without_a_terminal_are_plain_lines(project: Path) -> None:
    from diagnose.lint.rules import all_rules

    result = run("rules", cwd=project)
    lines = result.stdout.splitlines()
    assert len(lines) == len(all_rules()) + 1, "a header and one line per rule"
    for line, rule in zip(lines[1:], all_rules()):
        assert line.split()[:4] == [rule.code, rule.name, "on" if rule.default_enabled else "off",
                                    rule.severity.value]
        assert line.endswith(rule.summary()), "nothing cut"


def test_rules_as_json(project: Path) -> None:
    from diagnose.lint.rules import all_rules

    rows = json.loads(run("rules", "--output-format", "json", cwd=project).stdout)
    assert [row["code"] for row in rows] == [rule.code for rule in all_rules()]
    assert set(rows[0]) == {"code", "name", "default", "severity", "fix", "summary"}


# Bug 9: severity shown, errors and warnings counted apart.
def test_warnings_are_not_counted_as_errors(project: Path) -> None:
    (project / "src" / "job.py").write_text(HAZARD + "x = 1  # noqa: DLK503\n")
    full = run("check", "--extend-select", "DLK100", "src", cwd=project)
    assert "Found 2 errors and 1 warning in 1 file." in full.stdout
    assert "src/job.py:10:9: DLK101 [error] " in full.stdout
    assert "src/job.py:11:8: DLK100 [warning] " in full.stdout
    concise = run("check", "--extend-select", "DLK100", "--output-format", "concise", "src", cwd=project)
    assert concise.stdout.splitlines()[-1] == "Found 2 errors and 1 warning in 1 file."
    assert "src/job.py:11:8: DLK100 [warning] " in concise.stdout
    grouped = run("check", "--extend-select", "DLK100", "--output-format", "grouped", "src", cwd=project)
    assert "11:8  DLK100 [warning] " in grouped.stdout


# Bug 10: --statistics in the chosen format.
def test_statistics_honour_json(project: Path) -> None:
    (project / "src" / "job.py").write_text(HAZARD + "x = 1  # noqa: DLK503\n")
    result = run("check", "--statistics", "--extend-select", "DLK100", "--output-format", "json", "src", cwd=project)
    rows = json.loads(result.stdout)
    assert {row["code"]: (row["count"], row["errors"], row["warnings"]) for row in rows} == {
        "DLK100": (1, 0, 1), "DLK101": (1, 1, 0), "DLK201": (1, 1, 0)}
    lines = run("check", "--statistics", "--output-format", "json-lines", "src", cwd=project).stdout.splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["DLK101", "DLK201"]
    assert "not sarif" in one_line_exit_2(run("check", "--statistics", "--output-format", "sarif", "src", cwd=project))


# Messages.
@pytest.mark.parametrize("layout", ["empty directory", "a YAML file named"])
def test_no_python_files_is_a_warning(project: Path, layout: str) -> None:
    (project / "empty").mkdir()
    (project / "ci.yaml").write_text("steps: []\n")
    result = run("check", "empty" if layout == "empty directory" else "ci.yaml", cwd=project)
    assert result.returncode == 0
    assert result.stderr == "predlint: warning: No Python files found under the given path(s)\n"


def test_script_without_suffix_but_with_a_python_shebang_is_checked(project: Path) -> None:
    (project / "tool").write_text("#!/usr/bin/env python3\n" + HAZARD)
    assert run("check", "tool", cwd=project).returncode == 1


def test_mistyped_command_is_suggested(project: Path) -> None:
    stderr = one_line_exit_2(run("chekc", "src", cwd=project))
    assert "unknown command 'chekc' (did you mean 'check'?)" in stderr
    (project / "chekc").mkdir()  # a directory of that name is a path
    assert run("chekc", cwd=project).returncode == 0


def test_quiet_drops_only_the_summary(project: Path) -> None:
    result = run("check", "-q", "src", cwd=project)
    assert result.returncode == 1
    assert "^^^^^^^^^^^^^^^^^^^^^^^ DLK101" in result.stdout, "code frames stay"
    assert "Found" not in result.stdout
    assert "All checks passed!" not in run("check", "-q", "src/clean.py", cwd=project).stdout
