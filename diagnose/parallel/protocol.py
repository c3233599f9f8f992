"""Messages between the parent and its workers (over one task pipe and one result pipe each)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diagnose.parallel.shared import ArraySpec

# Worker -> parent message kinds: (kind, job_id, body)
READY = "ready"  # body: the worker's pid, job_id unused
START_FAILED = "start_failed"  # body: a Failure
DONE = "done"  # body: the result (None for a ChunkRef with a target: it went to shared memory)
FAILED = "failed"  # body: a Failure

STOP = None  # parent -> worker sentinel: finish queued jobs, then exit


SUMMARY_LINES = 5  # of an exception's own message, shown in the parent's error


@dataclass(frozen=True)
class Failure:
    """An exception raised in a worker: its message (first lines) and its whole traceback."""

    summary: str
    traceback: str

    @classmethod
    def of(cls, error: BaseException) -> Failure:
        import traceback

        message = "".join(traceback.format_exception_only(type(error), error)).strip().splitlines()
        summary = "\n".join(message[:SUMMARY_LINES]) + ("\n..." if len(message) > SUMMARY_LINES else "")
        return cls(summary, "".join(traceback.format_exception(type(error), error, error.__traceback__)))


@dataclass(frozen=True)
class ChunkRef:
    """Rows ``start:stop`` of a shared input array; predictions go to the same rows of ``target``."""

    source: ArraySpec
    target: ArraySpec | None  # None: return the predictions (used to learn the output shape)
    start: int
    stop: int


@dataclass(frozen=True)
class Job:
    """One unit of work: a chunk of a shared array, or a raw batch (pickled) from a stream."""

    job_id: int
    payload: ChunkRef | Any


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker of a pool gets at start-up."""

    load_model: Any  # zero-argument picklable callable; None: the worker only preprocesses
    preprocess: Any  # picklable callable or None
    batch_size: int
    threads: int  # TF intra-op threads; inter-op is 1
    crash_log: str  # faulthandler writes a crash's Python stack here
