"""Helpers for the static-checker tests: run the checker in-process or as the real command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from diagnose.lint.config import Settings, apply_table
from diagnose.lint.engine import check_source
from diagnose.lint.finding import Finding

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "lint"
# Two findings (DLK201 on line 9, DLK101 on line 10) in a file of a project laid out by a test project.
HAZARD = """\
import multiprocessing
from tensorflow import keras

def work(x):
    return x

if __name__ == "__main__":
    model = keras.models.load_model("m.keras")
    with multiprocessing.Pool(2) as pool:
        pool.map(work, [model])
"""
CLEAN = "import multiprocessing\n"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>DLK\d{3}(?:\s*,\s*DLK\d{3})*)")


def check_text(source: str, *, select: list[str] | None = None, **table: object) -> list[Finding]:
    """Findings for a source string, with optional settings (``[tool.predlint]`` keys)."""
    settings = Settings()
    if select is not None:
        table["extend-select"] = select
    if table:
        settings = apply_table(settings, table, "test")
    return check_source(source.encode(), "example.py", settings)


def expected_markers(path: Path) -> set[tuple[int, str]]:
    """(line, code) pairs from ``# expect: CODE[, CODE]`` comments."""
    out = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            out |= {(number, code.strip()) for code in match.group("codes").split(",")}
    return out


def predlint(*args: str, cwd: Path | None = None, timeout: float = 120,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``predlint`` command (as ``python -m diagnose``), with ``env`` added to this environment."""
    return subprocess.run([sys.executable, "-m", "diagnose", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})
