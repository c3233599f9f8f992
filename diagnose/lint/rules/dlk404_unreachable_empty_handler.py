"""DLK404."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.fix.build import end_of, insert, replace
from diagnose.lint.fix.model import UNSAFE, Edit, Fix
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.syntax import (
    blocking_gets_beside_nonblocking,
    is_blocking_get,
    is_queue_get,
    unreachable_empty_handlers,
)

TIMEOUT = "1.0"


def _with_timeout(lines: list[str], get: ast.Call) -> Edit:
    """``get()`` -> ``get(timeout=1.0)``; a ``timeout=None`` (or a positional ``None``) gets the number."""
    timeout = get.args[1] if len(get.args) > 1 else next((k.value for k in get.keywords if k.arg == "timeout"), None)
    if timeout is not None:
        return replace(lines, timeout, TIMEOUT)
    arguments = [*get.args, *get.keywords]
    if arguments:
        return insert(lines, max(end_of(a) for a in arguments), f", timeout={TIMEOUT}")
    row, column = end_of(get)
    return insert(lines, (row, column - 1), f"timeout={TIMEOUT}")  # before the closing parenthesis


def timeout_fix(lines: list[str], gets: list[ast.Call]) -> Fix:
    """Give blocking gets a timeout, so the ``except queue.Empty`` beside them can run. Unsafe: the code
    then gives up after a second without an item where it used to wait."""
    return Fix(UNSAFE, f"wait at most {TIMEOUT} s in `get()`, so `queue.Empty` can be raised",
               tuple(_with_timeout(lines, get) for get in gets))


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
    fixability = "unsafe"
    fix_how = (f"the blocking `get()` calls in the `try` get `timeout={TIMEOUT}` (a `timeout=None` becomes "
               f"{TIMEOUT}), so the handler runs once the queue stays empty that long. Unsafe: where the code "
               "waited for a slow producer, it now gives up after a second.")

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        tries = facts.index.by_type[ast.Try]
        for handler in unreachable_empty_handlers(tries, facts.index.imports, facts.reads_queue):
            statement = next(t for t in tries if handler in t.handlers)  # type: ignore[attr-defined]
            gets = [n for stmt in statement.body for n in ast.walk(stmt)  # type: ignore[attr-defined]
                    if is_queue_get(n) and is_blocking_get(n) and facts.reads_queue(n)]  # type: ignore[arg-type]
            yield Report(handler, "`queue.Empty` is never raised by a `get()` without a timeout: this handler "
                                  "cannot run; use `get(timeout=...)` or a sentinel",
                         fix=timeout_fix(facts.lines, gets) if gets else None)
        for call in blocking_gets_beside_nonblocking(tries, facts.index.imports, facts.reads_queue):
            yield Report(call, "this `get()` has no timeout: the `except queue.Empty` of its `try` only serves the "
                               "non-blocking reads beside it, and this one waits forever on an empty queue; "
                               "use `get(timeout=...)`", fix=timeout_fix(facts.lines, [call]))
