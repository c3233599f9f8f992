"""The hang guard behind predlint's pytest plugin: one thread in the pytest process that watches the
processes of one test phase at a time, and when they stop progressing takes every process's stacks,
diagnoses the hang as ``repro`` does, stops the test's pools and kills the test's processes.

The tree is the pytest process itself and its descendants, but those the session had before the
test (a session fixture's server is left alone), plus processes that carry the test's marker in
their environment (a spawned grandchild re-parented away). Progress is judged by the watchdog's
``ProgressClock``; the guard's own CPU time and I/O (reading ``/proc``) are taken out of the pytest
process's, or the guard would see itself working. The guard never kills the pytest process: it
calls ``wake`` so the plugin can interrupt the test's blocked call.
"""

from __future__ import annotations

import gc
import multiprocessing.pool
import os
import queue
import stat
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import psutil

from diagnose.harness import stacks
from diagnose.harness.classifier import Evidence
from diagnose.harness.diagnosis import diagnose
from diagnose.harness.evidence import Frame, ReproReport, ThreadStack
from diagnose.harness.exitcodes import exit_code_for
from diagnose.harness.roles import assign_roles, is_helper
from diagnose.harness.tree import Totals, TreeSampler, find_marked
from diagnose.harness.treekill import Cleanup, kill_tree
from diagnose.harness.watchdog import SAMPLE_INTERVAL_S, TAIL_BYTES, ProgressClock

POOL_STOP_S = 3.0
_STDIO = (1, 2)
_TICK_S = 1 / os.sysconf("SC_CLK_TCK")  # the resolution of a process's start time in /proc
_FLOAT_SLACK_S = 0.001


@dataclass
class Phase:
    """One test phase to watch: ``quiet_s`` without progress is a hang, ``cap_s`` a hard limit even
    while busy (either may be None); processes started since ``started`` (the test's setup) are the
    test's. ``report`` is set when the guard fired; ``error`` when the guard itself failed."""

    quiet_s: float | None
    cap_s: float | None
    run_id: str
    test_id: str
    test_file: str
    report_dir: Path
    started: float = field(default_factory=time.time)
    report: ReproReport | None = None
    error: str | None = None
    older: frozenset[int] = frozenset()
    ended: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    def sampler(self) -> TreeSampler:
        """The test's tree: the pytest process and its descendants but the ``older`` ones, and any
        process carrying the phase's marker."""
        return TreeSampler(os.getpid(), partial(find_marked, self.run_id, self.started), excluded=self.older)


