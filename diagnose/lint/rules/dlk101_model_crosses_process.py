"""DLK101."""

from collections.abc import Iterator

from diagnose.lint.events import Spawn, Submit
from diagnose.lint.finding import Severity
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Value, pickled_holders, split_held


class ModelCrossesProcess(Rule):
    """
    ## What it does
    Finds a Keras/TensorFlow model handed across a process boundary: in `Process(args=...)`, a pool's
    `initargs`, or the arguments of `Pool.map`/`apply_async`/`executor.submit` (directly, in a list,
    a tuple, `zip`, `[model] * n`, `itertools.repeat` or through `functools.partial`). An object of the
    project's own classes that holds a model (`args=(self.net,)` where `self.net.model` is one) counts
    when it is pickled (spawn/forkserver, unless its class defines `__getstate__`/`__reduce__`) or when the
    forked worker runs the model through it; a forked worker that only calls its Python methods inherits the
    model untouched.

    ## Why is this bad?
    Under the `fork` start method the child inherits a TensorFlow runtime whose thread pools did not
    survive the fork: the first prediction (or unpickling the model) waits forever at 0% CPU. Under
    `spawn`/`forkserver` it works, but the whole model is pickled and rebuilt for every task, which
    usually costs more than the prediction (reported as a warning).

    ## Example
    ```python
    import multiprocessing
    from tensorflow import keras

    def score(model, chunk):
        return model.predict(chunk)

    if __name__ == "__main__":
        model = keras.models.load_model("model.keras")
        chunks = [[1.0], [2.0]]
        with multiprocessing.Pool(2) as pool:
            pool.starmap(score, zip([model] * 2, chunks))
    ```

    ## Use instead
    ```python
    import multiprocessing

    _model = None

    def load(path):
        global _model
        from tensorflow import keras
        _model = keras.models.load_model(path)

    def score(chunk):
        return _model.predict(chunk)

    if __name__ == "__main__":
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(2, initializer=load, initargs=("model.keras",)) as pool:
            pool.map(score, [[1.0], [2.0]])
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods
    - https://github.com/tensorflow/tensorflow/issues/5448
    """

    code = "DLK101"
    name = "model-crosses-process"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for event in facts.of(Spawn):
            if self._crosses(event.handed, event.value, event.start_method, event.tf_started is not None):
                how = "in `initargs`" if event.initializer is not None else "at creation"
                yield self._report(event.node, event.start_method, event.tf_started is not None, how, per_task=False)
        for event in facts.of(Submit):
            pool = event.pool
            forked_late = pool.start_method == "fork" and self._pool_forked_after_tf(facts, pool)
            if self._crosses(event.handed, pool, pool.start_method or "fork", forked_late):
                yield self._report(event.node, pool.start_method or "fork", forked_late, f"to `{event.method}`",
                                   per_task=True)

    @staticmethod
    def _crosses(handed: list[Value], boundary: Value, start_method: str, forked_late: bool) -> bool:
        """A model is handed as such; or an object of the project holding one is handed, and either the worker
        runs TF after a fork from a started runtime (it hangs), or the object is pickled (spawn/forkserver) by
        default (a class with ``__getstate__``/``__reduce__`` decides itself what is pickled). A forked child
        that only runs the object's Python methods inherits the model untouched: nothing hangs."""
        direct, held = split_held(handed)
        if direct:
            return True
        if not held:
            return False
        if start_method == "fork":
            return forked_late and boundary.worker_ran_tf
        return bool(pickled_holders(handed, held))

    @staticmethod
    def _pool_forked_after_tf(facts: ModuleFacts, pool) -> bool:
        return any(s.value is pool and s.tf_started is not None for s in facts.of(Spawn))

    def _report(self, node, start_method: str, hangs: bool, how: str, per_task: bool) -> Report:
        if start_method == "fork" and hangs:
            return Report(node, f"Keras model handed to a forked worker {how}: the child inherits a TF runtime "
                                "without its threads and hangs; load the model in the worker (spawn + initializer)")
        if per_task:
            return Report(node, f"Keras model handed to a worker {how} ({start_method}): it is pickled and rebuilt "
                                "for every task; load it once per worker in a pool initializer", Severity.WARNING)
        return Report(node, f"Keras model handed to a worker {how} ({start_method}): it is pickled, sent and rebuilt "
                            "in each new process (large, slow, and lost custom objects); hand the worker the model's "
                            "path and load it there", Severity.WARNING)
