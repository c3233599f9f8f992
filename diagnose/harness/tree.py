"""Sample a process tree with psutil: who is in it, and how much work it has done.

Every pid ever seen is remembered (with its start time, so a reused pid is not confused with
it), which lets the tree killer reach grandchildren that left the tree by re-parenting. Members
outside the parent-child tree are found by ``find_strays``: for a repro run, the run's marker in
their environment (``find_marked``); for a process predlint did not start, the process group or
session the root leads (``find_in_group_or_session``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import psutil

from diagnose.harness.evidence import ProcessRecord

MARKER_ENV = "PREDLINT_RUN_ID"
# multiprocessing's names in /dev/shm: named semaphores and SharedMemory segments
_IPC_NAME = re.compile(r"^/dev/shm/(sem\.mp-\S+|psm_\S+)$")


@dataclass
class Seen:
    """The last sample of one process."""

    process: psutil.Process
    record: ProcessRecord
    io_bytes: int = 0


@dataclass(frozen=True)
class Totals:
    """Work done by the live tree so far, for the watchdog's progress test."""

    cpu_s: float
    io_bytes: int
    pids: frozenset[int]


StrayFinder = Callable[[Collection[int]], "list[psutil.Process]"]


@dataclass
class TreeSampler:
    """Tracks every process that belonged to the tree rooted at ``root_pid``; ``find_strays(known)``
    returns members that left the parent-child tree, other than the ``known`` pids. Descendants in
    ``excluded`` are not the tree's: a test's tree inside a long-lived pytest process leaves the
    children the session had before the test alone."""

    root_pid: int
    find_strays: StrayFinder
    seen: dict[int, Seen] = field(default_factory=dict)
    ipc_paths: set[str] = field(default_factory=set)
    excluded: frozenset[int] = frozenset()

    def sample(self) -> Totals:
        """Refresh every known and newly found process; return the live tree's totals."""
        for process in self._members():
            self._refresh(process)
        live = [s for s in self.seen.values() if s.record.alive]
        return Totals(
            cpu_s=sum(s.record.cpu_s for s in live),
            io_bytes=sum(s.io_bytes for s in live),
            pids=frozenset(s.record.pid for s in live),
        )

    def live_pids(self) -> list[int]:
        return sorted(pid for pid, s in self.seen.items() if s.record.alive)

    def records(self) -> list[ProcessRecord]:
        return [s.record for s in sorted(self.seen.values(), key=lambda s: s.record.pid)]

    def descendants(self) -> list[psutil.Process]:
        """The root and its current descendants, but the ``excluded`` ones."""
        try:
            root = psutil.Process(self.root_pid)
            children = root.children(recursive=True)
        except psutil.Error:
            return []
        return [root, *(c for c in children if c.pid not in self.excluded)]

    def _members(self) -> list[psutil.Process]:
        members: dict[int, psutil.Process] = {s.record.pid: s.process for s in self.seen.values() if s.record.alive}
        for process in self.descendants():
            members.setdefault(process.pid, process)
        for process in self.find_strays(members.keys()):
            members[process.pid] = process
        return list(members.values())

    def _refresh(self, process: psutil.Process) -> None:
        entry = self.seen.get(process.pid)
        if entry is not None and entry.process is not process and not _same(entry.process, process):
            entry = None  # the pid was reused by an unrelated process
        try:
            with process.oneshot():
                status = process.status()
                times = process.cpu_times()
                record = ProcessRecord(
                    pid=process.pid,
                    ppid=process.ppid(),
                    cmdline=entry.record.cmdline if entry else _cmdline(process),
                    status=status,
                    cpu_s=times.user + times.system,
                    rss_bytes=process.memory_info().rss,
                    exitcode=zombie_exitcode(process.pid) if status == psutil.STATUS_ZOMBIE else None,
                )
                io_bytes = _io_bytes(process)
            self.ipc_paths.update(_ipc_mappings(process.pid))
        except psutil.NoSuchProcess:
            if entry is not None:
                entry.record.status = "exited"
            return
        except psutil.AccessDenied:
            return
        self.seen[process.pid] = Seen(process, record, io_bytes)


def find_marked(run_id: str, since: float, exclude: Collection[int] = ()) -> list[psutil.Process]:
    """Processes started after ``since`` whose environment carries this run's marker."""
    found = []
    for process in psutil.process_iter(["create_time"]):
        if process.pid in exclude or (process.info["create_time"] or 0) < since - 1:
            continue
        try:
            if process.environ().get(MARKER_ENV) == run_id:
                found.append(process)
        except psutil.Error:
            continue
    return found


def find_in_group_or_session(root_pid: int, exclude: Collection[int] = ()) -> list[psutil.Process]:
    """Processes in the process group or session that ``root_pid`` leads (a shell's session or
    job that it merely belongs to is not its own), started after it."""
    try:
        group, session = os.getpgid(root_pid), os.getsid(root_pid)
        since = psutil.Process(root_pid).create_time()
    except (OSError, psutil.Error):
        return []
    led = {kind for kind, leader in (("group", group), ("session", session)) if leader == root_pid}
    if not led:
        return []
    found = []
    for process in psutil.process_iter(["create_time"]):
        if process.pid in exclude or process.pid == os.getpid() or (process.info["create_time"] or 0) < since:
            continue
        try:
            if ("group" in led and os.getpgid(process.pid) == group) or (
                "session" in led and os.getsid(process.pid) == session
            ):
                found.append(process)
        except OSError:
            continue
    return found


def zombie_exitcode(pid: int) -> int | None:
    """How a zombie (exited, not yet reaped) ended, from ``/proc/PID/stat``: its exit code, or
    minus the signal that killed it, as ``Popen.returncode`` says it."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        status = int(fields[49])  # field 52: exit_code, in waitpid() form
    except (OSError, IndexError, ValueError):
        return None
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else None


def _same(a: psutil.Process, b: psutil.Process) -> bool:
    try:
        return a.create_time() == b.create_time()
    except psutil.Error:
        return False


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _io_bytes(process: psutil.Process) -> int:
    """Bytes read and written through any file, pipe or socket (0 when the kernel will not say)."""
    try:
        io = process.io_counters()
    except (psutil.AccessDenied, AttributeError):
        return 0
    return io.read_chars + io.write_chars


def _ipc_mappings(pid: int) -> set[str]:
    """multiprocessing's semaphores and shared-memory segments this process has mapped."""
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split(None, 5)[5].strip() for line in maps if "/dev/shm/" in line}
    except (OSError, IndexError):
        return set()
    return {path for path in paths if _IPC_NAME.match(path) and os.path.exists(path)}
