"""The hang guard behind predlint's pytest plugin: a thread in the pytest process that watches the
processes one test phase runs in, and when they stop progressing takes every process's stacks,
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
import stat
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import psutil

from diagnose.harness import stacks
from diagnose.harness.classifier import Evidence
from diagnose.harness.diagnosis import diagnose
from diagnose.harness.evidence import ReproReport
from diagnose.harness.exitcodes import exit_code_for
from diagnose.harness.roles import assign_roles
from diagnose.harness.tree import Totals, TreeSampler, find_marked
from diagnose.harness.treekill import Cleanup, kill_tree
from diagnose.harness.watchdog import SAMPLE_INTERVAL_S, TAIL_BYTES, ProgressClock

POOL_STOP_S = 3.0
_STDIO = (1, 2)


class HangGuard(threading.Thread):
    """Watches one test phase: ``quiet_s`` without progress is a hang, ``cap_s`` a hard limit even
    while busy (either may be None). When one is reached, ``report`` is set (the full report, also
    written to ``report_dir``) and ``wake`` is called, unless the phase already ended."""

    def __init__(
        self,
        quiet_s: float | None,
        cap_s: float | None,
        run_id: str,
        test_id: str,
        test_file: str,
        report_dir: Path,
        wake: Callable[[], None],
    ) -> None:
        super().__init__(daemon=True, name="predlint-hang-guard")
        self.quiet_s, self.cap_s = quiet_s, cap_s
        self.run_id, self.test_id, self.test_file, self.report_dir = run_id, test_id, test_file, report_dir
        self.wake = wake
        self.report: ReproReport | None = None
        self.error: str | None = None
        self._since = time.time()
        self._older = frozenset(p.pid for p in psutil.Process().children(recursive=True))
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def stop(self) -> None:
        """The phase ended: stop watching (a diagnosis under way finishes first, without waking)."""
        with self._lock:
            self._stopping.set()
        self.join()

    def sweep(self) -> Cleanup:
        """After a hang: kill whatever of the test's tree the test started after the guard's kill."""
        return kill_tree(self._sampler())

    def run(self) -> None:
        try:
            report = self._watch()
        except Exception as exc:  # a guard that fails must not take the session down: say so instead
            self.error = f"predlint hang guard stopped watching: {type(exc).__name__}: {exc}"
            return
        if report is None:
            return
        with self._lock:
            self.report = report
            if not self._stopping.is_set():
                self.wake()

    def _sampler(self) -> TreeSampler:
        return TreeSampler(os.getpid(), partial(find_marked, self.run_id, self._since), excluded=self._older)

    def _watch(self) -> ReproReport | None:
        sampler = self._sampler()
        started = time.monotonic()
        clock = ProgressClock(self._totals(sampler), output_bytes(), 0.0)
        while not self._stopping.wait(SAMPLE_INTERVAL_S):
            now = time.monotonic() - started
            clock.observe(self._totals(sampler), output_bytes(), now)
            if self.quiet_s and now - clock.progress_at >= self.quiet_s:
                return self._end(sampler, "hung", now, clock.progress_at)
            if self.cap_s and now >= self.cap_s:
                return self._end(sampler, "timeout", now, None)
        return None

    def _totals(self, sampler: TreeSampler) -> Totals:
        """The tree's totals without the guard thread's own CPU time and I/O."""
        totals = sampler.sample()
        return Totals(totals.cpu_s - time.thread_time(), totals.io_bytes - _own_io_bytes(), totals.pids)

    def _end(self, sampler: TreeSampler, state: str, now: float, progress_at: float | None) -> ReproReport:
        """Stacks of every live process, then stop the test's pools and kill its tree, then diagnose."""
        live = sampler.live_pids()
        dump = stacks.collect(live, None)
        own = dump.threads.get(os.getpid(), [])
        dump.threads[os.getpid()] = [t for t in own if t.os_thread_id != threading.get_native_id()]
        tail = output_tail()
        stop_pools(set(live) - {os.getpid()})
        cleanup = kill_tree(sampler)
        processes = sampler.records()
        for record in processes:
            record.threads = dump.threads.get(record.pid, [])
        assign_roles(processes, os.getpid())
        root = next(p for p in processes if p.pid == os.getpid())
        evidence = Evidence(state, None, root, processes, tail, self.quiet_s or 0.0)
        found = diagnose(evidence, self.test_file, os.getcwd(), "--hang-timeout")
        report = ReproReport(
            command="pytest",
            target=[self.test_id],
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

        write_report(report, self.report_dir, self.test_id)
        return report


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
