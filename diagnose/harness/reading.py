"""A plain reading of the evidence, for people: one line per process saying what it is blocked in
(or how it ended), what an unrecognised hang looks like (a child that died while the parent waits
with no timeout, every worker in ``Event.wait``, a forked child stuck on a lock it inherited held),
and a hint when the verdict may be the watchdog's mistake (every thread asleep)."""

from __future__ import annotations

import linecache
import os
import re

from diagnose.harness.evidence import Frame, ProcessRecord, ThreadStack
from diagnose.harness.roles import is_forked_child
from diagnose.harness.tracebacks import last_exception

_LIBRARY = re.compile(r"/(site|dist)-packages/|/lib/python\d+(\.\d+)?/|^<")
_ACQUIRES_LOCK = re.compile(r"\.acquire\(|^with\b")


def is_library(path: str) -> bool:
    """The standard library, an installed package, or a frame without a file (``<frozen ...>``)."""
    return bool(_LIBRARY.search(path))


def where(frame: Frame) -> str:
    """``Queue.get (multiprocessing/queues.py:103)``."""
    return f"{frame.function} ({short_path(frame.file)}:{frame.line})"


def short_path(path: str) -> str:
    """A library path from its package (``multiprocessing/pool.py``); a user's path as it is."""
    match = re.search(r"/(?:site|dist)-packages/(.+)$", path) or re.search(r"/lib/python\d+(?:\.\d+)?/(.+)$", path)
    if match:
        return match[1]
    cwd = os.getcwd()
    return os.path.relpath(path, cwd) if path.startswith(cwd + os.sep) else path


def user_frame(thread: ThreadStack) -> Frame | None:
    """The innermost frame in the user's own code that this process ran (a forked child's stack
    still shows the parent's frames that led to the fork)."""
    return next((f for f in thread.own_frames() if f.file.endswith(".py") and not is_library(f.file)), None)


def waits_forever(thread: ThreadStack, depth: int = 4) -> bool:
    """One of the innermost frames blocks with ``timeout=None`` (py-spy shows the arguments)."""
    return any((f.args or {}).get("timeout") == "None" and (f.args or {}).get("block") != "False"
               for f in thread.frames[:depth])


def blocked_in(process: ProcessRecord) -> str:
    """One line: how an exited process ended, or where a live one's main thread is."""
    head = f"pid {process.pid} ({process.role})"
    if not process.alive:
        return f"{head}: {process.how_it_ended()}"
    main = process.main_thread()
    kernel = next((t for t in process.threads if t.os_thread_id == process.pid), None)
    tail = f"; kernel: {kernel.wchan}" if kernel is not None and kernel.wchan else ""
    if main is None or not main.frames:
        state = f"; kernel: state {kernel.state}" if kernel is not None and kernel.state else ""
        return f"{head}: no Python stack{tail or state}"
    line = f"{head}: in {where(main.frames[0])}"
    if waits_forever(main):
        line += " with no timeout"
    own = user_frame(main)
    if own is not None and own is not main.frames[0]:
        line += f", from {short_path(own.file)}:{own.line} ({own.short_name})"
    if own is not None and (text := source_line(own)):
        line += f": `{text}`"
    return line + tail


def source_line(frame: Frame) -> str:
    """The frame's line of source, stripped ('' when the file cannot be read)."""
    return linecache.getline(frame.file, frame.line or 0).strip()


def read_processes(processes: list[ProcessRecord]) -> list[str]:
    """One line per process (the main process first)."""
    ordered = sorted(processes, key=lambda p: (p.role != "main", p.pid))
    return [blocked_in(p) for p in ordered]


def unrecognised_hang(processes: list[ProcessRecord], root: ProcessRecord, output_tail: str) -> str | None:
    """What an unrecognised hang looks like, when it has one of the known shapes."""
    for reading in (_dead_child_and_waiting_parent, _all_workers_in_event_wait, _inherited_lock):
        found = reading(processes, root, output_tail)
        if found:
            return found
    return None


def _dead_child_and_waiting_parent(processes: list[ProcessRecord], root: ProcessRecord, output_tail: str) -> str | None:
    main = root.main_thread()
    dead = [p for p in processes if p.pid != root.pid and not p.alive]
    if not dead or main is None or not main.frames or not waits_forever(main):
        return None
    if not any(f.short_name == "get" and ("queue" in f.file) for f in main.frames[:4]):
        return None
    ended = "; ".join(f"pid {p.pid} {p.how_it_ended()}" for p in dead)
    exception = last_exception(output_tail)
    said = f", last exception in the output: {exception}" if exception else ""
    return (f"a child died: {ended}{said}; the parent waits in Queue.get with no timeout for what it "
            "will never put")


def _all_workers_in_event_wait(processes: list[ProcessRecord], root: ProcessRecord, output_tail: str) -> str | None:
    workers = [p for p in processes if p.pid != root.pid and p.alive and p.role == "worker"]
    if not workers or not all((m := p.main_thread()) is not None and _in_event_wait(m) for p in workers):
        return None
    return f"every worker ({len(workers)}) waits in Event.wait and nothing left will set the event"


def _in_event_wait(thread: ThreadStack) -> bool:
    """In ``threading.Event.wait`` or ``multiprocessing.Event.wait`` (py-spy names the class;
    faulthandler shows ``wait`` calling ``wait``: Event.wait into Condition.wait)."""
    waits = [f for f in thread.frames[:5]
             if f.short_name == "wait" and f.file.endswith(("threading.py", "synchronize.py"))]
    named = any(f.function.endswith("Event.wait") or (f.args or {}).get("self", "").startswith("<Event") for f in waits)
    return named or len(waits) >= 2


def _inherited_lock(processes: list[ProcessRecord], root: ProcessRecord, output_tail: str) -> str | None:
    for process in processes:
        main = process.main_thread()
        if not process.alive or main is None or not main.frames or not is_forked_child(process, root):
            continue
        frame = main.frames[0]
        text = source_line(frame)
        on_futex = main.wchan is None or "futex" in main.wchan
        if on_futex and not frame.file.endswith("threading.py") and _ACQUIRES_LOCK.search(text):
            return (f"pid {process.pid}, forked from pid {process.ppid}, blocks acquiring a lock at "
                    f"{short_path(frame.file)}:{frame.line} (`{text}`): a lock another thread "
                    "held when the parent forked stays held forever in the child")
    return None


def all_asleep(processes: list[ProcessRecord]) -> bool:
    """Every Python thread of every live process is in ``time.sleep``: a pause, maybe not a hang."""
    threads = [t for p in processes if p.alive for t in p.python_threads]
    return bool(threads) and all(_sleeping(t) for t in threads)


def _sleeping(thread: ThreadStack) -> bool:
    return "nanosleep" in (thread.wchan or "") or "sleep(" in source_line(thread.frames[0])
