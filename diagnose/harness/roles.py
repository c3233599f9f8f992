"""Name each process's role in the tree: main, worker, feeder (alive only because a queue feeder
thread cannot flush its pipe) or other (resource tracker, forkserver, non-Python helpers)."""

from __future__ import annotations

from diagnose.harness.evidence import ProcessRecord, ThreadStack

_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver", "semaphore_tracker")


def is_blocked_feeder(thread: ThreadStack) -> bool:
    """A ``multiprocessing.Queue`` feeder thread stuck sending to a full pipe (an idle feeder waits
    on a condition instead). Without Python frames, a thread the kernel shows writing a pipe."""
    writing = thread.calls("send_bytes", "multiprocessing") or (thread.wchan or "").endswith("pipe_write")
    return writing and (thread.calls("_feed", "multiprocessing") or not thread.frames)


def is_forked_child(process: ProcessRecord, root: ProcessRecord) -> bool:
    """Fork does not exec: a forked child keeps its parent's command line."""
    return process.pid != root.pid and process.cmdline == root.cmdline and bool(root.cmdline)


def is_helper(cmdline: list[str]) -> bool:
    """A multiprocessing helper process (resource tracker, forkserver): it serves its parent, not a task."""
    command = " ".join(cmdline)
    return any(helper in command for helper in _HELPERS)


def assign_roles(processes: list[ProcessRecord], root_pid: int) -> None:
    """Set ``role`` on every record in place."""
    root = next((p for p in processes if p.pid == root_pid), None)
    for process in processes:
        process.role = _role(process, root)


def _role(process: ProcessRecord, root: ProcessRecord | None) -> str:
    command = " ".join(process.cmdline)
    if root is not None and process.pid == root.pid:
        return "main"
    if is_helper(process.cmdline):
        return "other"
    main = process.main_thread()
    if any(is_blocked_feeder(t) for t in process.threads) and (main is None or main.calls("_exit_function")):
        return "feeder"
    if "--multiprocessing-fork" in command or process.calls("_bootstrap", "multiprocessing"):
        return "worker"
    if root is not None and is_forked_child(process, root):
        return "worker"
    return "other"
