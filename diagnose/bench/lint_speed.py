"""``predlint bench lint PATH``: time the checker against a bare ``ast.parse`` pass (and ruff, if installed)."""

from __future__ import annotations

import argparse
import ast
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from diagnose.errors import UsageError


def _time(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _parse_all(files: list[Path]) -> list[str]:
    """Parse every file; the ones that do not parse, with why (``check`` reports them as DLK000)."""
    unparsed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            try:
                ast.parse(path.read_bytes())
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                unparsed.append(f"{path} ({type(exc).__name__}: {(str(exc).splitlines() or [''])[0]})")
    return unparsed


ROUNDS = 3


Command = tuple[list[str], dict[str, str]]  # argv, and variables added to the environment


def _run(command: Command) -> None:
    """Run a tool as an installed package runs: with its ``.pyc`` files (this variable would recompile them)."""
    argv, extra = command
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | extra
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _best_of(commands: dict[str, Command]) -> dict[str, tuple[float, float]]:
    """Fastest of a few rounds per tool (wall time, and the CPU time of that round), the tools interleaved so
    that load on the machine hits all alike."""
    for command in commands.values():
        _run(command)  # untimed: warms the page cache and writes .pyc files
    best = {name: (float("inf"), 0.0) for name in commands}
    for _ in range(ROUNDS):
        for name, command in commands.items():
            cpu = _cpu_of_children()
            wall = _time(lambda command=command: _run(command))
            best[name] = min(best[name], (wall, _cpu_of_children() - cpu))
    return best


def _commands(paths: list[str], bytecode_elsewhere: str) -> dict[str, Command]:
    """predlint with its default rules (what ``predlint check`` runs), with all rules, and with default rules
    where no bytecode of the tree can be found (a fresh checkout: every syntax check parses), beside ruff."""
    check = [sys.executable, "-m", "diagnose", "check", "--exit-zero", "--output-format", "concise", "--no-cache"]
    commands = {
        DEFAULT: (check + paths, {}),
        "predlint (all rules)": (check + ["--select", "ALL"] + paths, {}),
        "predlint, no bytecode": (check + paths, {"PYTHONPYCACHEPREFIX": bytecode_elsewhere}),
    }
    beside_python = Path(sys.executable).with_name("ruff")
    ruff = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    if ruff:
        commands[RUFF] = ([ruff, "check", "--no-cache", "--exit-zero", "--quiet", *paths], {})
    return commands


DEFAULT = "predlint (default rules)"
RUFF = "ruff (default rules)"


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
    with tempfile.TemporaryDirectory(prefix="predlint-bench-pycache-") as elsewhere:
        commands = _commands(paths, elsewhere)
        load_before = os.getloadavg()[0]
        timings = _best_of(commands)
    unparsed: list[str] = []
    start = time.process_time()
    wall = _time(lambda: unparsed.extend(_parse_all(files)))
    timings["ast.parse (1 core)"] = (wall, time.process_time() - start)
    version = _time(lambda: _run(([sys.executable, "-m", "diagnose", "--version"], {})))
    ruff = RUFF in timings
    base = timings[RUFF if ruff else DEFAULT]
    table = Table(title=f"{len(files)} files, {lines:,} lines, {os.cpu_count()} cores; best of {ROUNDS} runs")
    ratio = "÷ ruff" if ruff else "÷ predlint"
    for column in ("tool", "wall (s)", f"wall {ratio}", "CPU (s)", f"CPU {ratio}"):
        tool = column == "tool"  # a narrow terminal wraps the headers and numbers, never a tool's name
        table.add_column(column, justify="left" if tool else "right", no_wrap=tool, overflow="fold")
    for name, (seconds, cpu) in timings.items():
        table.add_row(name, f"{seconds:.2f}", f"{seconds / base[0]:.2f}", f"{cpu:.2f}", f"{cpu / base[1]:.2f}")
    console = Console()
    console.print(table)
    console.print(f"predlint --version: {version:.3f} s" + ("" if ruff else "  (ruff not installed: not compared)"))
    console.print(f"load average (1 min): {load_before:.2f} before the runs, {os.getloadavg()[0]:.2f} after (the "
                  "timed tools count in it); other work on the cores slows every tool, so compare within one run")
    if unparsed:
        console.print(f"{len(unparsed)} file(s) do not parse (`predlint check` reports them as DLK000): "
                      + "; ".join(unparsed), highlight=False)
    return 0
