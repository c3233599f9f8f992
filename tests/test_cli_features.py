"""Issue 10's missing features: standard input, Jupyter notebooks, colour, --show-settings, --show-files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from lint_support import CLEAN, HAZARD

ANSI = "\x1b["


def run(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None):
    """The real command with standard input and extra environment variables (colour ones cleared)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "diagnose", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, timeout=120, env={**environment, **(env or {})})


# Standard input.
def test_stdin_is_reported_under_the_given_name(project: Path) -> None:
    result = run("check", "--stdin-filename", "src/run.py", "-", cwd=project, stdin=HAZARD)
    assert result.returncode == 1, result.stderr
    assert "src/run.py:10:9: DLK101 [error]" in result.stdout
    assert "10 |         pool.map(work, [model])" in result.stdout, "the frame shows standard input's lines"
    assert not (project / "src" / "run.py").exists()
    (finding, *_) = json.loads(run("check", "--output-format", "json", "--stdin-filename", "src/run.py", "-",
                                   cwd=project, stdin=HAZARD).stdout)
    assert finding["filename"] == str(project / "src" / "run.py")
    assert run("check", "-", cwd=project, stdin=CLEAN).returncode == 0


def test_stdin_name_meets_per_file_ignores_and_force_exclude(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.predlint]\nper-file-ignores = {"tests/*" = ["DLK1", "DLK2"]}\n'
                                            'extend-exclude = ["vendor"]\n')
    assert run("check", "--stdin-filename", "tests/t.py", "-", cwd=project, stdin=HAZARD).returncode == 0
    assert run("check", "--stdin-filename", "vendor/v.py", "-", cwd=project, stdin=HAZARD).returncode == 1
    excluded = run("check", "--force-exclude", "--stdin-filename", "vendor/v.py", "-", cwd=project, stdin=HAZARD)
    assert excluded.returncode == 0 and "DLK" not in excluded.stdout


def test_stdin_cannot_be_mixed_or_edited(project: Path) -> None:
    for args in (["-", "src"], ["--add-noqa", "-"]):
        result = run("check", *args, cwd=project, stdin=HAZARD)
        assert result.returncode == 2 and "standard input" in result.stderr


# Notebooks.
def notebook(*cells: tuple[str, str], language: str = "python") -> str:
    return json.dumps({
        "cells": [{"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True),
                   **({"outputs": [], "execution_count": None} if kind == "code" else {})} for kind, text in cells],
        "metadata": {"kernelspec": {"language": language, "name": "k", "display_name": "k"}},
        "nbformat": 4, "nbformat_minor": 5})


NOTEBOOK_CELLS = (
    ("markdown", "# Predict in parallel\n"),
    ("code", "import multiprocessing\nfrom tensorflow import keras\n%matplotlib inline\n!pip install -q foo\n"),
    ("code", "%%bash\necho not python (\n"),
    ("code", "def work(x):\n    files = !ls\n    return x\n"),
    ("markdown", "Now the pool:\n"),
    ("code", 'if __name__ == "__main__":\n    model = keras.models.load_model("m.keras")\n'
             "    with multiprocessing.Pool(2) as pool:\n        pool.map(work, [model])\n"),
)


def test_notebook_cells_are_one_module_reported_by_cell(project: Path) -> None:
    (project / "nb").mkdir()
    (project / "nb" / "predict.ipynb").write_text(notebook(*NOTEBOOK_CELLS))
    concise = run("check", "--output-format", "concise", "nb", cwd=project)
    assert concise.returncode == 1, concise.stdout + concise.stderr
    lines = concise.stdout.splitlines()
    assert lines[0].startswith("nb/predict.ipynb:cell 6:3:10: DLK201 [error] ")
    assert lines[1].startswith("nb/predict.ipynb:cell 6:4:9: DLK101 [error] ")
    assert "DLK000" not in concise.stdout, "magics, shell lines and a %%bash cell are skipped"
    full = run("check", "nb/predict.ipynb", cwd=project).stdout
    assert "nb/predict.ipynb:cell 6:4:9: DLK101" in full
    assert "4 |         pool.map(work, [model])\n  |         ^^^^^^^^^^^^^^^^^^^^^^^ DLK101" in full
    (fork, model) = json.loads(run("check", "--output-format", "json", "nb", cwd=project).stdout)
    assert (model["cell"], model["location"], model["end_location"]) == (6, {"row": 4, "column": 9},
                                                                          {"row": 4, "column": 32})


