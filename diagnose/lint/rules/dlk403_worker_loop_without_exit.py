"""DLK403."""

import ast
from collections.abc import Iterator

from diagnose.lint.events import Origin
from diagnose.lint.nodes import own_nodes
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.syntax import forever_loops_without_exit, is_blocking_get
from diagnose.lint.workers import is_process_run, worker_functions


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
        for func, started_at, waited in worker_functions(facts):
            owner = func.owner if func.owner is not None else facts.index
            for loop in forever_loops_without_exit(func.node, owner.imports, facts.reads_queue):
                if not (any(is_blocking_get(n) for n in ast.walk(loop)) and _not_in_nested(func.node, loop)):
                    continue
                hangs = "the parent's `join()` hangs" if waited else \
                    "the program cannot end (Python joins every non-daemon process at exit)"
                message = (f"worker `{func.name}` loops on a blocking `get()` with no way out: it never exits and "
                           f"{hangs}; stop on a sentinel (e.g. `None`)")
                if owner is facts.index:
                    yield Report(loop, message)
                    continue
                if is_process_run(func):
                    continue  # a ``Process`` subclass's ``run``: its own module reports the loop
                # the worker lives in another module of the project: reported where this module starts it
                project, path = facts.index.project, owner.path or ""
                origin = Origin(project.display(path) if project is not None else path, loop.lineno, func.name, path)
                yield Report(started_at, message, places=((origin, f"loop at {origin.place()}"),))


def _not_in_nested(func: ast.AST, loop: ast.AST) -> bool:
    return any(node is loop for node in own_nodes(func))
