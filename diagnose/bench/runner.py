"""``run_benchmark``: every implementation on every workload, in one process tree and one run."""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np

from diagnose.bench.implementations import IMPLEMENTATIONS, Implementation, Outcome, RunContext
from diagnose.bench.memory import TreeMemorySampler
from diagnose.bench.noise import OtherLoadMeter
from diagnose.bench.results import BenchReport, ImplementationResult, WorkloadResult
from diagnose.bench.workloads import Workload, standard_workloads

RTOL, ATOL = 1e-4, 1e-5
ProgressCallback = Callable[[str, int, int], None]  # (what is running, steps done, steps in all)


def run_benchmark(
    *,
    quick: bool = False,
    workers: int = 2,
    workloads: Sequence[str] | None = None,
    implementations: Sequence[str] | None = None,
    repeat: int = 1,
    on_progress: ProgressCallback | None = None,
) -> BenchReport:
    """Run the benchmark and return its report (nothing is printed or written here).

    ``workloads``/``implementations`` select by name/key (default: all but the optional Ray
    backend); the baseline always runs, as it is what the others are compared with. Each
    implementation runs ``repeat`` times and the fastest run counts (the others are in
    ``runs_seconds``): on a shared machine the minimum is the least disturbed measurement.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    chosen_workloads = _select(standard_workloads(quick), workloads, lambda w: w.name)
    chosen = _select(IMPLEMENTATIONS, implementations, lambda i: i.key, lambda i: i.by_default)
    if chosen[0].key != "baseline":
        chosen = [IMPLEMENTATIONS[0], *[i for i in chosen if i.key != "baseline"]]
    total = len(chosen_workloads) * len(chosen)
    progress = on_progress or (lambda *_: None)
    started = _now()
    load_before = os.getloadavg()
    results = []
    with OtherLoadMeter() as noise, tempfile.TemporaryDirectory(prefix="predlint-bench-") as scratch:
        progress("importing TensorFlow", 0, total)
        tf_import_seconds = _import_tensorflow()
        for w_index, workload in enumerate(chosen_workloads):
            progress(f"{workload.name}: building the model", w_index * len(chosen), total)
            context = _prepare(workload, workers, scratch, tf_import_seconds)
            outcome_of_baseline: Outcome | None = None
            result = WorkloadResult(workload.name, workload.description, workload.samples, workload.batch_size)
            for i_index, implementation in enumerate(chosen):
                progress(f"{workload.name}: {implementation.label}", w_index * len(chosen) + i_index, total)
                if implementation.key in workload.skip:
                    result.results.append(_skipped(implementation, workers))
                    continue
                measured, outcome = _measure(implementation, context, outcome_of_baseline, repeat)
                if implementation.key == "baseline":
                    outcome_of_baseline = outcome
                result.results.append(measured)
            results.append(result)
    progress("done", total, total)
    return BenchReport(
        started_at=started,
        finished_at=_now(),
        machine={**_machine(load_before), "cpu_during_run": noise.summary()},
        settings={"quick": quick, "workers": workers, "repeat": repeat, "rtol": RTOL, "atol": ATOL},
        workloads=results,
    )


def _select(
    items: Sequence[Any],
    names: Sequence[str] | None,
    name_of: Callable[[Any], str],
    by_default: Callable[[Any], bool] = lambda _: True,
) -> list[Any]:
    if not names:
        return [item for item in items if by_default(item)]
    known = {name_of(item): item for item in items}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown name(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    return [known[name] for name in names]


def _import_tensorflow() -> float:
    """Seconds to import TensorFlow and Keras here (0 when this process already had them)."""
    began = time.perf_counter()
    import keras  # noqa: F401
    import tensorflow  # noqa: F401

    return time.perf_counter() - began


def _prepare(workload: Workload, workers: int, scratch: str, tf_import_seconds: float) -> RunContext:
    """Build the model once, save it for the workers, load it back warm for the in-process runs."""
    import keras

    model_path = os.path.join(scratch, f"{workload.name}.keras")
    workload.build_model().save(model_path)
    began = time.perf_counter()
    model = keras.saving.load_model(model_path, compile=False)
    startup = tf_import_seconds + time.perf_counter() - began
    raw = workload.make_raw()
    model.predict(workload.preprocess(raw[: workload.batch_size]), verbose=0)  # trace once
    return RunContext(workload, raw, model, model_path, workers, in_process_startup_seconds=startup)


def _skipped(implementation: Implementation, workers: int) -> ImplementationResult:
    return ImplementationResult(
        implementation.key, implementation.label, implementation.family, workers, note="left out by --quick"
    )


def _measure(
    implementation: Implementation, ctx: RunContext, baseline: Outcome | None, repeat: int
) -> tuple[ImplementationResult, Outcome | None]:
    in_process = implementation.family in ("baseline", "tensorflow")
    result = ImplementationResult(
        implementation.key, implementation.label, implementation.family, 1 if in_process else ctx.workers
    )
    try:
        with TreeMemorySampler() as memory, OtherLoadMeter() as load:
            runs = [implementation.run(ctx) for _ in range(repeat)]
    except Exception as exc:  # one broken implementation must not sink the whole run
        result.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return result, None
    outcome = min(runs, key=lambda run: run.seconds)
    result.workers = outcome.processes or result.workers
    samples = ctx.workload.samples
    result.runs_seconds = [round(run.seconds, 3) for run in runs]
    result.seconds = outcome.seconds
    result.samples_per_second = samples / outcome.seconds
    result.cpu_seconds = round(load.tree_cpu_seconds / repeat, 2)
    result.other_load_cores = round(load.other_cpu_seconds / load.wall_seconds, 2)
    result.startup_seconds = ctx.in_process_startup_seconds if in_process else outcome.startup_seconds
    result.startup_blocks = outcome.startup_blocks
    work_seconds = outcome.seconds - (outcome.startup_seconds if outcome.startup_blocks else 0.0)
    result.steady_samples_per_second = samples / work_seconds if work_seconds > 0 else None
    result.peak_tree_rss_mb = round(memory.peak_tree_rss_mb, 1)
    result.peak_tree_pss_mb = round(memory.peak_tree_pss_mb, 1)
    result.processes = [
        {"pid": p.pid, "role": p.role, "peak_rss_mb": round(p.peak_rss_mb, 1), "peak_pss_mb": round(p.peak_pss_mb, 1)}
        for p in memory.processes.values()
    ]
    workers = [p.peak_pss_mb for p in memory.processes.values() if p.role == "worker"]
    result.pss_per_worker_mb = round(sum(workers) / len(workers), 1) if workers else None
    if implementation.key == "baseline":
        result.speedup = 1.0
    elif baseline is not None:
        predictions = np.asarray(outcome.predictions)
        same_shape = predictions.shape == baseline.predictions.shape
        close = same_shape and np.allclose(predictions, baseline.predictions, rtol=RTOL, atol=ATOL)
        result.matches_baseline = bool(close)
        result.max_abs_diff = float(np.max(np.abs(predictions - baseline.predictions))) if same_shape else None
        result.speedup = baseline.seconds / outcome.seconds
    return result, outcome


def _machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    import keras
    import tensorflow as tf

    from diagnose.parallel import available_cores

    return {
        "cpu": _cpu_model(),
        "cores": available_cores(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
