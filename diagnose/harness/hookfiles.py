"""The per-process files the ``sitecustomize`` hook writes into the run's dump directory.

Each Python process of the tree creates ``<pid>.txt`` when it starts (or is forked), beginning
with one header line ``# predlint {json}`` (pid, ppid, how it started, main thread ident, command
line); faulthandler appends stack dumps after it, and the hook a ``# predlint exit`` line as the
process exits. So the directory also lists every Python process the tree ever had, even one that
lived too briefly for the sampler to see, and how each ended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

HEADER_PREFIX = "# predlint "
EXIT_PREFIX = "# predlint exit "


@dataclass(frozen=True)
class HookHeader:
    pid: int
    ppid: int
    start: str  # "fork" or "exec"
    main_thread: int
    cmdline: list[str]


def dump_path(dump_dir: str, pid: int) -> Path:
    return Path(dump_dir) / f"{pid}.txt"


def read_header(dump_dir: str, pid: int) -> HookHeader | None:
    try:
        with dump_path(dump_dir, pid).open(encoding="utf-8", errors="replace") as handle:
            line = handle.readline()
    except OSError:
        return None
    if not line.startswith(HEADER_PREFIX):
        return None
    try:
        return HookHeader(**json.loads(line[len(HEADER_PREFIX):]))
    except (ValueError, TypeError):
        return None


def hooked_processes(dump_dir: str) -> dict[int, HookHeader]:
    """Every process that armed the hook during the run, by pid."""
    headers = (read_header(dump_dir, int(p.stem)) for p in Path(dump_dir).glob("*.txt") if p.stem.isdigit())
    return {h.pid: h for h in headers if h is not None}


def recorded_exit(dump_dir: str, pid: int) -> str | None:
    """How the hooked process ``pid`` said it exited: its ``os._exit`` code as text, ``?`` for an
    interpreter shutdown, None when it recorded nothing (killed by a signal, or still running)."""
    try:
        text = dump_path(dump_dir, pid).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    exits = [line[len(EXIT_PREFIX):].strip() for line in text.splitlines() if line.startswith(EXIT_PREFIX)]
    return exits[-1] if exits else None
