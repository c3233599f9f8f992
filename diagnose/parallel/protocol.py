"""Messages between the parent and its workers (over one task pipe and one result pipe each)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diagnose.parallel.shared import ArraySpec

# Worker -> parent message kinds: (kind, job_id, body)
READY = "ready"  # body: None, job_id unused
START_FAILED = "start_failed"  # body: traceback text
DONE = "done"  # body: the result (None for a ChunkRef: it went to shared memory)
FAILED = "failed"  # body: traceback text

STOP = None  # parent -> worker sentinel: finish queued jobs, then exit


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

    load_model: Any  # zero-argument picklable callable
    preprocess: Any  # picklable callable or None
    batch_size: int
    threads: int  # TF intra-op threads; inter-op is 1
    crash_log: str  # faulthandler writes a crash's Python stack here
