"""DLK403."""

import ast
from collections.abc import Iterator

from diagnose.lint.index import own_nodes
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.syntax import forever_loops_without_exit, is_blocking_get
from diagnose.lint.workers import worker_functions


class WorkerLoopWithoutExit(Rule):
    """
    ## What it does
    Finds a `while True:` loop in a worker (a `Process` target, a pool task or initializer, or the
    `run` method of a `Process` subclass) that blocks in `get()` and has no `break`, `return` or
    sentinel check to leave it.

    ## Why is this bad?
    When the work runs out the worker blocks in `get()` forever. The parent's `join()` never returns,
    and even without a join the interpreter hangs at exit joining its non-daemon children (measured).
    An `except queue.Empty: break` around a blocking `get()` does not count: it can never run.

    ## Example
    ```python
    import multiprocessing

    def work(tasks, results):
        while True:
            item = tasks.get()
            results.put(item * 2)

    if __name__ == "__main__":
        tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
        p = multiprocessing.Process(target=work, args=(tasks, results))
        p.start()
        tasks.put(1)
        print(results.get())
        p.join()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(tasks, results):
        while True:
            item = tasks.get()
            if item is None:
                break
            results.put(item * 2)

    if __name__ == "__main__":
        tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
        p = multiprocessing.Process(target=work, args=(tasks, results))
        p.start()
        tasks.put(1)
        tasks.put(None)
        print(results.get())
        p.join()
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#programming-guidelines
    """

    code = "DLK403"
    name = "worker-loop-without-exit"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for func in worker_functions(facts):
            for loop in forever_loops_without_exit(func.node, facts.index.imports, facts.reads_queue):
                if any(is_blocking_get(n) for n in ast.walk(loop)) and _not_in_nested(func.node, loop):
                    yield Report(loop, f"worker `{func.name}` loops on a blocking `get()` with no way out: it never "
                                       "exits and the parent's `join()` hangs; stop on a sentinel (e.g. `None`)")


def _not_in_nested(func: ast.AST, loop: ast.AST) -> bool:
    return any(node is loop for node in own_nodes(func))
