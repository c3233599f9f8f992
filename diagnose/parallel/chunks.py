"""How an in-memory array is cut into chunks for the workers."""

from __future__ import annotations

import math

CHUNKS_PER_WORKER = 4  # enough to balance uneven workers, few enough to keep per-chunk cost low


def chunk_rows(rows: int, workers: int, batch_size: int) -> int:
    """Rows per chunk: ``CHUNKS_PER_WORKER`` equal chunks per worker, so all finish together;
    never less than one batch (tiny inputs are not worth splitting finer)."""
    return max(math.ceil(rows / (workers * CHUNKS_PER_WORKER)), min(batch_size, rows))


def chunk_bounds(rows: int, size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each chunk of ``size`` rows (the last one may be shorter)."""
    return [(start, min(start + size, rows)) for start in range(0, rows, size)]
