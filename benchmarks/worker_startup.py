"""What a worker's start-up costs, part by part, and what the cheaper routes save (issue 14).

Parts, each in a fresh interpreter, best of ``--rounds``: the interpreter itself, ``import numpy``,
``import tensorflow``, ``import keras`` (after TF), loading the bench's small model, its first
``predict_on_batch`` (tracing) and a second one.

Pools, from a process that has imported TF and loaded the model (as a user's has), 2 workers:
spawned model workers (``ParallelPredictor``), forkserver model workers with the forkserver
cold (it imports TF first) and warm (second pool), and the TF-free preprocessing workers that
``predict_chunked`` uses. For each: seconds until every worker is ready, and PSS per worker
after one prediction (PSS, not RSS: pages shared with the forkserver count once).

    .venv/bin/python benchmarks/worker_startup.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PARTS_SCRIPT = """
import json, os, sys, time
marks = [("start", time.perf_counter())]
import numpy as np
marks.append(("import numpy", time.perf_counter()))
import tensorflow
marks.append(("import tensorflow", time.perf_counter()))
import keras
marks.append(("import keras (after TF)", time.perf_counter()))
model = keras.saving.load_model(sys.argv[1], compile=False)
marks.append(("load the model", time.perf_counter()))
x = np.zeros((64, 24, 24, 3), np.float32)
model.predict_on_batch(x)
marks.append(("first predict_on_batch (tracing)", time.perf_counter()))
model.predict_on_batch(x)
marks.append(("second predict_on_batch", time.perf_counter()))
print(json.dumps({name: marks[i][1] - marks[i - 1][1] for i, (name, _) in enumerate(marks) if i}))
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def measure_parts(model_path: str, rounds: int) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(rounds):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        best["interpreter start and exit"] = min(best.get("interpreter start and exit", 1e9),
                                                 time.perf_counter() - began)
        out = subprocess.run([sys.executable, "-c", PARTS_SCRIPT, model_path], capture_output=True, text=True,
                             check=True).stdout
        for name, seconds in json.loads(out.strip().splitlines()[-1]).items():
            best[name] = min(best.get(name, 1e9), seconds)
    return best


def pss_mb(pids: list[int]) -> float:
    import psutil

    values = [psutil.Process(pid).memory_full_info().pss / 2**20 for pid in pids]
    return sum(values) / len(values)


def measure_pools(model_path: str) -> list[tuple[str, float, float]]:
    import keras
    import numpy as np

    from diagnose.bench.workloads import decode_and_augment
    from diagnose.parallel import ParallelPredictor, protocol
    from diagnose.parallel.pool import WorkerPool

    keras.saving.load_model(model_path, compile=False).predict_on_batch(np.zeros((64, 24, 24, 3), np.float32))
    raw = np.random.default_rng(0).integers(0, 256, (256, 48, 48, 3), dtype=np.uint8)
    rows = []
    for label, method in (("spawn, model workers", "spawn"), ("forkserver (cold), model workers", "forkserver"),
                          ("forkserver (warm), model workers", "forkserver")):
        began = time.perf_counter()
        with ParallelPredictor(model_path, workers=2, batch_size=64, preprocess=decode_and_augment,
                               start_method=method) as pool:
            ready = time.perf_counter() - began
            pool.predict(raw)
            rows.append((label, ready, pss_mb(pool.worker_pids())))
    settings = lambda log: protocol.WorkerSettings(None, decode_and_augment, 64, 1, log)  # noqa: E731
    pool = WorkerPool(settings, workers=2, start_method="spawn", start_timeout=120, job_timeout=None, retry_lost=False)
    began = time.perf_counter()
    pool.start()
    ready = time.perf_counter() - began
    rows.append(("spawn, preprocessing workers (predict_chunked)", ready, pss_mb(pool.pids())))
    pool.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from diagnose.bench.workloads import build_small_head

    with tempfile.TemporaryDirectory() as scratch:
        model_path = os.path.join(scratch, "head.keras")
        build_small_head().save(model_path)
        print(uptime())
        parts = measure_parts(model_path, args.rounds)
        print(f"\nparts of a worker's start-up, fresh interpreter each, best of {args.rounds}:")
        for name, seconds in parts.items():
            print(f"  {name:<36} {seconds:7.2f} s")
        print(f"\npools of 2 workers, from a process holding TF and the model; {uptime()}")
        print(f"  {'route':<48} {'ready after':>11} {'PSS/worker':>11}")
        for label, ready, pss in measure_pools(model_path):
            print(f"  {label:<48} {ready:9.2f} s {pss:8.0f} MB")
        print(uptime())


if __name__ == "__main__":
    main()
