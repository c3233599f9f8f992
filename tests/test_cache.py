"""The results cache: unchanged files are not re-checked, changed ones (or changed settings) are, and a
broken cache is only ever a miss."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ci_support import CLEAN, HAZARD, make_project
from diagnose.lint import runner
from diagnose.lint.cache import DIRECTORY, Cache
from diagnose.lint import discovery_cache
from diagnose.lint.config import Settings, apply_table
from diagnose.lint.discovery_cache import discover_cached
from diagnose.lint.files import discover
from lint_support import predlint

OLD_NS = 1_600_000_000 * 10**9  # files last modified long ago: their stat is trusted


def age(root: Path, when: int = OLD_NS) -> None:
    """Date every file and directory under root changed in the last hour long ago, so their stats are
    trusted (and those not changed since the last aging keep their mtime)."""
    for path in [root, *root.rglob("*")]:
        if path.stat().st_mtime_ns > time.time_ns() - 3600 * 10**9:
            os.utime(path, ns=(when, when))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = make_project(tmp_path, {"src/job.py": HAZARD, "src/clean.py": CLEAN, "src/other.py": HAZARD})
    age(root / "src")
    return root


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files the runner really checks (in-process: one job)."""
    calls: list[str] = []
    real = runner.check_path

    def spy(path, settings, relative=None, record=True):
        calls.append(Path(path).name)
        return real(path, settings, relative, record)

    monkeypatch.setattr(runner, "check_path", spy)
    return calls


def run(tree: Path, settings: Settings | None = None) -> list[tuple[str, int, str]]:
    """Discover and check ``src`` as ``predlint check`` does, with the cache."""
    settings = settings or Settings(root=tree)
    cache = Cache.for_settings(settings)
    files = discover_cached([str(tree / "src")], settings, False, cache)
    results = runner.check_files(files, settings, jobs=1, cache=cache)
    return [(Path(f.path).name, f.row, f.code) for r in results for f in r.findings]


def test_warm_run_checks_nothing_and_reports_the_same(tree: Path, checked: list[str]) -> None:
    cold = run(tree)
    assert sorted(checked) == ["clean.py", "job.py", "other.py"]
    checked.clear()
    assert run(tree) == cold and checked == []
    assert ("job.py", 10, "DLK101") in cold


def test_cache_lives_in_the_root_and_ignores_itself(tree: Path) -> None:
    run(tree)
    directory = tree / DIRECTORY
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(list(directory.glob("*.json"))) == 1


def test_changing_one_file_rechecks_exactly_that_file(tree: Path, checked: list[str]) -> None:
    run(tree)
    checked.clear()
    (tree / "src" / "other.py").write_text(CLEAN)
    findings = run(tree)
    assert checked == ["other.py"]
    assert {name for name, _, _ in findings} == {"job.py"}


def test_touched_but_unchanged_file_is_not_rechecked(tree: Path, checked: list[str]) -> None:
    run(tree)
    checked.clear()
    os.utime(tree / "src" / "job.py")
    assert run(tree) and checked == []


def test_changing_a_setting_invalidates(tree: Path, checked: list[str]) -> None:
    run(tree)
    checked.clear()
    ignoring = apply_table(Settings(root=tree), {"ignore": ["DLK101"]}, "test")
    assert {code for _, _, code in run(tree, ignoring)} == {"DLK201"}
    assert sorted(checked) == ["clean.py", "job.py", "other.py"]
    checked.clear()
    assert {code for _, _, code in run(tree)} == {"DLK101", "DLK201"} and checked == []


