"""``predlint bench lint PATH``: time the checker against a bare ``ast.parse`` pass (and ruff, if installed)."""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

from diagnose.errors import UsageError


def _time(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _parse_all(files: list[Path]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            try:
                ast.parse(path.read_bytes())
            except (SyntaxError, ValueError):
                pass


def _run(command: list[str]) -> None:
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def run_lint_bench(paths: list[str], args: argparse.Namespace) -> int:
    """Time ``predlint check`` (a fresh process, as a user runs it) against ast.parse and ruff, side by side."""
    from rich.console import Console
    from rich.table import Table

    from diagnose.lint.config import load_settings
    from diagnose.lint.files import discover

    for raw in paths:
        if not Path(raw).exists():
            raise UsageError(f"{raw}: No such file or directory")
    files = discover(paths, load_settings())
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    predlint_cmd = [sys.executable, "-m", "diagnose", "check", "--select", "ALL", "--exit-zero",
                    "--output-format", "concise", "--no-cache", *paths]
    timings = {"predlint check (all rules)": _time(lambda: _run(predlint_cmd)),
               "ast.parse of every file (1 core)": _time(lambda: _parse_all(files))}
    ruff = shutil.which("ruff")
    if ruff:
        timings["ruff check (default rules)"] = _time(lambda: _run([ruff, "check", "--no-cache", "--exit-zero",
                                                                     "--quiet", *paths]))
    version = _time(lambda: _run([sys.executable, "-m", "diagnose", "--version"]))
    base = timings["predlint check (all rules)"]
    table = Table(title=f"{len(files)} files, {lines:,} lines, {os.cpu_count()} cores")
    for column in ("tool", "wall time (s)", "predlint / tool"):
        table.add_column(column, justify="right" if column != "tool" else "left")
    for name, seconds in timings.items():
        table.add_row(name, f"{seconds:.2f}", f"{base / seconds:.2f}")
    console = Console()
    console.print(table)
    console.print(f"predlint --version: {version:.3f} s" + ("" if ruff else "  (ruff not installed: not compared)"))
    return 0
