"""The pre-commit hook: its definition, ``--force-exclude``, and a real ``pre-commit try-repo`` run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ci_support import CLEAN, HAZARD
from lint_support import ROOT, predlint

PACKAGE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=predlint", "-c", "user.email=predlint@example.invalid",
                    "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True)


def test_hook_definition() -> None:
    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "predlint"
    assert hook["entry"] == "predlint check --force-exclude"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["python", "pyi", "jupyter"]  # notebooks are checked too
    assert hook["require_serial"] is True


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A repository whose config excludes ``vendor/``, with a hazard inside and outside it."""
    repo = tmp_path / "target"
    for name, text in {"pyproject.toml": '[tool.predlint]\nextend-exclude = ["vendor"]\n',
                       "src/job.py": HAZARD, "src/clean.py": CLEAN, "vendor/bad.py": HAZARD}.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    return repo


def test_force_exclude_applies_to_named_files(target: Path) -> None:
    assert predlint("check", "vendor/bad.py", cwd=target).returncode == 1, "named files are checked by default"
    forced = predlint("check", "--force-exclude", "vendor/bad.py", "src/clean.py", cwd=target)
    assert forced.returncode == 0 and "vendor" not in forced.stdout
    assert predlint("check", "--force-exclude", "vendor/bad.py", "src/job.py", cwd=target).returncode == 1


def _hook_repository(tmp_path: Path) -> Path:
    """This working tree's package as a committed repository, as pre-commit installs hooks from."""
    repo = tmp_path / "hook"
    repo.mkdir()
    for name in PACKAGE_FILES:
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(ROOT / "diagnose", repo / "diagnose", ignore=shutil.ignore_patterns("__pycache__"))
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "hook", cwd=repo)
    return repo


def test_pre_commit_runs_the_hook(tmp_path: Path, target: Path) -> None:
    hook_repo = _hook_repository(tmp_path)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}

    def try_repo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "predlint", *args],
                              cwd=target, env=env, capture_output=True, text=True, timeout=600)

    dirty = try_repo("--all-files")
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert "src/job.py:10:9: DLK101" in dirty.stdout
    assert "vendor/bad.py" not in dirty.stdout, "excluded files stay excluded when pre-commit names them"
    clean = try_repo("--files", "src/clean.py", "vendor/bad.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


def test_readme_rev_is_a_tag_that_exists_or_a_commit() -> None:
    """The pre-commit example must work as written: its ``rev:`` is a tag of this repository, or the README
    says to put a commit there because no release is tagged."""
    import re

    readme = (ROOT / "README.md").read_text()
    (rev,) = re.findall(r"^\s+rev: (\S+)", readme.split("### pre-commit", 1)[1].split("###", 1)[0], re.M)
    tags = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert rev in tags or (rev == "COMMIT" and "takes a commit hash" in readme), f"rev: {rev} is no tag ({tags})"
