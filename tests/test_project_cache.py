"""Whole-project analysis and the results cache: a file's findings depend on the project modules it uses,
so editing ``models.py`` makes ``run.py``'s finding appear and disappear, warm (cached) and cold alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lint_support import predlint

RUN = """\
import multiprocessing

import models

MODEL = None


def work(batch):
    return MODEL.predict(batch)


if __name__ == "__main__":
    MODEL = models.load("model.keras")
    with multiprocessing.Pool(4) as pool:
        print(pool.map(work, range(8)))
"""
LOADS_KERAS = "from tensorflow import keras\n\n\ndef load(path):\n    return keras.models.load_model(path)\n"
LOADS_NOTHING = "def load(path):\n    return open(path, 'rb')\n"


def findings(project: Path, *flags: str, path: str = ".") -> list[tuple[str, int, str]]:
    result = predlint("check", "--exit-zero", "--output-format", "json", *flags, path, cwd=project)
    assert result.returncode == 0, result.stderr
    return sorted((Path(f["filename"]).name, f["location"]["row"], f["code"]) for f in json.loads(result.stdout))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text("tensorflow==2.15.0\n")
    (tmp_path / "run.py").write_text(RUN)
    (tmp_path / "models.py").write_text(LOADS_NOTHING)
    return tmp_path


def test_editing_an_imported_module_recomputes_its_users(project: Path) -> None:
    cache = ["--cache-dir", str(project / "cache")]
    hazard = [("run.py", 14, "DLK201")]
    assert findings(project, *cache) == findings(project, "--no-cache") == []
    (project / "models.py").write_text(LOADS_KERAS)
    assert findings(project, *cache) == findings(project, "--no-cache") == hazard
    assert findings(project, *cache) == hazard  # warm, nothing changed
    (project / "models.py").write_text(LOADS_NOTHING)
    assert findings(project, *cache) == findings(project, "--no-cache") == []


def test_a_file_named_alone_is_judged_with_the_modules_it_imports(project: Path) -> None:
    (project / "models.py").write_text(LOADS_KERAS)
    assert findings(project, "--no-cache") == findings(project, "--no-cache", path="run.py") == [("run.py", 14, "DLK201")]


def test_related_locations_name_the_other_module(project: Path) -> None:
    (project / "models.py").write_text(LOADS_KERAS)
    result = predlint("check", "--exit-zero", "--no-cache", "--output-format", "json", ".", cwd=project)
    [finding] = json.loads(result.stdout)
    assert "models.py:5 by load()" in finding["message"]
    assert [(Path(r["filename"]).name, r["location"]["row"]) for r in finding["related"]] == [("models.py", 5)]
    sarif = json.loads(predlint("check", "--exit-zero", "--no-cache", "--output-format", "sarif", ".",
                                cwd=project).stdout)
    [related] = sarif["runs"][0]["results"][0]["relatedLocations"]
    assert related["physicalLocation"]["region"]["startLine"] == 5


SCREEN = """\
import multiprocessing

from tensorflow import keras


def predict_one(frame):
    return keras.models.load_model("m.keras").predict([frame])


def draw(frames):
    keras.models.load_model("m.keras").predict(frames)
    with multiprocessing.Pool(2) as pool:
        return pool.map(predict_one, frames)
"""


def test_each_rule_names_only_the_places_its_finding_rests_on(tmp_path: Path) -> None:
    """DLK501 rests on where the pool is made, not on what else the called code does there (a Keras call,
    the runtime start: what DLK201 names, reported in screen.py itself)."""
    (tmp_path / "requirements.txt").write_text("tensorflow==2.15.0\n")
    (tmp_path / "screen.py").write_text(SCREEN)
    (tmp_path / "play.py").write_text("import screen\n\nscreen.draw([1, 2])\n")
    result = predlint("check", "--exit-zero", "--no-cache", "--output-format", "json", ".", cwd=tmp_path)
    by_code = {f["code"]: f for f in json.loads(result.stdout) if Path(f["filename"]).name == "play.py"}
    assert [(Path(r["filename"]).name, r["location"]["row"]) for r in by_code["DLK501"]["related"]] \
        == [("screen.py", 12)]
    assert "predict" not in by_code["DLK501"]["message"] and "loaded" not in by_code["DLK501"]["message"]


SPAWN_IN_ENTRY = Path(__file__).parent.parent / "fixtures" / "projects" / "xmod_spawn_in_entry"


def test_editing_the_entry_script_s_start_method_recomputes_the_module_it_calls(tmp_path: Path) -> None:
    """The fixture whose entry script sets spawn, edited to fork and back."""
    shutil.copytree(SPAWN_IN_ENTRY, tmp_path, dirs_exist_ok=True)
    spawning = (tmp_path / "entry.py").read_text()
    forking = spawning.replace('set_start_method("spawn"', 'set_start_method("fork"')
    assert forking != spawning
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert findings(tmp_path, *cache) == findings(tmp_path, "--no-cache") == []
    (tmp_path / "entry.py").write_text(forking)
    hazard = [("pipeline.py", 15, "DLK201")]
    assert findings(tmp_path, *cache) == findings(tmp_path, "--no-cache") == hazard
    (tmp_path / "entry.py").write_text(spawning)
    assert findings(tmp_path, *cache) == []


CALLS_AT_IMPORT = "from helpers import run_all\n\nrun_all([1, 2, 3])\n"
HELPERS_PLAIN = "def run_all(items):\n    return [i * 2 for i in items]\n"
HELPERS_POOL = ("from multiprocessing import Pool\n\n\ndef double(i):\n    return i * 2\n\n\n"
                "def run_all(items):\n    pool = Pool(2)\n    return pool.map(double, items)\n")
STAR_USER = ("from common import *\n\n\ndef main(paths):\n    pool = Pool(4)\n    print(pool.map(len, paths))\n\n\n"
             "if __name__ == '__main__':\n    main(['a'])\n")


@pytest.mark.parametrize(("user", "imported", "plain", "hazardous", "expected"), [
    # a file without trigger words that calls, at import time, a module that gains a pool
    ("main.py", "helpers.py", HELPERS_PLAIN, HELPERS_POOL, ("main.py", 3, "DLK501")),
    # a file whose Pool comes from ``from common import *``, when common starts importing it
    ("shard.py", "common.py", "import os\n", "import os\nfrom multiprocessing import Pool\n", ("shard.py", 5, "DLK502")),
])
def test_a_file_kept_out_for_what_it_imports_is_rechecked_when_that_changes(
        tmp_path: Path, user: str, imported: str, plain: str, hazardous: str, expected: tuple[str, int, str]) -> None:
    (tmp_path / user).write_text(CALLS_AT_IMPORT if user == "main.py" else STAR_USER)
    (tmp_path / imported).write_text(plain)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert findings(tmp_path, *cache) == findings(tmp_path, "--no-cache") == []
    (tmp_path / imported).write_text(hazardous)
    assert expected in findings(tmp_path, *cache)
    assert findings(tmp_path, *cache) == findings(tmp_path, "--no-cache")
    (tmp_path / imported).write_text(plain)
    assert findings(tmp_path, *cache) == findings(tmp_path, "--no-cache") == []
