"""The results cache and a helper that picks generator functions from another module: the finding in
main.py rests on batches.py, which main.py never imports, so editing it must recompute main.py, warm
and cold alike (fixtures/projects/xmod_generator_from_helper_namespace_flag)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lint_support import ROOT, predlint

FIXTURE = ROOT / "fixtures" / "projects" / "xmod_generator_from_helper_namespace_flag"
NOT_GENERATORS = "def small_batches(size):\n    return [0] * size\n\n\ndef large_batches(size):\n    return [0] * size\n"


def findings(project: Path, *flags: str) -> list[tuple[str, int, str]]:
    result = predlint("check", "--exit-zero", "--output-format", "json", *flags, ".", cwd=project)
    assert result.returncode == 0, result.stderr
    return sorted((Path(f["filename"]).name, f["location"]["row"], f["code"]) for f in json.loads(result.stdout))


def test_editing_the_module_a_helper_picks_from_recomputes_the_caller(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    hazard = [("main.py", 17, "DLK302")]
    generators = (project / "batches.py").read_text()
    assert findings(project, *cache) == findings(project, "--no-cache") == hazard
    (project / "batches.py").write_text(NOT_GENERATORS)
    assert findings(project, *cache) == findings(project, "--no-cache") == []
    assert findings(project, *cache) == []  # warm, nothing changed
    (project / "batches.py").write_text(generators)
    assert findings(project, *cache) == findings(project, "--no-cache") == hazard
