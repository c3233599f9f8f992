"""DLK401."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import Join, QueueOp, Spawn
from diagnose.lint.payload import put_runs_once, small_message
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.scopes import enclosing_scope, parent_map
from diagnose.lint.syntax import catches_empty
from diagnose.lint.values import Kind, Value

MP_QUEUES = {Kind.MP_QUEUE, Kind.JOINABLE_QUEUE}
LOOPS = (ast.For, ast.AsyncFor, ast.While)
NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
LIVENESS = {"is_alive", "exitcode", "active_children", "sentinel", "wait"}  # the parent sees the producers end
SIGNALS = {"is_set", "empty", "qsize", "full", "poll"}  # a stop signal's question: `stop.is_set()`
EMPTY = "stops reading as soon as the queue is momentarily empty"
STOP = "stops reading on a stop signal it shares with the process"


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
            elif reads and (why := _partial_drain(facts, ops, join, filled)) and not self._short_messages(facts, ops, filled):
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



def _partial_drain(facts: ModuleFacts, ops: list[QueueOp], join: Join, filled: set[int]) -> str | None:
    """Why the reads before ``join`` may leave the process's items unread, when they all sit in the join's
    function, each in a loop the parent leaves before the process is known to be done (when the queue is
    momentarily empty, or on a stop signal shared with the process) or in a ``while True:`` left only by an
    exception, at least one of the first kind. None when any read may read everything (a count, a sentinel)
    or the process cancels its queue's join thread (its exit does not wait for the items)."""
    parents = parent_map(facts.index.tree)
    scope = enclosing_scope(parents, join.node)
    before = [op for op in ops if op.in_child == join.in_child and id(op.queue) in filled
              and op.op in ("get", "get_nowait") and op.seq < join.seq]
    spawn = next((s for s in facts.of(Spawn) if s.value is join.process), None)
    if not before or spawn is None or _cancels_join_thread(spawn):
        return None
    shared = {n.id for n in ast.walk(spawn.node) if isinstance(n, ast.Name)}
    reasons = []
    for op in before:
        if enclosing_scope(parents, op.node) is not scope:
            return None
        why = _why_partial(facts, parents, scope, op.node, shared)
        if why is None:
            return None
        reasons.append(why)
    return next((why for why in reasons if why), None)


def _cancels_join_thread(spawn: Spawn) -> bool:
    target = spawn.target.info.node if spawn.target is not None and spawn.target.kind is Kind.FUNCTION else None
    return target is not None and any(isinstance(n, ast.Attribute) and n.attr == "cancel_join_thread"
                                      for n in ast.walk(target))


def _why_partial(facts: ModuleFacts, parents: dict[ast.AST, ast.AST], scope: ast.AST, read: ast.AST,
                 shared: set[str]) -> str | None:
    """For one read: ``EMPTY`` or ``STOP`` when its loop ends that way, "" when its loop is a ``while True:``
    left only by an exception, None when it may read everything."""
    loops = []
    node = parents.get(read)
    while node is not None and node is not scope:
        if isinstance(node, NESTED):
            return None
        if isinstance(node, LOOPS):
            loops.append(node)
        node = parents.get(node)
    if not loops or any(_names_attr(loop, LIVENESS) for loop in loops):
        return None
    loop = loops[0]
    receiver = ast.unparse(read.func.value) if isinstance(read, ast.Call) and isinstance(read.func, ast.Attribute) \
        else None
    signals = shared - {receiver}
    guards: list[ast.AST] = [loop.test] if isinstance(loop, ast.While) else []
    exits = [n for n in _own(loop) if isinstance(n, (ast.Break, ast.Return))]
    if isinstance(loop, ast.While) and isinstance(loop.test, ast.Constant) and loop.test.value:
        if not exits:
            return ""  # left only by an exception
        guards = []
    elif not isinstance(loop, ast.While):
        return None  # a `for` loop: a count or an iterable, it may read everything
    nonblocking = False
    for exit_ in exits:
        node = parents.get(exit_)
        while node is not None and node is not loop:
            if isinstance(node, ast.If):
                guards.append(node.test)
            if isinstance(node, ast.ExceptHandler) and catches_empty(node, facts.index.imports):
                attempt = parents.get(node)
                gets = [n for n in ast.walk(attempt) if n is read] if isinstance(attempt, ast.Try) else []
                nonblocking = nonblocking or bool(gets) and _nonblocking(read)
            node = parents.get(node)
    if nonblocking or any(_asks(guard, {receiver}, {"empty", "qsize"}) for guard in guards):
        return EMPTY
    if any(_asks(guard, signals, SIGNALS) for guard in guards):
        return STOP
    return None


def _own(loop: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a loop's body that belong to it: not in nested loops or functions (a ``return`` counts)."""
    stack = list(getattr(loop, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, NESTED):
            continue
        if isinstance(node, LOOPS):
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.Return))
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _asks(test: ast.AST, names: set[str | None], attrs: set[str]) -> bool:
    """Whether a test calls or reads one of ``attrs`` on one of ``names`` (``not stop.is_set()``)."""
    return any(isinstance(n, ast.Attribute) and n.attr in attrs and ast.unparse(n.value) in names
               for n in ast.walk(test))


def _names_attr(node: ast.AST, attrs: set[str]) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in attrs or isinstance(n, ast.Name) and n.id in attrs
               for n in ast.walk(node))


def _nonblocking(read: ast.AST) -> bool:
    """``get_nowait()``, ``get(False)``, ``get(block=False)``: it raises Empty at once when nothing is there."""
    if not isinstance(read, ast.Call) or not isinstance(read.func, ast.Attribute):
        return False
    if read.func.attr == "get_nowait":
        return True
    block = read.args[0] if read.args else next((k.value for k in read.keywords if k.arg == "block"), None)
    return isinstance(block, ast.Constant) and block.value is False
