"""Each thread's kernel state and wait channel from ``/proc``: needs no debugger and no cooperation.

``futex_wait_queue``/``futex_do_wait`` (a lock or TF thread pool), ``pipe_write`` (a queue feeder
on a full pipe), ``do_wait`` (``join()``), ``pipe_read`` (``Queue.get``).
"""

from __future__ import annotations

import os

from diagnose.harness.evidence import ThreadStack


def kernel_threads(pid: int) -> list[ThreadStack]:
    """One entry per OS thread of ``pid`` with its name, state letter and wait channel."""
    threads = []
    try:
        tids = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return []
    for tid in tids:
        base = f"/proc/{pid}/task/{tid}"
        threads.append(
            ThreadStack(
                thread_id=None,
                os_thread_id=tid,
                name=_read(f"{base}/comm"),
                state=_state(f"{base}/stat"),
                wchan=_wait_channel(f"{base}/wchan"),
            )
        )
    return threads


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def _wait_channel(path: str) -> str | None:
    """The kernel function the thread sleeps in; None while it runs (the kernel says ``0``)."""
    wchan = _read(path)
    return None if wchan in (None, "", "0") else wchan


def _state(stat_path: str) -> str | None:
    """The state letter (R, S, D, Z, T) after the ``(comm)`` field of ``/proc/.../stat``."""
    stat = _read(stat_path)
    if not stat or ")" not in stat:
        return None
    return stat.rsplit(")", 1)[1].split()[0]
