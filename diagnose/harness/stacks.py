"""Dump the stacks of every live process of the tree: py-spy first, faulthandler second, and the
kernel's per-thread wait channel always.

py-spy runs for all pids at once (``--json``, optionally ``--native``). Processes py-spy could not
read fall back to faulthandler: the harness's ``sitecustomize`` armed ``SIGUSR1`` in every Python
process it started, and a process is only signalled when its dump file shows it is armed. A tree
predlint did not start (``predlint inspect``) has no hook and no dump directory: py-spy only, and
when it may not attach, the notes say why and what to do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from diagnose.harness.evidence import Frame, ThreadStack
from diagnose.harness.hookfiles import dump_path, read_header
from diagnose.harness.ptrace import attach_problem
from diagnose.harness.wchan import kernel_threads

PY_SPY_TIMEOUT_S = 10.0
FAULTHANDLER_TIMEOUT_S = 3.0
ARG_REPR_CHARS = 120

_FH_THREAD = re.compile(r"^(?:Current thread|Thread) (0x[0-9a-f]+)", re.MULTILINE)
_FH_FRAME = re.compile(r'^\s+File "(.*)", line (\d+|\?\?\?) in (.+)$')


@dataclass
class StackDump:
    """Threads per pid, which method(s) produced them, what failed, and how long it took."""

    threads: dict[int, list[ThreadStack]] = field(default_factory=dict)
    methods: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def method(self) -> str:
        """``py-spy``, ``faulthandler``, ``py-spy+faulthandler``, or ``wchan`` when neither worked."""
        named = [m for m in ("py-spy", "faulthandler") if m in self.methods]
        return "+".join(named) or "wchan"


def find_py_spy() -> str | None:
    """py-spy on ``PATH``, else next to this interpreter (a venv's ``bin``)."""
    found = shutil.which("py-spy")
    beside = Path(sys.executable).parent / "py-spy"
    return found or (str(beside) if beside.exists() else None)


def collect(pids: list[int], dump_dir: str | None, method: str = "auto", native: bool = False) -> StackDump:
    """Dump every pid; each process's Python threads are merged with its kernel thread list.
    Without ``dump_dir`` (no hook in the tree) there is no faulthandler fallback."""
    started = time.monotonic()
    dump = StackDump()
    kernel = {pid: kernel_threads(pid) for pid in pids}  # before py-spy stops and resumes the threads
    remaining = list(pids)
    if method in ("auto", "py-spy"):
        py_spy = find_py_spy()
        if py_spy is None:
            dump.notes.append("py-spy: not installed (pip install 'predlint[harness]')")
        else:
            remaining = _apply(dump, "py-spy", _py_spy_dumps(py_spy, remaining, native))
    if remaining and method in ("auto", "faulthandler"):
        if dump_dir is None:
            dump.notes.append("faulthandler: not available (predlint's hook is only in processes that "
                              "predlint repro started)")
        else:
            remaining = _apply(dump, "faulthandler", _faulthandler_dumps(remaining, dump_dir))
    for pid in pids:
        dump.threads[pid] = _merge(dump.threads.get(pid, []), kernel[pid], pid, dump_dir)
    dump.elapsed_s = time.monotonic() - started
    return dump


def _apply(dump: StackDump, method: str, results: dict[int, list[ThreadStack] | str]) -> list[int]:
    """Record successful dumps and one note per distinct failure; return the pids that still need one."""
    failed: dict[str, list[int]] = {}
    for pid, result in results.items():
        if isinstance(result, str):
            failed.setdefault(result, []).append(pid)
        else:
            dump.threads[pid] = result
            dump.methods.add(method)
    for reason, pids in failed.items():
        dump.notes.append(f"{method}: pid {', '.join(map(str, pids))}: {reason}")
    return [pid for pids in failed.values() for pid in pids]


def _py_spy_dumps(py_spy: str, pids: list[int], native: bool) -> dict[int, list[ThreadStack] | str]:
    """Run ``py-spy dump`` on all pids in parallel."""
    extra = ["--native"] if native else []
    running = {
        pid: subprocess.Popen(
            [py_spy, "dump", "--json", "--locals", "--pid", str(pid), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid in pids
    }
    deadline = time.monotonic() + PY_SPY_TIMEOUT_S
    results: dict[int, list[ThreadStack] | str] = {}
    for pid, proc in running.items():
        try:
            out, err = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            results[pid] = f"timed out after {PY_SPY_TIMEOUT_S:.0f} s"
            continue
        results[pid] = _parse_py_spy(out) if proc.returncode == 0 else attach_problem(pid, _first_line(err))
        if isinstance(results[pid], list) and not any(t.frames for t in results[pid]):
            # caught between frames (a worker starting up, loading an extension): faulthandler,
            # which runs inside the process, still sees its Python stack
            results[pid] = "no Python frames in the dump"
    return results


def _parse_py_spy(text: str) -> list[ThreadStack] | str:
    try:
        threads = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"unreadable py-spy output ({exc})"
    return [
        ThreadStack(
            thread_id=t.get("thread_id"),
            os_thread_id=t.get("os_thread_id"),
            name=t.get("thread_name"),
            frames=[
                Frame(f["name"], f.get("filename") or "?", f.get("line"), _arguments(f.get("locals")))
                for f in t.get("frames", [])
            ],
        )
        for t in threads
    ]


def _arguments(local_vars: list[dict] | None) -> dict[str, str] | None:
    """A frame's arguments (not its other locals) with py-spy's repr, cut to ARG_REPR_CHARS."""
    args = {v["name"]: (v.get("repr") or "?")[:ARG_REPR_CHARS] for v in local_vars or [] if v.get("arg")}
    return args or None


def _faulthandler_dumps(pids: list[int], dump_dir: str) -> dict[int, list[ThreadStack] | str]:
    """Signal every armed pid at once, then wait for each dump file to grow and settle."""
    sizes: dict[int, int] = {}
    results: dict[int, list[ThreadStack] | str] = {}
    for pid in pids:
        path = dump_path(dump_dir, pid)
        if not path.exists():
            results[pid] = "not armed (not a Python process started under the harness)"
            continue
        sizes[pid] = path.stat().st_size
        try:
            os.kill(pid, signal.SIGUSR1)
        except OSError as exc:
            results[pid] = f"cannot signal: {exc.strerror}"
            sizes.pop(pid)
    deadline = time.monotonic() + FAULTHANDLER_TIMEOUT_S
    pending = dict(sizes)
    while pending and time.monotonic() < deadline:
        time.sleep(0.1)
        for pid, before in list(pending.items()):
            text = _settled_growth(dump_path(dump_dir, pid), before)
            if text is not None:
                results[pid] = _parse_faulthandler(text)
                del pending[pid]
    for pid in pending:
        results[pid] = f"no dump within {FAULTHANDLER_TIMEOUT_S:.0f} s"
    return results


def _settled_growth(path: Path, before: int) -> str | None:
    """The text appended after ``before`` once the file has stopped growing, else None."""
    size = path.stat().st_size
    if size <= before:
        return None
    time.sleep(0.05)
    if path.stat().st_size != size:
        return None
    with path.open(encoding="utf-8", errors="replace") as handle:
        handle.seek(before)
        return handle.read()


def _parse_faulthandler(text: str) -> list[ThreadStack]:
    threads = []
    for block in _FH_THREAD.split(text)[1:]:
        if block.startswith("0x"):
            threads.append(ThreadStack(thread_id=int(block, 16), os_thread_id=None, name=None))
            continue
        for line in block.splitlines():
            match = _FH_FRAME.match(line)
            if match and threads:
                lineno = None if match[2] == "???" else int(match[2])
                threads[-1].frames.append(Frame(match[3], match[1], lineno))
    return threads


def _merge(python: list[ThreadStack], kernel: list[ThreadStack], pid: int, dump_dir: str | None) -> list[ThreadStack]:
    """Python threads with their kernel state attached, then the native-only threads."""
    header = read_header(dump_dir, pid) if dump_dir else None
    main_ident = header.main_thread if header else None
    by_tid = {k.os_thread_id: k for k in kernel}
    for thread in python:
        if thread.os_thread_id is None and main_ident is not None and thread.thread_id == main_ident:
            thread.os_thread_id = pid
        match = by_tid.pop(thread.os_thread_id, None)
        if match is not None:
            thread.state, thread.wchan = match.state, match.wchan
            thread.name = thread.name or match.name
    python.sort(key=lambda t: t.os_thread_id != pid)  # the main thread first
    return python + list(by_tid.values())


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "failed without a message"
