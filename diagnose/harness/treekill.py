"""Kill the target's whole tree and prove nothing survived.

Candidates are every pid the sampler saw (checked against its start time), the root's current
descendants, and the sampler's strays (for a repro run, any process carrying the run's marker in
its environment: a grandchild that changed process group and was re-parented is still found).
SIGTERM first, then SIGKILL in rounds until a fresh look finds nothing (a parent may fork
replacements while it dies). The resource tracker ignores SIGTERM and cleans up once everyone else
is gone, so it gets a moment before SIGKILL. Leftover multiprocessing semaphores and shared-memory
segments the tree had mapped are unlinked.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Collection
from dataclasses import dataclass

import psutil

from diagnose.harness.tree import TreeSampler

TERM_GRACE_S = 1.5
TRACKER_GRACE_S = 1.0
KILL_GRACE_S = 3.0
KILL_ROUNDS = 5


@dataclass(frozen=True)
class Cleanup:
    """Processes still alive after the kill (must be empty) and /dev/shm entries removed."""

    survivors: list[dict[str, object]]
    cleaned_ipc: list[str]


def kill_tree(sampler: TreeSampler, popen: subprocess.Popen | None = None, spare: Collection[int] = ()) -> Cleanup:
    """Terminate then kill every process of the tree but the ``spare`` pids, reap the root when it is
    our child (``popen``), and verify."""
    targets = _candidates(sampler, spare)
    others = [p for p in targets if not _is_tracker(p)]
    _signal_all(others, "terminate")
    psutil.wait_procs(others, timeout=TERM_GRACE_S)
    # Kill in rounds, looking for the tree afresh each time: a parent that survived SIGTERM (it
    # ignores it, or was still handling it) may have forked replacements for workers that died,
    # e.g. a Pool's worker handler; once the parents are dead nothing new appears.
    for _ in range(KILL_ROUNDS):
        alive = [p for p in _candidates(sampler, spare) if _running(p) and not _is_tracker(p)]
        if not alive:
            break
        _signal_all(alive, "kill")
        psutil.wait_procs(alive, timeout=KILL_GRACE_S)
    trackers = [p for p in _candidates(sampler, spare) if _is_tracker(p)]
    _, trackers_alive = psutil.wait_procs(trackers, timeout=TRACKER_GRACE_S)
    _signal_all(trackers_alive, "kill")
    psutil.wait_procs(trackers_alive, timeout=KILL_GRACE_S)
    try:
        if popen is not None:
            popen.wait(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    survivors = [_describe(p) for p in _candidates(sampler, spare) if _running(p)]
    return Cleanup(survivors, _unlink_ipc(sampler.ipc_paths))


def _candidates(sampler: TreeSampler, spare: Collection[int]) -> list[psutil.Process]:
    found: dict[int, psutil.Process] = {}
    for entry in sampler.seen.values():
        if _running(entry.process):  # is_running() also rejects a reused pid
            found[entry.process.pid] = entry.process
    for process in sampler.descendants():
        found.setdefault(process.pid, process)
    for process in sampler.find_strays(found.keys()):
        found[process.pid] = process
    for pid in (os.getpid(), *spare):
        found.pop(pid, None)
    return list(found.values())


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _is_tracker(process: psutil.Process) -> bool:
    try:
        return "multiprocessing.resource_tracker" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _signal_all(processes: list[psutil.Process], method: str) -> None:
    for process in processes:
        try:
            getattr(process, method)()
        except psutil.Error:
            pass


def _describe(process: psutil.Process) -> dict[str, object]:
    try:
        return {"pid": process.pid, "status": process.status(), "cmdline": process.cmdline()}
    except psutil.Error:
        return {"pid": process.pid, "status": "unknown", "cmdline": []}


def _unlink_ipc(paths: set[str]) -> list[str]:
    removed = []
    for path in sorted(paths):
        try:
            os.unlink(path)
            removed.append(path)
        except OSError:
            pass  # already cleaned up by the resource tracker
    return removed
