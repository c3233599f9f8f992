"""The worker process: load the model once (if it has one), then run jobs from the task pipe until ``STOP``.

A worker without a model only runs ``preprocess`` and returns the prepared batches: it never
imports TensorFlow, so it starts in a fraction of a second.

A reader thread moves tasks from the pipe into a local queue at once, so the parent's ``send``
never waits for a busy worker (and can always get back to reading results).
"""

from __future__ import annotations

import faulthandler
import os
import queue
import signal
import threading
from multiprocessing.connection import Connection
from typing import Any

from diagnose.parallel import protocol
from diagnose.parallel.inference import predict_rows, prepared_batches
from diagnose.parallel.shared import AttachedSegments


def worker_main(settings: protocol.WorkerSettings, tasks: Connection, results: Connection) -> None:
    """Entry point of a spawned worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    with open(settings.crash_log, "w") as crash_log:
        faulthandler.enable(file=crash_log, all_threads=True)
        try:
            model = None
            if settings.load_model is not None:
                limit_tf_threads(settings.threads)
                model = settings.load_model()
        except BaseException as error:
            results.send((protocol.START_FAILED, None, protocol.Failure.of(error)))
            return
        results.send((protocol.READY, None, os.getpid()))
        _serve(model, settings, tasks, results)


def limit_tf_threads(threads: int) -> None:
    """workers x threads <= cores: one intra-op pool of ``threads``, inter-op 1."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # the runtime already started (TF ops at import time of __main__)
        pass


def _serve(model: Any, settings: protocol.WorkerSettings, tasks: Connection, results: Connection) -> None:
    inbox: queue.Queue[protocol.Job | None] = queue.Queue()
    outbox: queue.Queue[tuple | None] = queue.Queue()
    threading.Thread(target=_read_tasks, args=(tasks, inbox), daemon=True).start()
    sender = threading.Thread(target=_send_results, args=(outbox, results), daemon=True)
    sender.start()
    segments = AttachedSegments()
    while (job := inbox.get()) is not protocol.STOP and sender.is_alive():
        try:
            result = _run_job(model, settings, segments, job.payload)
        except BaseException as error:
            outbox.put((protocol.FAILED, job.job_id, protocol.Failure.of(error)))
        else:
            outbox.put((protocol.DONE, job.job_id, result))
    outbox.put(None)
    sender.join()


def _send_results(outbox: queue.Queue, results: Connection) -> None:
    """Send replies from their own thread: a large one drains into the pipe while the next job runs."""
    while (reply := outbox.get()) is not None:
        try:
            results.send(reply)
        except (BrokenPipeError, OSError):  # the parent is gone
            return


def _read_tasks(tasks: Connection, inbox: queue.Queue) -> None:
    while True:
        try:
            job = tasks.recv()
        except (EOFError, OSError):  # the parent closed the pipe or died
            job = protocol.STOP
        inbox.put(job)
        if job is protocol.STOP:
            return


def _run_job(model: Any | None, settings: protocol.WorkerSettings, segments: AttachedSegments, payload: Any) -> Any:
    if not isinstance(payload, protocol.ChunkRef):
        return predict_rows(model, payload, settings.batch_size, settings.preprocess)
    rows = segments.array(payload.source)[payload.start:payload.stop]
    if model is None:
        return list(prepared_batches(rows, settings.batch_size, settings.preprocess))
    predictions = predict_rows(model, rows, settings.batch_size, settings.preprocess)
    if payload.target is None:
        return predictions
    segments.array(payload.target)[payload.start:payload.stop] = predictions
    return None
