"""NumPy arrays in POSIX shared memory: created in the parent, mapped (not copied) by workers.

Segments are named ``predlint_<pid>_<random>`` so a leak is easy to spot in ``/dev/shm``.
The parent owns every segment it creates and unlinks it when the ``SharedArray`` is closed;
workers only attach, through a small ``AttachedSegments`` cache.
"""

from __future__ import annotations

import math
import os
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np

SEGMENT_PREFIX = "predlint_"


@dataclass(frozen=True)
class ArraySpec:
    """Everything a worker needs to map a shared array: segment name, shape and dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: str


class SharedArray:
    """An ndarray backed by a shared-memory segment that this process created and will unlink."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype | str) -> None:
        dtype = np.dtype(dtype)
        nbytes = max(1, math.prod(shape) * dtype.itemsize)
        name = f"{SEGMENT_PREFIX}{os.getpid()}_{secrets.token_hex(6)}"
        self._segment: shared_memory.SharedMemory | None = shared_memory.SharedMemory(
            name=name, create=True, size=nbytes
        )
        self.spec = ArraySpec(name=name, shape=tuple(shape), dtype=dtype.str)
        self.array: np.ndarray = np.ndarray(shape, dtype=dtype, buffer=self._segment.buf)

    @classmethod
    def copy_of(cls, source: np.ndarray) -> SharedArray:
        """A shared array holding a copy of ``source`` (the only copy of the input ever made)."""
        shared = cls(source.shape, source.dtype)
        shared.array[...] = source
        return shared

    def close(self) -> None:
        """Unmap and unlink the segment; safe to call twice."""
        if self._segment is None:
            return
        segment, self._segment = self._segment, None
        del self.array
        segment.close()
        segment.unlink()

    def __enter__(self) -> SharedArray:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AttachedSegments:
    """A worker's mappings of the parent's segments, reused across chunks of one call.

    Keeps the few most recently used mappings open and closes older ones; the parent unlinks
    segments, the worker never does.
    """

    def __init__(self, capacity: int = 4) -> None:
        self._capacity = capacity
        self._segments: OrderedDict[str, shared_memory.SharedMemory] = OrderedDict()

    def array(self, spec: ArraySpec) -> np.ndarray:
        """An ndarray view of the shared segment described by ``spec``."""
        segment = self._segments.get(spec.name)
        if segment is None:
            segment = shared_memory.SharedMemory(name=spec.name)
            self._segments[spec.name] = segment
            self._evict()
        self._segments.move_to_end(spec.name)
        return np.ndarray(spec.shape, dtype=np.dtype(spec.dtype), buffer=segment.buf)

    def _evict(self) -> None:
        while len(self._segments) > self._capacity:
            _, oldest = self._segments.popitem(last=False)
            try:
                oldest.close()
            except BufferError:  # a view is still alive somewhere; the mapping goes at exit
                pass


def leftover_segments(pid: int | None = None) -> list[str]:
    """Names of predlint segments still in ``/dev/shm`` (of one creator ``pid``, or all)."""
    prefix = SEGMENT_PREFIX if pid is None else f"{SEGMENT_PREFIX}{pid}_"
    try:
        return sorted(name for name in os.listdir("/dev/shm") if name.startswith(prefix))
    except FileNotFoundError:
        return []
