"""The process pool under every ``diagnose.parallel`` entry point.

One task pipe and one result pipe per worker; the parent assigns every job to a known worker,
so when a worker dies it knows exactly which jobs were lost. The parent never blocks without a
timeout: it waits on all result pipes and process sentinels together
(``multiprocessing.connection.wait``), so a death is seen within a second of happening.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from diagnose.parallel import protocol
from diagnose.parallel.errors import (
    RemoteTraceback,
    WorkerDiedError,
    WorkerFailedError,
    WorkerStartError,
)
from diagnose.parallel.startup import main_module_hidden, needs_main_module
from diagnose.parallel.worker import worker_main

ALLOWED_START_METHODS = ("spawn", "forkserver")
POLL_SECONDS = 0.5
PREFETCH_PER_WORKER = 2  # one job running, one waiting: the worker never idles between jobs
STOP_GRACE_SECONDS = 5.0


@dataclass
class _Slot:
    """One worker position; its process is replaced when it dies."""

    index: int
    crash_log: str
    process: Any = None
    tasks: Connection | None = None
    results: Connection | None = None
    in_flight: dict[int, protocol.Job] = field(default_factory=dict)
    last_progress: float = 0.0
    ready: bool = False  # said READY: its model (if any) is loaded

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()


class WorkerPool:
    """``workers`` spawned processes, each holding one loaded model (or only ``preprocess``).

    ``run`` hands every job to the workers. A caller that works itself (``cooperative``) uses the
    parts: ``launch`` without waiting, ``idle_slots``/``submit``, ``collect`` and ``lost_error``.
    """

    def __init__(
        self,
        settings: Callable[[str], protocol.WorkerSettings],
        *,
        workers: int,
        start_method: str,
        start_timeout: float,
        job_timeout: float | None,
        retry_lost: bool,
    ) -> None:
        if start_method not in ALLOWED_START_METHODS:
            raise ValueError(
                f"start_method={start_method!r} is not allowed: use 'spawn' or 'forkserver'. "
                "A forked worker hangs in its first TensorFlow op once the parent has started "
                "the TF runtime."
            )
        self._settings = settings
        self._context = multiprocessing.get_context(start_method)
        self._start_timeout = start_timeout
        self._job_timeout = job_timeout
        self._retry_lost = retry_lost
        self._log_dir = tempfile.mkdtemp(prefix="predlint-workers-")
        self._slots = [_Slot(i, os.path.join(self._log_dir, f"worker-{i}.log")) for i in range(workers)]
        self.startup_seconds: float | None = None
        self._launched_at: float | None = None
        self._running = False

    # ---- life cycle -------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self._slots)

    def launch(self) -> None:
        """Start every missing worker; do not wait for it (``collect`` sees it get ready)."""
        missing = [slot for slot in self._slots if not slot.alive]
        if not missing:
            return
        if self._launched_at is None:
            self._launched_at = time.perf_counter()
        os.makedirs(self._log_dir, exist_ok=True)  # close() removed it
        try:
            for slot in missing:
                self._spawn(slot)
        except BaseException:
            self.terminate()
            raise

    def start(self) -> None:
        """Start every missing worker and wait until each has loaded its model."""
        self.launch()
        try:
            self._await_ready([slot for slot in self._slots if not slot.ready])
        except BaseException:
            self.terminate()
            raise

    def launched(self) -> bool:
        """Whether any worker is running or starting."""
        return any(slot.alive for slot in self._slots)

    def idle_slots(self) -> list[_Slot]:
        """Ready workers that can take one more job, the least busy first."""
        ready = [s for s in self._slots if s.alive and s.ready and len(s.in_flight) < PREFETCH_PER_WORKER]
        return sorted(ready, key=lambda s: len(s.in_flight))

    def busy(self) -> bool:
        return any(slot.in_flight for slot in self._slots)

    def close(self) -> None:
        """Ask idle workers to stop, stop the rest by force, remove the crash logs."""
        for slot in self._slots:
            if slot.alive and not slot.in_flight:
                try:
                    slot.tasks.send(protocol.STOP)
                except OSError:
                    pass
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for slot in self._slots:
            if slot.process is not None:
                slot.process.join(max(0.0, deadline - time.monotonic()))
        self.terminate()
        shutil.rmtree(self._log_dir, ignore_errors=True)

    def terminate(self) -> None:
        """Stop every worker now (SIGTERM, then SIGKILL)."""
        for slot in self._slots:
            self._stop(slot)

    def pids(self) -> list[int]:
        return [slot.process.pid for slot in self._slots if slot.alive]

    def _mark_ready(self, slot: _Slot) -> None:
        slot.ready = True
        if self.startup_seconds is None and all(s.ready for s in self._slots):
            self.startup_seconds = time.perf_counter() - self._launched_at

    # ---- running jobs -----------------------------------------------------------------------
    def run(
        self, payloads: Iterable[Any], *, unit: str, window: int | None, describe: Callable[[int], str]
    ) -> Iterator[Any]:
        """Results of ``payloads`` in their order; at most ``window`` not yet yielded at once.

        Any failure, an interrupt or closing the iterator early stops the workers that still
        hold jobs, so nothing keeps running in the background.
        """
        if self._running:
            raise RuntimeError("this pool is already running a call: finish or close the previous predict_stream first")
        self._running = True
        self.start()
        source = enumerate(payloads)
        retries: collections.deque[protocol.Job] = collections.deque()
        attempts: collections.Counter[int] = collections.Counter()
        done: dict[int, Any] = {}
        next_id = next_yield = respawns = 0
        exhausted = False
        try:
            while True:
                while next_yield in done:
                    yield done.pop(next_yield)
                    next_yield += 1
                while retries or not exhausted:
                    if window is not None and next_id - next_yield >= window and not retries:
                        break
                    idle = self.idle_slots()
                    if not idle:
                        break
                    slot = idle[0]
                    if retries:
                        job = retries.popleft()
                    else:
                        try:
                            job_id, payload = next(source)
                        except StopIteration:
                            exhausted = True
                            break
                        job, next_id = protocol.Job(job_id, payload), job_id + 1
                    self.submit(slot, job)
                if exhausted and not retries and next_yield == next_id:
                    return
                for slot, reason in self.collect(done, unit, describe, POLL_SECONDS):
                    lost = self.lost_error(slot, reason, unit, describe)
                    held = list(slot.in_flight.values())
                    if not self._retry_lost or respawns >= len(self._slots) or any(attempts[j.job_id] for j in held):
                        raise lost
                    respawns += 1
                    attempts.update(job.job_id for job in held)
                    retries.extend(sorted(held, key=lambda job: job.job_id))
                    slot.in_flight.clear()
                    self.start()
        except BaseException:
            self.abort()
            raise
        finally:
            self._running = False

    def submit(self, slot: _Slot, job: protocol.Job) -> None:
        """Hand ``job`` to ``slot``'s worker (never blocks: the worker reads its pipe at once)."""
        if not slot.in_flight:
            slot.last_progress = time.monotonic()
        slot.in_flight[job.job_id] = job
        try:
            slot.tasks.send(job)
        except OSError:  # the worker is gone; collect() sees its sentinel next
            pass

    def collect(
        self, done: dict[int, Any], unit: str, describe: Callable[[int], str], timeout: float
    ) -> list[tuple[_Slot, str | None]]:
        """Wait up to ``timeout`` seconds for results (into ``done``) and workers getting ready.

        Returns the workers that died (reason ``None``: read the exit code) or hung past
        ``job_timeout`` (now stopped); idle workers that died count too, holding no jobs.
        """
        by_handle: dict[Any, _Slot] = {}
        for slot in self._slots:
            if slot.process is not None:
                by_handle[slot.process.sentinel] = slot
                if slot.in_flight or not slot.ready:
                    by_handle[slot.results] = slot
        lost: dict[int, tuple[_Slot, str | None]] = {}
        for handle in wait(list(by_handle), timeout=timeout):
            slot = by_handle[handle]
            if slot.index in lost:
                continue
            if not self._drain(slot, done, unit, describe) or isinstance(handle, int):
                lost[slot.index] = (slot, None)
        now = time.monotonic()
        for slot in self._slots:
            stalled = self._job_timeout is not None and now - slot.last_progress > self._job_timeout
            if slot.in_flight and stalled and slot.index not in lost:
                slot.process.kill()
                lost[slot.index] = (slot, f"made no progress for {self._job_timeout:g} s and was stopped")
        return list(lost.values())

    def _drain(self, slot: _Slot, done: dict[int, Any], unit: str, describe: Callable[[int], str]) -> bool:
        """Read every waiting message of ``slot``; ``False`` when its pipe is closed (it died)."""
        try:
            while slot.results.poll():
                kind, job_id, body = slot.results.recv()
                if kind == protocol.READY:
                    self._mark_ready(slot)
                    continue
                if kind == protocol.START_FAILED:
                    raise _start_failed(slot, body)
                slot.in_flight.pop(job_id)
                slot.last_progress = time.monotonic()
                if kind == protocol.FAILED:
                    raise WorkerFailedError(
                        f"{describe(job_id)} failed in worker {slot.index} (pid {slot.process.pid}): {body.summary}",
                        unit=unit,
                        lost=(job_id,),
                        worker_pid=slot.process.pid,
                        worker_traceback=body.traceback,
                    ) from RemoteTraceback(body.traceback)
                done[job_id] = body
        except (EOFError, OSError):
            return False
        return True

    def lost_error(
        self, slot: _Slot, reason: str | None, unit: str, describe: Callable[[int], str]
    ) -> WorkerDiedError:
        """The error for a dead (or hung, now stopped) worker and the jobs it took with it."""
        slot.process.join(1.0)
        exitcode = slot.process.exitcode
        lost = tuple(sorted(slot.in_flight))
        crash = self._read_crash_log(slot)
        names = ", ".join(describe(job_id) for job_id in lost)
        what = f"lost {len(lost)} {unit}(s): {names}" if lost else "held no work"
        return WorkerDiedError(
            f"worker {slot.index} (pid {slot.process.pid}) {reason or _describe_exit(exitcode)}; {what}",
            exitcode=exitcode,
            unit=unit,
            lost=lost,
            worker_pid=slot.process.pid,
            worker_traceback=crash,
        )

    def abort(self) -> None:
        """Stop the workers that still hold jobs; idle ones stay warm for the next call."""
        for slot in self._slots:
            if slot.in_flight:
                self._stop(slot)

    # ---- processes --------------------------------------------------------------------------
    def _spawn(self, slot: _Slot) -> None:
        self._stop(slot)
        task_reader, task_writer = self._context.Pipe(duplex=False)
        result_reader, result_writer = self._context.Pipe(duplex=False)
        settings = self._settings(slot.crash_log)
        process = self._context.Process(
            target=worker_main,
            args=(settings, task_reader, result_writer),
            name=f"predlint-worker-{slot.index}",
            daemon=True,
        )
        with main_module_hidden(not needs_main_module(settings)):
            process.start()
        task_reader.close()
        result_writer.close()
        slot.process, slot.tasks, slot.results, slot.ready = process, task_writer, result_reader, False

    def _await_ready(self, slots: list[_Slot]) -> None:
        deadline = time.monotonic() + self._start_timeout
        waiting = {slot.index: slot for slot in slots}
        while waiting:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerStartError(
                    f"{len(waiting)} worker(s) not ready after {self._start_timeout:.0f} s "
                    "(model_factory too slow, or stuck)"
                )
            handles = {}
            for slot in waiting.values():
                handles[slot.results] = slot
                handles[slot.process.sentinel] = slot
            for handle in wait(list(handles), timeout=min(remaining, POLL_SECONDS)):
                slot = handles[handle]
                if slot.index not in waiting:
                    continue
                try:
                    kind, _, body = slot.results.recv()
                except (EOFError, OSError):
                    slot.process.join(1.0)
                    raise WorkerStartError(
                        f"worker {slot.index} {_describe_exit(slot.process.exitcode)} while starting",
                        self._read_crash_log(slot),
                    ) from None
                if kind == protocol.START_FAILED:
                    raise _start_failed(slot, body)
                self._mark_ready(slot)
                del waiting[slot.index]

    def _stop(self, slot: _Slot) -> None:
        """Terminate the slot's process (if any), reap it, close its pipes; its jobs are dropped."""
        process, slot.process = slot.process, None
        if process is not None:
            if process.is_alive():
                process.terminate()
                process.join(2.0)
            if process.is_alive():
                process.kill()
            process.join()
            process.close()
        for conn in (slot.tasks, slot.results):
            if conn is not None:
                conn.close()
        slot.tasks = slot.results = None
        slot.in_flight.clear()
        slot.ready = False

    @staticmethod
    def _read_crash_log(slot: _Slot) -> str | None:
        try:
            with open(slot.crash_log) as log:
                return log.read().strip() or None
        except OSError:
            return None


def _start_failed(slot: _Slot, failure: protocol.Failure) -> WorkerStartError:
    error = WorkerStartError(f"model_factory failed in worker {slot.index}: {failure.summary}", failure.traceback)
    error.__cause__ = RemoteTraceback(failure.traceback)
    return error


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "stopped responding"
    if exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = " (killed; also what the kernel's out-of-memory killer sends)" if name == "SIGKILL" else ""
        return f"was killed by {name}{hint}"
    return f"exited with code {exitcode}"
