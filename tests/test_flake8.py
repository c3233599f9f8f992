"""The flake8 plugin: real ``flake8 --select DLK`` reports what ``predlint check`` reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from ci_support import HAZARD, make_project
from lint_support import FIXTURES, ROOT, predlint

FLAKE8_LINE = re.compile(r"(?P<path>.+?):(?P<row>\d+):(?P<column>\d+): (?P<code>DLK\d{3}) (?P<message>.*)")


def flake8(*args: str, cwd: Path) -> set[tuple[str, int, int, str, str]]:
    done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "DLK", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    found = {m.groups() for m in map(FLAKE8_LINE.fullmatch, done.stdout.splitlines()) if m}
    assert len(found) == len(done.stdout.splitlines()), done.stdout
    return {(Path(p).name, int(r), int(c), code, message) for p, r, c, code, message in found}


def predlint_findings(*args: str, cwd: Path) -> set[tuple[str, int, int, str, str]]:
    done = predlint("check", "--no-cache", "--output-format", "json", *args, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return {(Path(f["filename"]).name, f["location"]["row"], f["location"]["column"], f["code"], f["message"])
            for f in json.loads(done.stdout)}


def test_plugin_is_registered() -> None:
    done = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert "predlint" in done.stdout


def test_same_findings_as_predlint_on_the_fixtures() -> None:
    # DLK000 is left out: flake8 reports a file it cannot parse itself (E999) and runs no plugin on it.
    files = [str(p.relative_to(ROOT)) for p in sorted(FIXTURES.glob("DLK*.py")) if p.name != "DLK000.py"]
    expected = predlint_findings(*files, cwd=ROOT)
    assert len({code for _, _, _, code, _ in expected}) >= 10
    assert flake8(*files, cwd=ROOT) == expected


def test_predlint_settings_and_noqa_apply(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "pyproject.toml": '[tool.predlint]\nper-file-ignores = {"ignored.py" = ["DLK201"]}\n',
        "job.py": HAZARD,
        "ignored.py": HAZARD,
        "quiet.py": HAZARD.replace("[model])", "[model])  # noqa: DLK101"),
    })
    latin = "# -*- coding: latin-1 -*-\n" + HAZARD.replace("pool.map(", "_ = '\u00e9t\u00e9'; pool.map(")
    (project / "latin.py").write_bytes(latin.encode("latin-1"))
    expected = predlint_findings(".", cwd=project)
    assert {(name, code) for name, _, _, code, _ in expected} == {
        ("job.py", "DLK201"), ("job.py", "DLK101"), ("ignored.py", "DLK101"), ("quiet.py", "DLK201"),
        ("latin.py", "DLK201"), ("latin.py", "DLK101")}
    assert flake8(".", cwd=project) == expected
