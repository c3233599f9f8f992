"""`predlint repro --scenario` without TensorFlow/NumPy says which extra to install (one line, exit 2)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from lint_support import ROOT

NEEDED = ("psutil", "rich", "markdown_it", "mdurl", "pygments")  # predlint[harness] without the scenario packages


def test_scenario_without_numpy_names_the_extra(tmp_path: Path) -> None:
    for name in NEEDED:  # an import path holding only what the harness itself needs
        origin = Path(importlib.util.find_spec(name).origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (tmp_path / source.name).symlink_to(source)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    result = subprocess.run([sys.executable, "-S", "-m", "diagnose", "repro", "--scenario", "fork_after_tf"],
                            capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "predlint: error: the scenarios need numpy and tensorflow: pip install 'predlint[scenarios]'"]
