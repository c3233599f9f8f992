"""``predlint inspect PID``: diagnose a process tree predlint did not start (a job already stuck).

The tree is the process, its descendants (also those that left its process group) and the
members of the process group or session it leads. It is sampled for a few seconds as the
watchdog judges progress; then every process's stacks are taken with py-spy (predlint's
faulthandler hook is not in a process it did not start) and each thread's wait channel is read
from ``/proc``, and the same diagnosis as ``repro`` runs. Nothing in the target changes unless
``kill`` is asked: then the whole tree is ended and checked to be gone.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import partial

import psutil

from diagnose.errors import UsageError
from diagnose.harness import stacks
from diagnose.harness.classifier import Evidence
from diagnose.harness.diagnosis import Diagnosis, diagnose, script_of
from diagnose.harness.evidence import ProcessRecord, ReproReport, Verdict
from diagnose.harness.exitcodes import exit_code_for
from diagnose.harness.reading import short_path, user_frame, where
from diagnose.harness.roles import assign_roles
from diagnose.harness.tree import TreeSampler, find_in_group_or_session
from diagnose.harness.treekill import kill_tree
from diagnose.harness.watchdog import SAMPLE_INTERVAL_S, TAIL_BYTES, ProgressClock

NOT_HUNG = "not hung"


@dataclass(frozen=True)
class InspectOptions:
    sample_s: float
    kill: bool = False
    stack_method: str = "auto"
    native: bool = False


def inspect(pid: int, options: InspectOptions) -> ReproReport:
    """Sample, dump and diagnose the tree of ``pid``; end it only with ``options.kill``."""
    root = target_process(pid)
    sampler = TreeSampler(pid, partial(find_in_group_or_session, pid))
    progressed, window, cpu_before = _watch(sampler, root, options.sample_s)
    live = sampler.live_pids()
    dump = stacks.collect(live, None, options.stack_method, options.native) if live else None
    output_tail, cwd = _log_tail(root), _cwd(root)  # while the root still runs
    cleanup = kill_tree(sampler) if options.kill else None
    processes = sampler.records()
    for record in processes:
        record.threads = dump.threads.get(record.pid, []) if dump else []
    root_record = _python_root(processes, pid)
    assign_roles(processes, root_record.pid if root_record else pid)
    if progressed or root_record is None or not root_record.alive:
        found = Diagnosis(Verdict(NOT_HUNG, None, NOT_HUNG, _busy_in(processes, cpu_before, window, pid)))
    else:
        evidence = Evidence("hung", None, root_record, processes, output_tail, options.sample_s)
        found = diagnose(evidence, script_of(root_record.cmdline), cwd, "--sample")
    return ReproReport(
        command="inspect",
        target=root_record.cmdline if root_record else [str(pid)],
        verdict=found.verdict,
        elapsed_s=window,
        detected_after_s=window if found.verdict.kind == "hung" else None,
        last_progress_s=None,
        stack_method=dump.method if dump else "none",
        stack_collection_s=dump.elapsed_s if dump else None,
        processes=processes,
        survivors=cleanup.survivors if cleanup else [],
        stack_notes=dump.notes if dump else [],
        cleaned_ipc=cleanup.cleaned_ipc if cleanup else [],
        output_tail=output_tail,
        exit_code=0 if found.verdict.kind == NOT_HUNG else exit_code_for(found.verdict.kind, None),
        killed=cleanup is not None,
        findings=found.findings,
        fix=found.fix,
        reading=found.reading,
        hints=found.hints,
    )


def _python_root(processes: list[ProcessRecord], pid: int) -> ProcessRecord | None:
    """The process to judge as the job's main one: ``pid`` itself, or, when it runs no Python (a
    shell script around the job), its only child that does."""
    root = next((p for p in processes if p.pid == pid), None)
    if root is None or root.python_threads:
        return root
    pythons = [p for p in processes if p.ppid == pid and p.python_threads]
    return pythons[0] if len(pythons) == 1 else root


def _watch(sampler: TreeSampler, root: psutil.Process, sample_s: float) -> tuple[bool, float, dict[int, float]]:
    """Sample the tree for ``sample_s``: whether it made progress (as the watchdog judges it),
    for how long it was watched, and each process's CPU time at the start."""
    started = time.monotonic()
    clock = ProgressClock(sampler.sample(), _log_bytes(root), 0.0)
    cpu_before = {r.pid: r.cpu_s for r in sampler.records()}
    progressed = False
    while time.monotonic() - started < sample_s and sampler.live_pids():
        time.sleep(SAMPLE_INTERVAL_S)
        progressed |= clock.observe(sampler.sample(), _log_bytes(root), time.monotonic() - started)
    return progressed, time.monotonic() - started, cpu_before


