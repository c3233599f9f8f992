"""``RayPredictor``: the ``ParallelPredictor`` interface on Ray actors (``pip install 'predlint[ray]'``).

Ray is imported when a ``RayPredictor`` starts, never at import time. The input array goes into
Ray's shared-memory object store once (``ray.put``) and actors read it without a copy. Worth it
when Ray already runs the rest of the pipeline or spans several machines; on one machine
``ParallelPredictor`` starts faster and needs no extra daemons.
"""

from __future__ import annotations

import collections
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from diagnose.parallel.chunks import chunk_bounds, chunk_rows
from diagnose.parallel.errors import RemoteTraceback, WorkerDiedError, WorkerFailedError, WorkerStartError
from diagnose.parallel.inference import Preprocess, predict_rows
from diagnose.parallel.model_source import ModelFactory, ensure_picklable, model_loader
from diagnose.parallel.predictor import available_cores
from diagnose.parallel.protocol import Failure


class ModelHolder:
    """The body of one Ray actor: TF threads limited, model loaded once."""

    def __init__(self, load_model: Any, preprocess: Preprocess | None, batch_size: int, threads: int) -> None:
        from diagnose.parallel.worker import limit_tf_threads

        limit_tf_threads(threads)
        self._model = load_model()
        self._preprocess, self._batch_size = preprocess, batch_size

    def ready(self) -> bool:
        return True

    def predict(self, rows: Any, start: int = 0, stop: int | None = None) -> Any:
        return predict_rows(self._model, rows[start:stop], self._batch_size, self._preprocess)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ImportError("RayPredictor needs Ray: pip install 'predlint[ray]'") from exc
    return ray


class RayPredictor:
    """``workers`` Ray actors each holding the model; ``predict`` and ``predict_stream`` as in
    ``ParallelPredictor``. Starts a local Ray instance unless one is already initialised."""

    def __init__(
        self,
        model_factory: ModelFactory,
        *,
        workers: int = 2,
        preprocess: Preprocess | None = None,
        batch_size: int = 32,
        threads_per_worker: int | None = None,
    ) -> None:
        if workers < 1 or batch_size < 1:
            raise ValueError("workers and batch_size must be at least 1")
        if preprocess is not None:
            ensure_picklable(preprocess, "preprocess")
        self.workers, self.batch_size = workers, batch_size
        threads = threads_per_worker or max(1, available_cores() // workers)
        self._actor_args = (model_loader(model_factory), preprocess, batch_size, threads)
        self._actors: list[Any] = []
        self._owns_ray = False

    def __enter__(self) -> RayPredictor:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        if self._actors:
            return
        ray = _import_ray()
        if not ray.is_initialized():
            # A local instance on loopback; its workers see this process's sys.path, as spawned
            # processes do, so module-level factories and preprocess functions unpickle there.
            ray.init(
                num_cpus=max(self.workers, available_cores()),
                include_dashboard=False,
                log_to_driver=False,
                _node_ip_address="127.0.0.1",
                runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}},
            )
            self._owns_ray = True
        actor_class = ray.remote(num_cpus=1)(ModelHolder)
        self._actors = [actor_class.remote(*self._actor_args) for _ in range(self.workers)]
        try:
            ray.get([actor.ready.remote() for actor in self._actors])
        except ray.exceptions.RayError as exc:
            self.close()
            raise WorkerStartError(f"a Ray actor could not load the model: {exc}".splitlines()[0], str(exc)) from exc

    def close(self) -> None:
        ray = _import_ray()
        for actor in self._actors:
            ray.kill(actor)
        self._actors = []
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False

    def predict(self, x: np.ndarray, *, chunk_size: int | None = None) -> np.ndarray:
        """Predictions for every row of ``x``, in order; chunks go to the actors in turn."""
        ray = _import_ray()
        self.start()
        x = np.asarray(x)
        bounds = chunk_bounds(len(x), chunk_size or chunk_rows(len(x), self.workers, self.batch_size))
        shared = ray.put(x)
        futures = [
            self._actors[i % self.workers].predict.remote(shared, start, stop) for i, (start, stop) in enumerate(bounds)
        ]
        outputs = self._gather(futures, "chunk", lambda i: f"chunk {i} (rows {bounds[i][0]}:{bounds[i][1]})")
        return np.concatenate(outputs)

    def predict_stream(self, batches: Iterable[Any], *, max_pending: int | None = None) -> Iterator[Any]:
        """Predictions per batch, in order, at most ``max_pending`` batches in flight."""
        self.start()
        window = max_pending or 2 * self.workers
        pending: collections.deque[tuple[int, Any]] = collections.deque()
        for seq, batch in enumerate(batches):
            pending.append((seq, self._actors[seq % self.workers].predict.remote(batch)))
            if len(pending) >= window:
                yield self._gather_one(*pending.popleft())
        while pending:
            yield self._gather_one(*pending.popleft())

    def _gather_one(self, seq: int, future: Any) -> Any:
        (output,) = self._gather([future], "batch", lambda _: f"batch {seq}", first_id=seq)
        return output

    def _gather(self, futures: list[Any], unit: str, describe: Any, first_id: int = 0) -> list[Any]:
        """``ray.get`` every future; failures become ``WorkerFailedError``/``WorkerDiedError``."""
        ray = _import_ray()
        outputs, failed, died, trace, summary = [], [], [], None, ""
        for offset, future in enumerate(futures):
            try:
                outputs.append(ray.get(future))
            except ray.exceptions.RayTaskError as exc:
                failed.append(first_id + offset)
                trace = trace or str(exc)
                summary = summary or Failure.of(getattr(exc, "cause", None) or exc).summary
            except ray.exceptions.RayActorError:
                died.append(first_id + offset)
        if not failed and not died:
            return outputs
        lost = tuple(sorted(failed + died))
        names = ", ".join(describe(i - first_id) if unit == "chunk" else describe(i) for i in lost)
        if failed:
            raise WorkerFailedError(
                f"{names} failed in a Ray actor: {summary}", unit=unit, lost=lost, worker_pid=None, worker_traceback=trace
            ) from RemoteTraceback(trace)
        raise WorkerDiedError(
            f"a Ray actor died; lost {len(lost)} {unit}(s): {names}",
            exitcode=None, unit=unit, lost=lost, worker_pid=None,
        )
