"""DLK502 on pools made by a factory: reported at the calls that receive them, naming the factory's
``Pool(...)`` line as the related place, and re-judged when the factory's module changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lint_support import FIXTURES, ROOT, predlint

PROJECT = ROOT / "fixtures" / "projects" / "xmod_pool_factory_never_closed"
SAME_MODULE = FIXTURES / "regressions" / "fn_pool_from_factory_never_closed.py"


def dlk502(cwd: Path, *args: str) -> list[dict]:
    result = predlint("check", "--exit-zero", "--output-format", "json", "--select", "DLK502", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def related(finding: dict) -> list[tuple[str, int]]:
    return [(Path(r["filename"]).name, r["location"]["row"]) for r in finding["related"]]


def test_a_factory_in_another_module_is_named_at_each_caller() -> None:
    found = dlk502(PROJECT, "--no-cache", ".")
    assert [(Path(f["filename"]).name, f["location"]["row"]) for f in found] == [("train.py", 11), ("train.py", 16)]
    assert all(related(f) == [("shards.py", 11)] and "shards.py:11 by decoder_pool()" in f["message"] for f in found)


def test_a_factory_in_the_same_module_is_named_by_its_line() -> None:
    found = dlk502(ROOT, "--no-cache", str(SAME_MODULE))
    assert [f["location"]["row"] for f in found] == [21, 25]
    assert all(related(f) == [(SAME_MODULE.name, 17)] and "line 17 by open_workers()" in f["message"] for f in found)


def test_the_callers_are_judged_again_when_the_factory_changes(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert len(dlk502(project, *cache, ".")) == 2
    factory = project / "shards.py"
    factory.write_text(factory.read_text().replace("import multiprocessing", "import atexit\nimport multiprocessing")
                       .replace("    return pool", "    atexit.register(pool.terminate)\n    return pool"))
    assert dlk502(project, *cache, ".") == dlk502(project, "--no-cache", ".") == []
