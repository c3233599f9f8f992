"""Check many files, on every core: files are split into batches checked by worker processes.

With a :class:`~diagnose.lint.cache.Cache`, unchanged files are answered from it and only the others
are checked (and stamped, so the next run can skip them).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from diagnose.lint.cache import Cache, Stamp, stamp
from diagnose.lint.config import Settings
from diagnose.lint.engine import FileResult, check_path, check_source, syntax_error
from diagnose.lint.notebook import is_notebook
from diagnose.lint.notebook import parse as parse_notebook

PARALLEL_THRESHOLD = 64  # below this many files a pool costs more than it saves
# Tracked objects allocated (net of those freed) since the last collection, above which the paused cyclic
# collector runs once between two files: a bound on what a cycle the analysis should not make could hold.
GC_BOUND = 1_000_000

Checked = tuple[FileResult, "Stamp | None"]


def check_bytes(source: bytes, path: str, settings: Settings) -> FileResult:
    """Check the bytes of a module or a notebook (standard input, a notebook file) reported as ``path``;
    never raises: a notebook that is not one is DLK000, an analysis bug an ``error``."""
    relative = settings.relative(path)
    try:
        if not is_notebook(path):
            depends: dict[str, tuple[int, int, str]] = {}
            return FileResult(path, check_source(source, path, settings, relative, depends), depends=depends)
        try:
            module = parse_notebook(source).source.encode()
        except ValueError as exc:
            wanted = "DLK000" in settings.enabled_codes()
            return FileResult(path, [syntax_error(path, f"cannot read notebook: {exc}", 1, 1)] if wanted else [])
        return FileResult(path, check_source(module, path, settings, relative))
    except Exception as exc:  # noqa: BLE001 - one file's analysis bug must not stop the run
        return FileResult(path, [], f"{type(exc).__name__}: {exc}")


def check_file(path: str, settings: Settings, record: bool = True) -> FileResult:
    """Check one file on disk (a module or a notebook); ``record``: note the other project modules its
    findings rest on (for the cache)."""
    if not is_notebook(path):
        return check_path(path, settings, settings.relative(path), record)
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError:
        return check_path(path, settings, settings.relative(path))  # reports the unreadable file
    return check_bytes(source, path, settings)


def _check_batch(paths: list[str], settings: Settings, stamped: bool) -> list[Checked]:
    """Check each file; with ``stamped``, also stamp it (before reading it, so a later edit shows)."""
    out = []
    with _collector_paused():
        for path in paths:
            file_stamp = stamp(path) if stamped else None
            out.append((check_file(path, settings, record=stamped), file_stamp))
            if gc.get_count()[0] > GC_BOUND:
                gc.collect()
    return out


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while files are checked. A check's objects hold no reference
    cycles (``tests/test_runner.py`` checks it), so each is freed when its file is done; the collector, run
    on allocation counts, would only traverse the syntax trees being built, again and again (on the standard
    library 0.30 s of CPU in collections, 0.08 s paused; measured with ``gc.callbacks``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _batches(paths: list[str], count: int) -> list[list[str]]:
    """Split files into batches of similar total size (largest first, greedy)."""
    sized = sorted(((os.path.getsize(p) if os.path.exists(p) else 0, p) for p in paths), reverse=True)
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


def _import_analysis() -> None:
    """Import what analysing a module needs (the walker, every rule) once, before forking: each worker
    would otherwise import its own copy on its first analysed file."""
    import diagnose.lint.places  # noqa: F401
    import diagnose.lint.reach  # noqa: F401
    import diagnose.lint.summaries  # noqa: F401
    import diagnose.lint.walker  # noqa: F401
    from diagnose.lint.rules import all_rules

    all_rules()


def _check_many(paths: list[str], settings: Settings, jobs: int, stamped: bool) -> list[Checked]:
    """Results (and stamps) for every file, in the order of ``paths``."""
    if jobs < 2 or len(paths) < PARALLEL_THRESHOLD:
        return _check_batch(paths, settings, stamped)
    from concurrent.futures import ProcessPoolExecutor

    context = _pool_context()
    if context.get_start_method() == "fork":
        _import_analysis()
    batches = _batches(paths, jobs * 16)  # many small batches: idle workers take the next one
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        checked = [c for batch in pool.map(_check_batch, batches, [settings] * len(batches),
                                           [stamped] * len(batches)) for c in batch]
    order = {p: i for i, p in enumerate(paths)}
    return sorted(checked, key=lambda c: order[c[0].path])


def check_files(paths: Sequence[str | os.PathLike[str]], settings: Settings, jobs: int | None = None,
                cache: Cache | None = None) -> list[FileResult]:
    """Results for every file, in the order of ``paths``; with a cache, only changed files are checked."""
    jobs = jobs or os.cpu_count() or 1
    names = [os.fspath(p) for p in paths]
    if cache is None:
        return [result for result, _ in _check_many(names, settings, jobs, stamped=False)]
    results: dict[str, FileResult] = {}
    misses = []
    for name in names:
        findings = cache.lookup(name)
        if findings is None:
            misses.append(name)
        else:
            results[name] = FileResult(name, findings)
    for result, file_stamp in _check_many(misses, settings, jobs, stamped=True):
        if file_stamp is not None and result.error is None:
            cache.store(result.path, file_stamp, result.findings, result.depends)
        results[result.path] = result
    cache.save()
    return [results[name] for name in names]
