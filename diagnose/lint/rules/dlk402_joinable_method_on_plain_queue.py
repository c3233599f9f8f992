"""DLK402."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import QueueOp
from diagnose.lint.fix.build import between, end_of, replace
from diagnose.lint.fix.imports import binding_import, extend_from_import
from diagnose.lint.fix.model import SAFE, UNSAFE, Fix
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind, Value

JOINABLE = "JoinableQueue"


def joinable_fix(facts: ModuleFacts, queue: Value, ops: set[str]) -> Fix | None:
    """The queue's creation (``multiprocessing.Queue()``, ``ctx.Queue()``, ``Queue()`` imported from
    multiprocessing) made a ``JoinableQueue``, when it is made in this module and ``task_done()`` is called
    on it. Safe when nothing joins it; unsafe when something does: ``join()`` then waits for one
    ``task_done()`` per ``put()``, and a worker that leaves on its sentinel without one hangs it. Without
    any ``task_done()``, ``join()`` would wait forever: no fix."""
    node = queue.node
    if "task_done" not in ops or not isinstance(node, ast.Call) or queue.origin is not None \
            or id(node) not in facts.index.node_ids:
        return None
    applicability = UNSAFE if "join" in ops else SAFE
    message = f"create a `multiprocessing.{JOINABLE}`" + (
        "; `join()` then waits for a `task_done()` per item, sentinels included" if "join" in ops else "")
    func = node.func
    if isinstance(func, ast.Attribute):
        row, column = end_of(func)
        name = between(facts.lines, (row, column - len(func.attr)), (row, column), JOINABLE)
        return Fix(applicability, message, (name,))
    if not isinstance(func, ast.Name):
        return None
    edits = [replace(facts.lines, func, JOINABLE)]
    if facts.index.imports.get(JOINABLE, "").rpartition(".")[2] != JOINABLE:
        statement = binding_import(facts.index.tree, func.id)
        extended = extend_from_import(facts.lines, statement, JOINABLE) if statement is not None else None
        if extended is None:
            return None
        edits.append(extended)
    return Fix(applicability, message, tuple(edits))


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
    fixability = "unsafe"
    fix_how = ("the queue's creation (`multiprocessing.Queue()`, `ctx.Queue()`, `Queue()`) becomes "
               "`JoinableQueue()` (the import extended) when `task_done()` is called on it: safe when nothing "
               "`join()`s it, unsafe when something does (`join()` waits for a `task_done()` per item, sentinels "
               "included). Not offered for `join()` without any `task_done()`: it would wait forever.")

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        ops: dict[int, set[str]] = {}
        for op in facts.of(QueueOp):
            ops.setdefault(id(op.queue), set()).add(op.op)
        for op in facts.of(QueueOp):
            if op.op in ("join", "task_done") and op.queue.kind is Kind.MP_QUEUE:
                yield Report(op.node, f"`multiprocessing.Queue` has no `{op.op}()` (AttributeError); "
                                      "use `multiprocessing.JoinableQueue`",
                             fix=joinable_fix(facts, op.queue, ops[id(op.queue)]))
