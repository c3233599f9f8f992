"""The ``predlint check`` command as a user runs it: exit codes, bad input, formats, config, noqa."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lint_support import FIXTURES, HAZARD, predlint


def test_findings_exit_1_and_clean_exit_0(project: Path) -> None:
    dirty = predlint("check", "src", cwd=project)
    assert dirty.returncode == 1, dirty.stderr
    assert "src/job.py:9:10: DLK201" in dirty.stdout
    assert "src/job.py:10:9: DLK101" in dirty.stdout
    assert "Found" in dirty.stdout
    clean = predlint("check", "src/clean.py", cwd=project)
    assert clean.returncode == 0
    assert "All checks passed!" in clean.stdout


def test_shorthand_without_check(project: Path) -> None:
    assert predlint("src", cwd=project).returncode == 1


def test_exit_zero(project: Path) -> None:
    assert predlint("check", "--exit-zero", "src", cwd=project).returncode == 0


@pytest.mark.parametrize("args, needle", [
    (["check", "missing_dir"], "missing_dir: No such file or directory"),
    (["check", "--select", "DLK999", "src"], "unknown rule selector 'DLK999'"),
    (["check", "--output-format", "xml", "src"], "invalid choice"),
    (["check", "--config", "nope.toml", "src"], "config file not found"),
    (["rule", "DLK999"], "unknown rule 'DLK999'"),
])
def test_bad_input_is_one_line_and_exit_2(project: Path, args: list[str], needle: str) -> None:
    result = predlint(*args, cwd=project)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # argparse adds a usage line


def test_unknown_config_key(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.predlint]\nslect = ['DLK1']\n")
    result = predlint("check", "src", cwd=project)
    assert result.returncode == 2
    assert "unknown key 'slect'" in result.stderr and "Traceback" not in result.stderr


def test_json_fields(project: Path) -> None:
    result = predlint("check", "--output-format", "json", "src", cwd=project)
    fork, finding = json.loads(result.stdout)
    assert fork["code"] == "DLK201" and fork["location"] == {"row": 9, "column": 10}
    assert finding["code"] == "DLK101"
    assert finding["name"] == "model-crosses-process"
    assert finding["severity"] == "error"  # forked after the model was loaded: the child hangs
    assert finding["filename"] == str(project / "src" / "job.py")
    assert finding["location"] == {"row": 10, "column": 9}
    assert finding["end_location"] == {"row": 10, "column": 32}
    assert finding["fix"] is None and finding["noqa_row"] == 10
    assert set(finding) >= {"url", "message"}


def test_output_file_and_statistics(project: Path) -> None:
    out = project / "out" / "report.json"
    assert predlint("check", "--output-format", "json", "--output-file", str(out), "src", cwd=project).returncode == 1
    assert [f["code"] for f in json.loads(out.read_text())] == ["DLK201", "DLK101"]
    stats = predlint("check", "--statistics", "src", cwd=project)
    assert stats.stdout.split() == ["1", "DLK101", "model-crosses-process", "1", "DLK201", "fork-after-tf-runtime"]


def test_config_select_ignore_and_per_file_ignores(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.predlint]\nignore = ["DLK1", "DLK2"]\n')
    assert predlint("check", "src", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text('[tool.predlint]\nselect = ["DLK2"]\n')
    assert "DLK101" not in predlint("check", "src", cwd=project).stdout
    (project / "pyproject.toml").write_text('[tool.predlint]\nper-file-ignores = {"src/job.py" = ["DLK101", "DLK201"]}\n')
    assert predlint("check", "src", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text('[tool.predlint]\nextend-exclude = ["src/job.py"]\n')
    assert predlint("check", "src", cwd=project).returncode == 0
    assert predlint("check", "src/job.py", cwd=project).returncode == 1, "named files are always checked"


def test_gitignore_is_honoured(project: Path) -> None:
    (project / ".gitignore").write_text("job.py\n")
    assert predlint("check", ".", cwd=project).returncode == 0


def test_platform_changes_start_method(project: Path) -> None:
    code = "import multiprocessing\nimport tensorflow as tf\n\ndef f():\n    return lambda: 1\n\n" \
           "def main():\n    def inner():\n        pass\n    p = multiprocessing.Process(target=inner)\n" \
           "    p.start()\n    p.join()\n"
    (project / "src" / "plat.py").write_text(code)
    assert predlint("check", "src/plat.py", cwd=project).returncode == 0  # fork: nothing pickled
    darwin = predlint("check", "--platform", "darwin", "--output-format", "concise", "src/plat.py", cwd=project)
    assert "DLK103" in darwin.stdout
    py314 = predlint("check", "--target-version", "py314", "--output-format", "concise", "src/plat.py", cwd=project)
    assert "DLK103" in py314.stdout and "forkserver" in py314.stdout


def test_noqa_forms(project: Path) -> None:
    job = project / "src" / "job.py"
    suppressed = HAZARD.replace("Pool(2) as pool:", "Pool(2) as pool:  # noqa: DLK201")
    job.write_text(suppressed.replace("pool.map(work, [model])", "pool.map(work, [model])  # noqa: DLK101"))
    assert predlint("check", "src", cwd=project).returncode == 0
    job.write_text(suppressed.replace("pool.map(work, [model])", "pool.map(work, [model])  # NOQA:dlk201"))
    assert predlint("check", "src", cwd=project).returncode == 1, "a noqa for another code suppresses nothing"
    job.write_text(suppressed.replace("pool.map(work, [model])", "pool.map(work, [model])  # noqa"))
    assert predlint("check", "src", cwd=project).returncode == 0
    job.write_text("# predlint: noqa\n" + HAZARD)
    assert predlint("check", "src", cwd=project).returncode == 0


def test_syntax_error_is_a_finding(project: Path) -> None:
    (project / "src" / "broken.py").write_text("import multiprocessing\ndef f(:\n")
    result = predlint("check", "--output-format", "concise", "src/broken.py", cwd=project)
    assert result.returncode == 1
    assert "src/broken.py:2:7: DLK000" in result.stdout
    (project / "src" / "binary.py").write_bytes(b"import multiprocessing\n\xff\xfe\x00garbage")
    result = predlint("check", "--output-format", "concise", "src/binary.py", cwd=project)
    assert result.returncode == 1 and "DLK000" in result.stdout and "Traceback" not in result.stderr


def test_rules_and_rule_pages() -> None:
    listing = predlint("rules")
    assert listing.returncode == 0
    for code in ("DLK000", "DLK101", "DLK202", "DLK503"):
        assert code in listing.stdout
    page = predlint("rule", "dlk101")
    assert page.returncode == 0
    assert "## Why is this bad?" in page.stdout and "## Use instead" in page.stdout


def test_full_output_frames_the_span() -> None:
    result = predlint("check", str(FIXTURES / "DLK402.py"))
    assert result.returncode == 1
    assert "11 |         tasks.task_done()  # expect: DLK402\n   |         ^^^^^^^^^^^^^^^^^ DLK402" in result.stdout


def test_version() -> None:
    result = predlint("--version")
    assert result.returncode == 0 and result.stdout.startswith("predlint ")


def test_readme_lists_every_rule() -> None:
    from diagnose.lint.rules import all_rules

    readme = (FIXTURES.parents[1] / "README.md").read_text()
    for rule in all_rules():
        assert f"| {rule.code} | {rule.name} | {'on' if rule.default_enabled else 'off'} |" in readme


def test_bench_lint_prints_ratios() -> None:
    # A narrow terminal (CI's pipe is 80 columns; ruff's absence widens the ratio headers) keeps each tool's name.
    result = predlint("bench", "lint", str(FIXTURES), timeout=300, env={"COLUMNS": "60"})
    assert result.returncode == 0, result.stderr
    for row in ("predlint (default rules)", "predlint (all rules)", "predlint, no bytecode",
                "ast.parse (1 core)"):
        assert row in result.stdout, result.stdout
    assert "predlint --version:" in result.stdout
    missing = predlint("bench", "lint", "no/such/dir")
    assert missing.returncode == 2 and "No such file or directory" in missing.stderr


def test_excluded_directory_named_explicitly_is_checked(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.predlint]\nextend-exclude = ["src"]\n')
    assert predlint("check", ".", cwd=project).returncode == 0, "walking from the top skips src/"
    assert predlint("check", "src", cwd=project).returncode == 1, "a directory named on the command line is checked"
    assert predlint("check", "--force-exclude", "src/job.py", cwd=project).returncode == 0


def test_editor_and_notebook_autosave_copies_are_not_checked(project: Path) -> None:
    """Jupyter's ``.ipynb_checkpoints`` holds an autosaved copy of each notebook: checking it reports
    every notebook finding twice (seen on real repositories), so it is excluded by default, as in ruff."""
    copy = project / "src" / ".ipynb_checkpoints"
    copy.mkdir()
    (copy / "job-checkpoint.py").write_text((project / "src" / "job.py").read_text())
    result = predlint("check", "--output-format", "concise", ".", cwd=project)
    assert result.returncode == 1 and "src/job.py" in result.stdout
    assert ".ipynb_checkpoints" not in result.stdout


def test_requires_python_sets_the_target_without_a_predlint_section(tmp_path: Path) -> None:
    """As ruff: the nearest pyproject.toml's requires-python is the target version even with no [tool.predlint],
    so code written for a newer Python than predlint's own is reported as such, not as a plain syntax error."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.13"\n')
    (tmp_path / "jobs.py").write_text("import multiprocessing\n\ntype Rows = list[int]\n")  # 3.12 syntax
    shown = predlint("check", "--show-settings", ".", cwd=tmp_path)
    assert 'target-version = "py313"  # requires-python of the nearest pyproject.toml' in shown.stdout
    checked = predlint("check", "--no-cache", "--output-format", "concise", ".", cwd=tmp_path)
    assert "DLK000" in checked.stdout and "run it on Python 3.13 for py313 syntax" in checked.stdout