def test_notebook_noqa_and_broken_notebooks(project: Path) -> None:
    cells = list(NOTEBOOK_CELLS)
    cells[-1] = ("code", cells[-1][1].replace("as pool:", "as pool:  # noqa: DLK201").replace(
        "[model])", "[model])  # noqa: DLK101"))
    (project / "ok.ipynb").write_text(notebook(*cells))
    assert run("check", "ok.ipynb", cwd=project).returncode == 0
    (project / "r.ipynb").write_text(notebook(("code", "library(keras)\n"), language="R"))
    assert run("check", "r.ipynb", cwd=project).returncode == 0, "a notebook of another language is not Python"
    (project / "bad.ipynb").write_text("{not json")
    bad = run("check", "--output-format", "concise", "bad.ipynb", cwd=project)
    assert bad.returncode == 1 and "bad.ipynb:1:1: DLK000 [error] cannot read notebook: not a JSON notebook" \
        in bad.stdout


def test_notebook_on_stdin(project: Path) -> None:
    result = run("check", "--output-format", "concise", "--stdin-filename", "x.ipynb", "-", cwd=project,
                 stdin=notebook(*NOTEBOOK_CELLS))
    assert "x.ipynb:cell 6:4:9: DLK101" in result.stdout


# Colour.
def test_colour_follows_force_color_and_no_color(project: Path) -> None:
    for output_format in ("full", "concise", "grouped"):
        assert ANSI not in run("check", "--output-format", output_format, "src", cwd=project).stdout, "a pipe"
        forced = run("check", "--output-format", output_format, "src", cwd=project, env={"FORCE_COLOR": "1"})
        assert f"{ANSI}1;31mDLK101{ANSI}0m" in forced.stdout
        both = run("check", "--output-format", output_format, "src", cwd=project,
                   env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
        assert ANSI not in both.stdout
    json_report = run("check", "--output-format", "json", "src", cwd=project, env={"FORCE_COLOR": "1"})
    assert ANSI not in json_report.stdout, "machine formats are never coloured"


def _on_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run predlint with standard output on a pseudo-terminal; what it printed."""
    import pty

    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    process = subprocess.Popen([sys.executable, "-m", "diagnose", *args], cwd=cwd, stdout=follower,
                               stderr=subprocess.DEVNULL, env={**environment, "TERM": "xterm", **env})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_unless_no_color(project: Path) -> None:
    assert ANSI in _on_terminal(["check", "--output-format", "concise", "src"], project, {})
    assert ANSI not in _on_terminal(["check", "--output-format", "concise", "src"], project, {"NO_COLOR": "1"})


# --show-settings and --show-files.
def test_show_settings_prints_every_field_and_its_origin(project: Path) -> None:
    from diagnose.lint.config import Settings

    (project / "pyproject.toml").write_text('[tool.predlint]\nplatform = "darwin"\n')
    result = run("check", "--show-settings", "--ignore", "DLK5", "src", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    names = [line.split(" = ", 1)[0] for line in lines]
    assert names == ["config-file", *(f.name.replace("_", "-") for f in fields(Settings)), "enabled-rules"]
    assert f'platform = "darwin"  # {project / "pyproject.toml"}' in lines
    assert 'ignore = ["DLK5"]  # command line' in lines
    assert 'target-version = "py39"' in lines, "a default says nothing more"
    assert "DLK501" not in lines[-1] and "DLK101" in lines[-1]


def test_show_files(project: Path) -> None:
    (project / "nb.ipynb").write_text(notebook(("code", "x = 1\n")))
    (project / "notes.txt").write_text("x\n")
    result = run("check", "--show-files", ".", cwd=project)
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["nb.ipynb", "src/clean.py", "src/job.py"]


def test_add_noqa_edits_notebook_cells(project: Path) -> None:
    path = project / "predict.ipynb"
    original = json.dumps(json.loads(notebook(*NOTEBOOK_CELLS)), indent=1, ensure_ascii=False) + "\n"
    path.write_text(original)
    added = run("check", "--add-noqa", "predict.ipynb", cwd=project)
    assert added.returncode == 0 and added.stderr.strip() == "Added 2 noqa directives.", added.stderr
    assert run("check", "predict.ipynb", cwd=project).returncode == 0
    before, after = json.loads(original), json.loads(path.read_text())
    assert after["cells"][5]["source"][2].endswith("as pool:  # noqa: DLK201\n")
    assert after["cells"][5]["source"][3] == "        pool.map(work, [model])  # noqa: DLK101\n"
    after["cells"][5]["source"] = before["cells"][5]["source"]
    assert after == before, "nothing else changed"
    assert path.read_text().startswith('{\n "cells": [\n  {'), "the notebook's indentation is kept"