class HangGuard(threading.Thread):
    """One thread for the whole session, watching one phase at a time (a thread per phase would cost
    each test a thread start). When a phase's limit is reached it takes the stacks, stops the test's
    pools, kills its tree, diagnoses, writes the report and calls ``wake``, unless the phase ended."""

    def __init__(self, wake: Callable[[], None]) -> None:
        super().__init__(daemon=True, name="predlint-hang-guard")
        self.wake = wake
        self._phases: queue.SimpleQueue[Phase | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._diagnosing: Phase | None = None
        self._clock_offset = 0.0

    def begin(self, phase: Phase) -> None:
        self._phases.put(phase)

    def end(self, phase: Phase) -> None:
        """The phase ended: stop watching it (a diagnosis under way finishes first, without waking)."""
        with self._lock:
            phase.ended.set()
            diagnosing = self._diagnosing is phase
        if diagnosing:
            phase.done.wait()

    def close(self) -> None:
        self._phases.put(None)

    def run(self) -> None:
        self._clock_offset = _thread_start() - time.time()
        while (phase := self._phases.get()) is not None:
            try:
                self._watch(phase)
            except Exception as exc:  # a guard that fails must not take the session down: say so instead
                phase.error = f"predlint hang guard stopped watching: {type(exc).__name__}: {exc}"
            finally:
                with self._lock:
                    self._diagnosing = None
                phase.done.set()

    def _watch(self, phase: Phase) -> None:
        born = phase.started + self._clock_offset  # on psutil's clock for process start times
        started = time.monotonic()
        if phase.ended.wait(SAMPLE_INTERVAL_S):
            return  # a phase this short costs next to nothing: most tests end here
        phase.older = frozenset(_children_before(born))
        sampler = phase.sampler()
        clock = ProgressClock(self._totals(sampler), output_bytes(), time.monotonic() - started)
        while not phase.ended.wait(SAMPLE_INTERVAL_S):
            now = time.monotonic() - started
            clock.observe(self._totals(sampler), output_bytes(), now)
            if phase.quiet_s and now - clock.progress_at >= phase.quiet_s:
                state, progress_at = "hung", clock.progress_at
            elif phase.cap_s and now >= phase.cap_s:
                state, progress_at = "timeout", None
            else:
                continue
            with self._lock:
                if phase.ended.is_set():
                    return
                self._diagnosing = phase
            report = self._end(phase, sampler, state, now, progress_at)
            with self._lock:
                phase.report = report
                if not phase.ended.is_set():
                    self.wake()
            return

    def _totals(self, sampler: TreeSampler) -> Totals:
        """The tree's totals without the guard thread's own CPU time and I/O."""
        totals = sampler.sample()
        return Totals(totals.cpu_s - time.thread_time(), totals.io_bytes - _own_io_bytes(), totals.pids)

    def _end(
        self, phase: Phase, sampler: TreeSampler, state: str, now: float, progress_at: float | None
    ) -> ReproReport:
        """Stacks of every live process, then stop the test's pools and kill its tree, then diagnose."""
        live = sampler.live_pids()
        dump = stacks.collect(live, None)
        own = dump.threads.get(os.getpid(), [])
        if not any(t.frames for t in own):  # py-spy could not read pytest itself: read it from inside
            own = with_own_frames(own)
            dump.notes.append("pytest's own threads read in-process (sys._current_frames)")
        dump.threads[os.getpid()] = [t for t in own if t.os_thread_id != threading.get_native_id()]
        tail = output_tail()
        stop_pools(set(live) - {os.getpid()})
        cleanup = kill_test_tree(sampler)
        processes = sampler.records()
        for record in processes:
            record.threads = dump.threads.get(record.pid, [])
        assign_roles(processes, os.getpid())
        root = next(p for p in processes if p.pid == os.getpid())
        evidence = Evidence(state, None, root, processes, tail, phase.quiet_s or 0.0)
        found = diagnose(evidence, phase.test_file, os.getcwd(), "--hang-timeout")
        if state == "timeout":  # the classifier names repro's option
            found.verdict = replace(found.verdict, what=f"timeout: still making progress when --hang-cap "
                                                        f"({phase.cap_s:g} s) expired")
        report = ReproReport(
            command="pytest",
            target=[phase.test_id],
            verdict=found.verdict,
            elapsed_s=now,
            detected_after_s=now,
            last_progress_s=progress_at,
            stack_method=dump.method,
            stack_collection_s=dump.elapsed_s,
            processes=processes,
            survivors=cleanup.survivors,
            stack_notes=dump.notes,
            cleaned_ipc=cleanup.cleaned_ipc,
            output_tail=tail,
            exit_code=exit_code_for(found.verdict.kind, None),
            findings=found.findings,
            fix=found.fix,
            reading=found.reading,
            hints=found.hints,
        )
        from diagnose.report.repro import write_report

        write_report(report, phase.report_dir, phase.test_id)
        return report


def _thread_start() -> float:
    """When the calling thread started, on psutil's clock for process start times (boot time plus
    kernel ticks; ``time.time()`` differs from it by up to a second)."""
    try:
        with open("/proc/thread-self/stat", encoding="ascii") as handle:
            ticks = int(handle.read().rsplit(")", 1)[1].split()[19])  # field 22: starttime
    except (OSError, IndexError, ValueError):
        return time.time()
    return psutil.boot_time() + ticks / os.sysconf("SC_CLK_TCK")


def _children_before(moment: float) -> list[int]:
    """The pytest process's descendants that started a whole clock tick before ``moment`` (on
    psutil's clock): not the test's. The kernel keeps a start time in ticks (10 ms), rounded down, so
    a child forked a few ms after the test began can read as started before it; such a child must
    stay the test's, or the guard neither watches nor kills it (a forked child blocked writing its
    queue then outlives the session, holding pytest's output pipes open)."""
    older = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.create_time() < moment - _TICK_S - _FLOAT_SLACK_S:
                older.append(child.pid)
        except psutil.Error:
            continue
    return older


def with_own_frames(kernel: list[ThreadStack]) -> list[ThreadStack]:
    """This process's threads (as ``/proc`` lists them) with their Python frames, innermost first,
    taken from inside: needs no ptrace, which py-spy may be refused."""
    native = {t.ident: t.native_id for t in threading.enumerate()}
    names = {t.ident: t.name for t in threading.enumerate()}
    by_tid = {t.os_thread_id: t for t in kernel}
    for ident, frame in sys._current_frames().items():
        frames = []
        while frame is not None:
            code = frame.f_code
            frames.append(Frame(getattr(code, "co_qualname", code.co_name), code.co_filename, frame.f_lineno))
            frame = frame.f_back
        tid = native.get(ident)
        thread = by_tid.get(tid) or ThreadStack(thread_id=ident, os_thread_id=tid, name=names.get(ident))
        thread.thread_id, thread.frames = ident, frames
        thread.name = names.get(ident, thread.name)
        by_tid.setdefault(tid, thread)
    return sorted(by_tid.values(), key=lambda t: (t.os_thread_id != os.getpid(), not t.frames))


def kill_test_tree(sampler: TreeSampler) -> Cleanup:
    """Kill the test's processes but the pytest process's own multiprocessing helpers (its resource
    tracker and forkserver serve the whole session). Semaphores and shared memory are left alone:
    the pytest process lives on and owns them, and its finalizers unlink them."""
    sampler.ipc_paths.clear()
    helpers = []
    for child in psutil.Process().children():
        try:
            if is_helper(child.cmdline()):
                helpers.append(child.pid)
        except psutil.Error:
            continue
    return kill_tree(sampler, spare=helpers)


def stop_pools(pids: set[int]) -> list[multiprocessing.pool.Pool]:
    """Terminate the ``multiprocessing`` pools with a worker among ``pids``: a pool's handler thread
    in the pytest process would replace every worker the kill ends. Each terminate gets its own
    thread and a few seconds (it can block on a queue lock a killed worker held); by then it has
    already told the handler to stop replacing workers."""
    pools = [o for o in gc.get_objects() if isinstance(o, multiprocessing.pool.Pool) and _worker_pids(o) & pids]
    stoppers = [threading.Thread(target=pool.terminate, daemon=True, name="predlint-pool-stop") for pool in pools]
    for stopper in stoppers:
        stopper.start()
    deadline = time.monotonic() + POOL_STOP_S
    for stopper in stoppers:
        stopper.join(max(0.0, deadline - time.monotonic()))
    return pools


def _worker_pids(pool: multiprocessing.pool.Pool) -> set[int]:
    """The pids of a pool's worker processes (a ThreadPool's workers have none)."""
    workers = getattr(pool, "_pool", None) or []  # the pool's list of worker Process objects
    return {pid for worker in workers if isinstance(pid := getattr(worker, "pid", None), int)}


def _own_io_bytes() -> int:
    """Bytes the calling thread read and wrote (``/proc/thread-self/io``); 0 when unreadable."""
    try:
        with open("/proc/thread-self/io", encoding="ascii") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
        return int(fields["rchar"]) + int(fields["wchar"])
    except (OSError, KeyError, ValueError):
        return 0


def output_bytes() -> int:
    """How much the test wrote to pytest's captured stdout and stderr (files while captured)."""
    total = 0
    for fd in _STDIO:
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        total += info.st_size if stat.S_ISREG(info.st_mode) else 0
    return total


def output_tail() -> str:
    """The end of the captured stdout and stderr (stderr last: where a child's traceback lands),
    read through ``/proc/self/fd`` so pytest's capture is left as it is."""
    tail = b""
    for fd in _STDIO:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            with open(f"/proc/self/fd/{fd}", "rb") as handle:
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - TAIL_BYTES))
                tail += handle.read()
        except OSError:
            continue
    return tail[-TAIL_BYTES:].decode("utf-8", errors="replace")
