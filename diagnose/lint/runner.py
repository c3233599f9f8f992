"""Check many files, on every core: files are split into batches checked by worker processes."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from diagnose.lint.config import Settings
from diagnose.lint.engine import FileResult, check_path

PARALLEL_THRESHOLD = 64  # below this many files a pool costs more than it saves


def _relative(path: Path, settings: Settings) -> str:
    absolute = os.path.abspath(path)
    root = str(settings.root)
    return absolute[len(root) + 1:] if absolute.startswith(root + os.sep) else path.as_posix()


def _check_batch(paths: list[str], settings: Settings) -> list[FileResult]:
    return [check_path(p, settings, _relative(Path(p), settings)) for p in paths]


def _batches(paths: list[Path], count: int) -> list[list[str]]:
    """Split files into batches of similar total size (largest first, greedy)."""
    sized = sorted(((p.stat().st_size if p.exists() else 0, str(p)) for p in paths), reverse=True)
    batches: list[list[str]] = [[] for _ in range(count)]
    totals = [0] * count
    for size, path in sized:
        slot = totals.index(min(totals))
        batches[slot].append(path)
        totals[slot] += size
    return [b for b in batches if b]


def _pool_context():
    """fork where available: the checker holds no threads or TF state, and fork starts in milliseconds."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def check_files(paths: list[Path], settings: Settings, jobs: int | None = None) -> list[FileResult]:
    """Results for every file, in the order of ``paths``."""
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or len(paths) < PARALLEL_THRESHOLD:
        return _check_batch([str(p) for p in paths], settings)
    batches = _batches(paths, jobs * 4)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
        results = [r for batch in pool.map(_check_batch, batches, [settings] * len(batches)) for r in batch]
    order = {str(p): i for i, p in enumerate(paths)}
    return sorted(results, key=lambda r: order[r.path])
