"""DLK401."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.drain import partial_drain
from diagnose.lint.events import Join, QueueOp, Spawn
from diagnose.lint.payload import put_runs_once, small_message
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind, Value

MP_QUEUES = {Kind.MP_QUEUE, Kind.JOINABLE_QUEUE}


class JoinBeforeDrain(Rule):
    """
    ## What it does
    Finds `p.join()` on a process that puts results on a `multiprocessing.Queue` which the parent
    reads only after that join.

    ## Why is this bad?
    A process that put data on a queue does not exit until a feeder thread has written all of it
    into the underlying pipe, and the pipe holds 64 KiB. With more than that in flight the child
    waits for the parent to read, and the parent waits in `join()` for the child: a deadlock
    (measured: 65,518 bytes pass, 65,538 hang). Small test data passes; production data hangs.
    Workers whose every `put` runs once and puts a constant, a number or a short message built from
    constants and `str()`-style calls cannot fill the pipe, and are not reported; nor is
    `join(timeout)`, which returns when the time is up.

    Reading before the join is not enough when the read loop can end while the process still puts: it
    stops as soon as the queue is momentarily empty (`while not q.empty():`, `get_nowait()` until
    `Empty`), or on a stop signal shared with the process (`stop.is_set()`: a producer past its last
    check still puts). That is reported too, unless another read may take everything (a count, a
    sentinel per producer), the drain checks `is_alive()`, or the process calls
    `cancel_join_thread()`. A loop that gives up after a `get(timeout=...)` finds nothing is a race
    with a wider window, and is not reported.

    ## Example
    ```python
    import multiprocessing

    def work(out):
        out.put(b"x" * 100_000)

    if __name__ == "__main__":
        results = multiprocessing.Queue()
        p = multiprocessing.Process(target=work, args=(results,))
        p.start()
        p.join()
        data = results.get()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(out):
        out.put(b"x" * 100_000)

    if __name__ == "__main__":
        results = multiprocessing.Queue()
        p = multiprocessing.Process(target=work, args=(results,))
        p.start()
        data = results.get()
        p.join()
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#programming-guidelines ("Joining processes that use queues")
    """

    code = "DLK401"
    name = "join-before-drain"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        ops = list(facts.of(QueueOp))
        for join in facts.of(Join):
            if join.after_terminate or _bounded(join.node):
                continue
            process = join.process
            filled = {id(op.queue) for op in ops
                      if op.worker_of is process and op.op in ("put", "put_nowait") and op.queue.kind in MP_QUEUES}
            reads = [op for op in ops if op.in_child == join.in_child and id(op.queue) in filled
                     and op.op in ("get", "get_nowait")]
            if join.in_child and not any(op.seq < join.seq for op in reads):
                continue  # a child's own children: judged only by the reads before the join, below
            if reads and all(op.seq > join.seq for op in reads) and not self._short_messages(facts, ops, filled):
                yield Report(join.node, "process joined before the queue it fills is read: once more than 64 KiB is "
                                        "queued the child cannot exit and `join()` waits forever; get() the results first")
            elif reads and (why := partial_drain(facts, ops, join, filled)) and not self._short_messages(facts, ops, filled):
                yield Report(join.node, f"process joined after a read loop that {why}: the process may still "
                                        "put, and once more than 64 KiB is unread it cannot exit and `join()` waits "
                                        "forever; read until every process has sent a last item (a sentinel) or "
                                        "check `is_alive()` while draining")

    @staticmethod
    def _short_messages(facts: ModuleFacts, ops: list[QueueOp], filled: set[int]) -> bool:
        """Whether every put on the filled queues is one short message from its worker's own body."""
        targets: dict[int, Value | None] = {id(s.value): s.target for s in facts.of(Spawn)}
        puts = [op for op in ops if id(op.queue) in filled and op.op in ("put", "put_nowait")]
        for op in puts:
            target = targets.get(id(op.worker_of)) if op.worker_of is not None else None
            function = target.info.node if target is not None and target.kind is Kind.FUNCTION else None
            args = getattr(op.node, "args", [])
            if function is None or not args or not put_runs_once(function, op.node) \
                    or not small_message(function, args[0]):
                return False
        return bool(puts)


def _bounded(call: ast.AST) -> bool:
    """``join(5)`` / ``join(timeout=5)``: it gives up when the time is up (``None`` waits forever)."""
    given = [*getattr(call, "args", [])[:1], *(k.value for k in getattr(call, "keywords", []) if k.arg == "timeout")]
    return any(not (isinstance(v, ast.Constant) and v.value is None) for v in given)
