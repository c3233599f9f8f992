"""DLK405."""

from collections.abc import Iterator

from diagnose.lint.events import Spawn
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.syntax import forever_loops_without_exit
from diagnose.lint.workers import function_of


class InitializerNeverReturns(Rule):
    """
    ## What it does
    Finds a `Pool`/`ProcessPoolExecutor` whose `initializer` loops forever: a worker loop disguised
    as an initializer, as in `Pool(4, worker, (in_q, out_q))`.

    ## Why is this bad?
    The pool considers a worker started only when its initializer returns. A worker loop used as one
    never finishes initialising, so the pool's own tasks never run; when an item makes it raise, the
    pool silently starts a replacement, the item is lost and the parent waits forever on the result
    queue.

    ## Example
    ```python
    import multiprocessing

    def worker(tasks, results):
        while True:
            results.put(tasks.get() * 2)

    if __name__ == "__main__":
        tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
        pool = multiprocessing.Pool(2, worker, (tasks, results))
        tasks.put(1)
        print(results.get())
        pool.terminate()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def double(item):
        return item * 2

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            print(pool.map(double, [1]))
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#multiprocessing.pool.Pool
    """

    code = "DLK405"
    name = "initializer-never-returns"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for event in facts.of(Spawn):
            init = function_of(event.initializer)
            if init is None:
                continue
            if forever_loops_without_exit(init.node, facts.index.imports, facts.reads_queue):
                yield Report(event.node, f"initializer `{init.name}` never returns: the workers never start "
                                         "taking tasks and a failing item is silently lost; make it a task function")
