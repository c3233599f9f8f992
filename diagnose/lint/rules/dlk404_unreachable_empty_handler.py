"""DLK404."""

import ast
from collections.abc import Iterator

from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.syntax import blocking_gets_beside_nonblocking, unreachable_empty_handlers


class UnreachableEmptyHandler(Rule):
    """
    ## What it does
    Finds `except queue.Empty` around a queue `get()` that blocks with no timeout (`get()`,
    `get(True)`, `get(block=True)`).

    ## Why is this bad?
    A blocking `get()` never raises `queue.Empty`: it waits. The handler, usually the loop's only
    way out, can never run, so the worker blocks forever once the queue is drained (measured:
    results arrive, then the program hangs at exit joining the workers).

    ## Example
    ```python
    import queue

    def drain(tasks):
        while True:
            try:
                item = tasks.get()
            except queue.Empty:
                break
    ```

    ## Use instead
    ```python
    import queue

    def drain(tasks):
        while True:
            try:
                item = tasks.get(timeout=1.0)
            except queue.Empty:
                break
    ```

    ## References
    - https://docs.python.org/3/library/queue.html#queue.Queue.get
    """

    code = "DLK404"
    name = "unreachable-empty-handler"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for handler in unreachable_empty_handlers(facts.index.by_type[ast.Try], facts.index.imports,
                                                  facts.reads_queue):
            yield Report(handler, "`queue.Empty` is never raised by a `get()` without a timeout: this handler "
                                  "cannot run; use `get(timeout=...)` or a sentinel")
        for call in blocking_gets_beside_nonblocking(facts.index.by_type[ast.Try], facts.index.imports,
                                                     facts.reads_queue):
            yield Report(call, "this `get()` has no timeout: the `except queue.Empty` of its `try` only serves the "
                               "non-blocking reads beside it, and this one waits forever on an empty queue; "
                               "use `get(timeout=...)`")
