"""DLK402."""

from collections.abc import Iterator

from diagnose.lint.events import QueueOp
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind


class JoinableMethodOnPlainQueue(Rule):
    """
    ## What it does
    Finds `.join()` or `.task_done()` called on a `multiprocessing.Queue` (or `SimpleQueue`), also
    when the queue reaches a worker function through its parameters.

    ## Why is this bad?
    Only `multiprocessing.JoinableQueue` has `join()` and `task_done()`. The call raises
    `AttributeError`; in a worker the worker dies, and the parent then hangs at exit joining workers
    that are blocked in `get()` (measured).

    ## Example
    ```python
    import multiprocessing

    def work(tasks):
        while True:
            item = tasks.get()
            if item is None:
                break
            tasks.task_done()

    if __name__ == "__main__":
        tasks = multiprocessing.Queue()
        p = multiprocessing.Process(target=work, args=(tasks,))
        p.start()
        tasks.put(1)
        tasks.put(None)
        tasks.join()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(tasks):
        while True:
            item = tasks.get()
            tasks.task_done()
            if item is None:
                break

    if __name__ == "__main__":
        tasks = multiprocessing.JoinableQueue()
        p = multiprocessing.Process(target=work, args=(tasks,))
        p.start()
        tasks.put(1)
        tasks.put(None)
        tasks.join()
        p.join()
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#multiprocessing.JoinableQueue
    """

    code = "DLK402"
    name = "joinable-method-on-plain-queue"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for op in facts.of(QueueOp):
            if op.op in ("join", "task_done") and op.queue.kind is Kind.MP_QUEUE:
                yield Report(op.node, f"`multiprocessing.Queue` has no `{op.op}()` (AttributeError); "
                                      "use `multiprocessing.JoinableQueue`")
