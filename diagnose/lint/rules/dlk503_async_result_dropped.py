"""DLK503."""

import ast
from collections.abc import Iterator

from diagnose.lint.events import Submit
from diagnose.lint.finding import Severity
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.scopes import enclosing_scope, parent_map

ASYNC_METHODS = {"apply_async", "map_async", "starmap_async"}


def _bound_to_unread_name(facts: ModuleFacts, call: ast.AST) -> bool:
    """``res = pool.apply_async(...)`` where nothing in the scope ever reads ``res``."""
    parents = parent_map(facts.index.tree)
    statement = parents.get(call)
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)):
        return False
    name = statement.targets[0].id
    scope = enclosing_scope(parents, call)
    return not any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(scope))


class AsyncResultDropped(Rule):
    """
    ## What it does
    Finds `apply_async`/`map_async`/`starmap_async` calls whose `AsyncResult` is thrown away and that
    have no `error_callback`.

    ## Why is this bad?
    An exception in the worker is stored in the `AsyncResult` and raised only by its `get()`. With the
    result dropped, a failing task (an exception, a `MemoryError`) vanishes without a trace, and a
    producer that waits for its output on a queue waits forever.

    ## Example
    ```python
    import multiprocessing

    def work(x):
        return 1 / x

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            for x in range(3):
                pool.apply_async(work, (x,))
            pool.close()
            pool.join()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(x):
        return 1 / x

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            pending = [pool.apply_async(work, (x,)) for x in range(1, 3)]
            results = [p.get(timeout=60) for p in pending]
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#multiprocessing.pool.AsyncResult
    """

    code = "DLK503"
    name = "async-result-dropped"
    severity = Severity.WARNING

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for event in facts.of(Submit):
            dropped = event.discarded or _bound_to_unread_name(facts, event.node)
            if event.method in ASYNC_METHODS and dropped and "error_callback" not in event.keywords:
                yield Report(event.node, f"result of `{event.method}` is discarded: an exception in the worker "
                                         "vanishes silently; keep the AsyncResult and call `get()`, or pass "
                                         "`error_callback`")
