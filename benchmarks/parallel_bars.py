"""Issue 14's bars, measured side by side in one run: ``predict_chunked`` cold and warm vs ``model.predict``.

Workload: the bench's preprocessing-bound case (per-sample Python/NumPy decode and augment, about
1 ms a sample on a quiet core; a tiny model), batch 64, ``workers=2``. Job sizes are calibrated at
the start so that one process takes about 3 s and about 0.3 s. Every round runs the variants
back to back (interleaved), and the best of the rounds counts, so load from other processes hits
all of them alike; ``uptime`` is printed before and after.

- one process: ``model.predict(preprocess(x))`` with the model already loaded and traced;
- cold ``predict_chunked``: no worker running (``shutdown()`` first), all start-up included;
- warm ``predict_chunked``: the call right after, its workers kept;
- warm ``ParallelPredictor`` (3 s job only): workers holding the model, started before the rounds.

    .venv/bin/python benchmarks/parallel_bars.py [--rounds 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from diagnose.bench.workloads import decode_and_augment, standard_workloads  # noqa: E402
from diagnose.parallel import ParallelPredictor, predict_chunked, shutdown  # noqa: E402

BATCH = 64
TARGETS = {  # (job, variant): the bar, as a ratio to one process
    ("~3 s job", "cold predict_chunked"): 1.15,
    ("~0.3 s job", "cold predict_chunked"): 0.9,
    ("~3 s job", "warm ParallelPredictor"): 1.85,
}


def timed(work) -> tuple[np.ndarray, float]:
    began = time.perf_counter()
    result = work()
    return result, time.perf_counter() - began


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import keras

    workload = next(w for w in standard_workloads(quick=True) if w.name == "preprocessing-bound")
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "head.keras")
        workload.build_model().save(path)
        model = keras.saving.load_model(path, compile=False)
        raw = np.random.default_rng(0).integers(0, 256, (20_000, *workload.raw_shape), dtype=np.uint8)
        model.predict(decode_and_augment(raw[:BATCH]), verbose=0)  # trace once, as a user's model would be

        def baseline(x: np.ndarray) -> np.ndarray:
            return model.predict(decode_and_augment(x), batch_size=BATCH, verbose=0)

        probe = min(timed(lambda: baseline(raw[:512]))[1] for _ in range(3)) / 512
        sizes = {"~3 s job": min(len(raw), round(3.0 / probe)), "~0.3 s job": max(BATCH, round(0.3 / probe))}
        print(f"{uptime()}\ncalibration: {probe * 1e3:.2f} ms per sample in one process; sizes {sizes}")

        def chunked(x: np.ndarray) -> np.ndarray:
            return predict_chunked(model, x, workers=args.workers, batch_size=BATCH, preprocess=decode_and_augment)

        best: dict[tuple[str, str], float] = {}

        def record(job: str, variant: str, seconds: float, y: np.ndarray, expected: np.ndarray) -> None:
            assert np.allclose(y, expected, rtol=1e-4, atol=1e-5), f"{variant} differs from model.predict"
            best[job, variant] = min(best.get((job, variant), float("inf")), seconds)

        with ParallelPredictor(path, workers=args.workers, batch_size=BATCH, preprocess=decode_and_augment) as warm:
            warm.predict(raw[:BATCH * args.workers])  # traced in every worker
            for round_index in range(args.rounds):
                for job, rows in sizes.items():
                    x = raw[:rows]
                    expected, seconds = timed(lambda: baseline(x))
                    record(job, "one process", seconds, expected, expected)
                    shutdown()
                    y, seconds = timed(lambda: chunked(x))
                    record(job, "cold predict_chunked", seconds, y, expected)
                    y, seconds = timed(lambda: chunked(x))
                    record(job, "warm predict_chunked", seconds, y, expected)
                    if job == "~3 s job":
                        y, seconds = timed(lambda: warm.predict(x))
                        record(job, "warm ParallelPredictor", seconds, y, expected)
                print(f"round {round_index + 1}/{args.rounds} done; {uptime()}", flush=True)
        shutdown()
    print(f"\nbest of {args.rounds} interleaved rounds, workers={args.workers}, {os.cpu_count()} cores; {uptime()}")
    print(f"{'job':<12} {'variant':<24} {'seconds':>8} {'vs one process':>15}  target")
    for job in sizes:
        base = best[job, "one process"]
        for (name, variant), seconds in best.items():
            if name != job:
                continue
            target = TARGETS.get((job, variant))
            verdict = "" if target is None else f">= {target}x: {'met' if base / seconds >= target else 'NOT met'}"
            print(f"{job:<12} {variant:<24} {seconds:8.2f} {base / seconds:14.2f}x  {verdict}")
    if os.getloadavg()[1] > 1.5 * os.cpu_count():
        print("\nthe 5-minute load average is well above the core count: other work competed with every "
              "variant, and more processes get a larger share of a busy machine; no verdict from this run")


if __name__ == "__main__":
    main()
