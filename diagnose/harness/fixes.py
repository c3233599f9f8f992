"""What to do about each cause the harness names: one line per DLK rule, printed under the
verdict with a pointer to the rule's full page (``predlint rule DLKnnn``)."""

from __future__ import annotations

FIXES: dict[str, str] = {
    "DLK101": "load the model inside each worker (a spawn-context pool initializer) and send it only data",
    "DLK102": "keep the generator in the parent and send workers its batches (pool.imap over it)",
    "DLK103": "pass a module-level function: lambdas, nested functions and local classes cannot be pickled",
    "DLK104": "use a multiprocessing.Queue (or a Manager().Queue()) between processes, not queue.Queue",
    "DLK201": "start workers with multiprocessing.get_context('spawn') and build or load the model in each worker",
    "DLK202": "start workers with multiprocessing.get_context('spawn') so they never inherit TF state",
    "DLK301": "in Keras 3 call fit/predict/evaluate with a keras.utils.PyDataset; drop workers=/use_multiprocessing=",
    "DLK302": "feed a keras.utils.Sequence (or set use_multiprocessing=False) so no row is repeated or lost",
    "DLK303": "set use_multiprocessing=False (threads) or feed a tf.data pipeline",
    "DLK401": "read every result from the queue before join()ing the process that fills it",
    "DLK402": "use multiprocessing.JoinableQueue for join()/task_done()",
    "DLK403": "end the worker loop on a sentinel: put one None per worker and break when get() returns it",
    "DLK404": "call get(timeout=...) so queue.Empty can be raised, or drop the unreachable handler",
    "DLK405": "let the initializer return; run the work loop as a task or a Process target",
    "DLK501": "create pools and processes under if __name__ == '__main__':",
    "DLK502": "use the pool in a with block, or close() and join() it",
    "DLK503": "keep the AsyncResult and call .get() on it, so errors and lost tasks surface",
}

NO_RULE_FIXES: dict[str, str] = {
    "hung: lost pool worker": "use concurrent.futures.ProcessPoolExecutor: a dead worker raises "
    "BrokenProcessPool instead of losing its task",
}


def fix_for(cause: str | None, what: str) -> str | None:
    """The one-line fix for a verdict's cause (or, for a hang no rule names, its kind)."""
    if cause is not None:
        return FIXES.get(cause)
    return NO_RULE_FIXES.get(what)