def _rewrite(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("damage", [
    lambda path: path.write_text("{not json"),
    lambda path: path.write_bytes(b"\x00\xff" * 10),
    lambda path: path.write_text("[1, 2, 3]"),
    lambda path: _rewrite(path, lambda data: data.update(files=7)),
    lambda path: _rewrite(path, lambda data: data["files"].update({k: ["x", None] for k in data["files"]})),
    lambda path: _rewrite(path, lambda data: [v[3].append({"row": "x"}) for v in data["files"].values()]),
    lambda path: _rewrite(path, lambda data: data.update(discovery={k: [[["stat"]], []] for k in data["discovery"]})),
    lambda path: _rewrite(path, lambda data: data["discovery"].update({k: "x" for k in data["discovery"]})),
])
def test_corrupt_cache_is_a_miss(tree: Path, checked: list[str], damage) -> None:
    cold = run(tree)
    (cache_file,) = (tree / DIRECTORY).glob("*.json")
    damage(cache_file)
    checked.clear()
    assert run(tree) == cold


def test_deleted_files_leave_the_cache(tree: Path) -> None:
    run(tree)
    (tree / "src" / "other.py").unlink()
    run(tree)
    (cache_file,) = (tree / DIRECTORY).glob("*.json")
    assert sorted(Path(k).name for k in json.loads(cache_file.read_text())["files"]) == ["clean.py", "job.py"]


def test_unwritable_cache_directory_is_ignored(tree: Path) -> None:
    (tree / "blocker").write_text("a file where the cache directory should go")
    settings = Settings(root=tree)
    cache = Cache.for_settings(settings, tree / "blocker" / "cache")
    results = runner.check_files(discover([str(tree / "src")], settings), settings, jobs=1, cache=cache)
    assert sum(len(r.findings) for r in results) == 4


def test_command_line_cache_options(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert predlint("check", "--no-cache", "src", cwd=tree).returncode == 1
    monkeypatch.setenv("PREDLINT_NO_CACHE", "1")
    assert predlint("check", "src", cwd=tree).returncode == 1
    monkeypatch.delenv("PREDLINT_NO_CACHE")
    assert not (tree / DIRECTORY).exists()
    assert predlint("check", "--cache-dir", "elsewhere", "src", cwd=tree).returncode == 1
    assert not (tree / DIRECTORY).exists() and list((tree / "elsewhere").glob("*.json"))
    first = predlint("check", "--output-format", "json", "src", cwd=tree)
    second = predlint("check", "--output-format", "json", "src", cwd=tree)
    assert (tree / DIRECTORY).is_dir() and first.stdout == second.stdout and first.returncode == 1


def test_recent_edits_are_hashed_not_trusted(tmp_path: Path, checked: list[str]) -> None:
    """A file written moments ago may change again within the same mtime tick: its content decides."""
    tree = make_project(tmp_path, {"src/job.py": HAZARD})
    assert run(tree)
    job = tree / "src" / "job.py"
    stat = job.stat()
    job.write_text(HAZARD.replace("[model]", "[2 * 3]"))  # same size
    os.utime(job, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    checked.clear()
    assert "DLK101" not in {code for _, _, code in run(tree)} and checked == ["job.py"]


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per real (uncached) discovery."""
    calls: list[int] = []

    def spy(paths, settings, force_exclude=False):
        calls.append(1)
        return discover(paths, settings, force_exclude=force_exclude)

    monkeypatch.setattr(discovery_cache, "discover", spy)
    return calls


def names(tree: Path) -> set[str]:
    return {name for name, _, _ in run(tree)}


def test_unchanged_layout_is_not_walked_again(tree: Path, walks: list[int]) -> None:
    assert names(tree) == {"job.py", "other.py"} and len(walks) == 1
    assert names(tree) == {"job.py", "other.py"} and len(walks) == 1


@pytest.mark.parametrize("change", [
    lambda src: (src / "new.py").write_text(HAZARD),
    lambda src: (src / "deep" / "er").mkdir(parents=True) or (src / "deep" / "er" / "new.py").write_text(HAZARD),
    lambda src: (src / "other.py").rename(src / "renamed.py"),
    lambda src: (src / "other.py").unlink(),
    lambda src: (src / ".gitignore").write_text("other.py\n"),
    lambda src: (src.parent / ".gitignore").write_text("other.py\n"),
])
def test_layout_changes_are_seen(tree: Path, walks: list[int], change) -> None:
    (tree / "src" / "deep").mkdir()
    age(tree)
    run(tree)
    change(tree / "src")
    age(tree, OLD_NS + 10**9)  # changed long ago, yet after the cache was written: the mtimes decide
    assert names(tree) == {name for name, _, _ in _uncached(tree)}
    assert len(walks) == 2


def test_old_gitignore_edit_is_seen(tree: Path, walks: list[int]) -> None:
    ignore = tree / "src" / ".gitignore"
    ignore.write_text("nothing.py\n")
    age(tree)
    assert names(tree) == {"job.py", "other.py"}
    ignore.write_text("other.py\n")
    os.utime(ignore, ns=(OLD_NS + 10**9, OLD_NS + 10**9))  # the directory's entries did not change
    assert names(tree) == {"job.py"} and len(walks) == 2


def test_recently_changed_tree_is_not_remembered(tmp_path: Path, walks: list[int]) -> None:
    tree = make_project(tmp_path, {"src/job.py": HAZARD})
    run(tree)
    run(tree)
    assert len(walks) == 2, "a directory changed moments ago may change again unseen within its mtime tick"


def _uncached(tree: Path) -> list[tuple[str, int, str]]:
    settings = Settings(root=tree)
    results = runner.check_files(discover([str(tree / "src")], settings), settings, jobs=1)
    return [(Path(f.path).name, f.row, f.code) for r in results for f in r.findings]