def target_process(pid: int) -> psutil.Process:
    """The running process ``pid``, or a one-line usage error: missing, exited, predlint itself
    (or what runs it), or a tree without any Python process."""
    try:
        process = psutil.Process(pid)
        status = process.status()
    except psutil.NoSuchProcess:
        raise UsageError(f"no process with pid {pid}") from None
    except psutil.Error as exc:
        raise UsageError(f"cannot read pid {pid}: {exc}") from None
    if status == psutil.STATUS_ZOMBIE:
        raise UsageError(f"pid {pid} has exited (a zombie waiting for its parent to reap it)")
    own = psutil.Process()
    if pid == own.pid or pid in {p.pid for p in own.parents()}:
        raise UsageError(f"pid {pid} is predlint itself or runs it")
    try:
        tree = [process, *process.children(recursive=True)]
    except psutil.Error:
        tree = [process]
    if not any(map(_runs_python, tree)):
        raise UsageError(f"pid {pid} ({_name(process)}) is not a Python process, nor is any of its children")
    return process


def _runs_python(process: psutil.Process) -> bool:
    """Its executable (or, where another user's is hidden, its name or command) is a Python
    interpreter, or it has libpython mapped (a program embedding Python)."""
    names = []
    for read in (process.exe, process.name, lambda: process.cmdline()[0]):
        try:
            names.append(os.path.basename(read()))
        except (psutil.Error, IndexError):
            continue
    if any(name.startswith(("python", "pypy")) for name in names):
        return True
    try:
        with open(f"/proc/{process.pid}/maps", encoding="utf-8", errors="replace") as maps:
            return any("libpython" in line for line in maps)
    except OSError:
        return False


def _name(process: psutil.Process) -> str:
    try:
        return process.name()
    except psutil.Error:
        return "?"


def _cwd(process: psutil.Process) -> str:
    try:
        return process.cwd()
    except psutil.Error:
        return os.getcwd()


def _log_files(process: psutil.Process) -> list[str]:
    """The regular files the root's stdout and stderr go to (a job's log); pipes and terminals
    cannot be read back."""
    found = []
    for fd in (1, 2):
        try:
            path = os.readlink(f"/proc/{process.pid}/fd/{fd}")
        except OSError:
            continue
        if path.startswith("/") and os.path.isfile(path) and path not in found:
            found.append(path)
    return found


def _log_bytes(process: psutil.Process) -> int:
    total = 0
    for path in _log_files(process):
        try:
            total += os.path.getsize(path)
        except OSError:
            pass
    return total


def _log_tail(process: psutil.Process) -> str:
    """The end of the root's log files (stderr last), where tracebacks of its children land."""
    tail = b""
    for path in _log_files(process):
        try:
            with open(path, "rb") as handle:
                handle.seek(max(0, os.path.getsize(path) - TAIL_BYTES))
                tail += handle.read()
        except OSError:
            continue
    return tail[-TAIL_BYTES:].decode("utf-8", errors="replace")


def _busy_in(processes: list[ProcessRecord], cpu_before: dict[int, float], window: float, root_pid: int) -> str:
    """Which process worked hardest during the sample, and where its main thread was."""
    root = next((p for p in processes if p.pid == root_pid), None)
    if root is None or not root.alive:
        return f"pid {root_pid} exited while it was inspected"
    busiest = max(processes, key=lambda p: p.cpu_s - cpu_before.get(p.pid, p.cpu_s) if p.alive else -1.0)
    used = busiest.cpu_s - cpu_before.get(busiest.pid, busiest.cpu_s)
    line = f"pid {busiest.pid} ({busiest.role}) used {used:.1f} s of CPU in {window:.1f} s"
    main = busiest.main_thread()
    if main is not None and main.frames:
        line += f"; busy in {where(main.frames[0])}"
        own = user_frame(main)
        if own is not None and own is not main.frames[0]:
            line += f", from {short_path(own.file)}:{own.line} ({own.short_name})"
    return line
