"""DLK104."""

from collections.abc import Iterator

from diagnose.lint.events import Spawn, Submit
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind


class ThreadQueueToProcess(Rule):
    """
    ## What it does
    Finds a `queue.Queue` (or `SimpleQueue`, `LifoQueue`, `PriorityQueue`) handed to a child
    process: as a `Process` argument, a pool `initargs` entry or a task argument.

    ## Why is this bad?
    A thread queue lives in one process's memory. A forked child gets a private copy: what it puts
    never reaches the parent, whose `get()` waits forever. Under spawn, or through a pool, pickling
    it fails with `TypeError: cannot pickle '_thread.lock' object`.

    ## Example
    ```python
    import multiprocessing
    import queue

    def work(out):
        out.put(42)

    if __name__ == "__main__":
        results = queue.Queue()
        p = multiprocessing.Process(target=work, args=(results,))
        p.start()
        print(results.get())
        p.join()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(out):
        out.put(42)

    if __name__ == "__main__":
        results = multiprocessing.Queue()
        p = multiprocessing.Process(target=work, args=(results,))
        p.start()
        print(results.get())
        p.join()
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#exchanging-objects-between-processes
    """

    code = "DLK104"
    name = "thread-queue-to-process"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        handovers = [(e.node, e.handed) for e in facts.of(Spawn)] + [(e.node, e.handed) for e in facts.of(Submit)]
        for node, handed in handovers:
            queues = [v for v in handed if v.kind is Kind.THREAD_QUEUE]
            if queues:
                name = (queues[0].qualname or "queue.Queue").replace("multiprocessing.dummy", "queue")
                yield Report(node, f"`{name}` handed to a child process: the child gets a copy, nothing it puts "
                                   "reaches the parent (or pickling fails); use `multiprocessing.Queue`")
