"""Exceptions raised by ``diagnose.parallel``: every failure in a worker surfaces as one of these."""

from __future__ import annotations


class ParallelError(RuntimeError):
    """Base class of every error raised by ``diagnose.parallel``."""


class RemoteTraceback(Exception):
    """The formatted traceback of an exception raised inside a worker process.

    Set as ``__cause__`` of the error raised in the parent, so the worker's stack is printed
    above the parent's (as ``concurrent.futures`` does).
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text.rstrip()}\n"""'


class WorkerStartError(ParallelError):
    """A worker could not start: ``model_factory`` raised, the process died or did not get ready."""

    def __init__(self, message: str, worker_traceback: str | None = None) -> None:
        super().__init__(message)
        self.worker_traceback = worker_traceback


class LostWorkError(ParallelError):
    """Chunks (``predict``) or batches (``predict_stream``) whose predictions were not produced.

    Attributes:
        unit: ``"chunk"`` or ``"batch"``.
        lost: the ids of the lost chunks or batches (chunk index or batch sequence number).
        worker_pid: the process that was running them.
        worker_traceback: the worker's traceback text (an exception, or faulthandler's dump of a
            crash), or ``None`` when the process left nothing (``SIGKILL``, the OOM killer).
    """

    def __init__(
        self,
        message: str,
        *,
        unit: str,
        lost: tuple[int, ...],
        worker_pid: int | None,
        worker_traceback: str | None = None,
    ) -> None:
        super().__init__(message)
        self.unit = unit
        self.lost = lost
        self.worker_pid = worker_pid
        self.worker_traceback = worker_traceback


class WorkerDiedError(LostWorkError):
    """A worker process ended while it held work (killed, segfault, out of memory, ``os._exit``)."""

    def __init__(self, message: str, *, exitcode: int | None, **details) -> None:
        super().__init__(message, **details)
        self.exitcode = exitcode


class WorkerFailedError(LostWorkError):
    """``preprocess`` or the model raised an exception inside a worker."""
