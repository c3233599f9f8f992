"""DLK501."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import KerasCall, Spawn
from diagnose.lint.finding import Severity
from diagnose.lint.fix.build import insert
from diagnose.lint.fix.indent import indent
from diagnose.lint.fix.model import UNSAFE, Edit, Fix
from diagnose.lint.rule import PROCESS_PLACE, ModuleFacts, Report, Rule
from diagnose.lint.rules.dlk302_generator_with_multiprocessing import uses_multiprocessing, workers_given
from diagnose.lint.scopes import parent_map
from diagnose.lint.values import Kind

PROCESS_FED = {Kind.DATASET, Kind.KERAS_ITERATOR}  # data Keras 2 hands to worker processes it starts

KEPT = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
GUARD = 'if __name__ == "__main__":'


def _assigned(statements: list[ast.stmt]) -> set[str]:
    return {n.id for s in statements for n in ast.walk(s)
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}


def _spacing(lines: list[str], row: int) -> str:
    """The blank lines that make two before the new ``def`` when code precedes it (a comment right above
    stays attached to the moved code)."""
    blank = 0
    while row - 2 - blank >= 0 and not lines[row - 2 - blank].strip():
        blank += 1
    before = lines[row - 2 - blank].strip() if row - 2 - blank >= 0 else ""
    return "\n" * max(0, 2 - blank) if before and not (before.startswith("#") and blank == 0) else ""


def main_fix(facts: ModuleFacts, node: ast.AST) -> Fix | None:
    """The module-level statement that creates the process, and every statement after it, move into a
    ``def main():`` called under the main guard. Offered when what moves is one run of plain statements to
    the end of the module (no function, class or import among them), the module has no main guard and no
    ``main`` yet, and no function or class reads a name the moved statements set (it would be unset at
    module level). Unsafe: those names become local to ``main()``, and importing the module no longer runs
    the code."""
    tree, lines = facts.index.tree, facts.lines
    parents, statement = parent_map(tree), node
    while statement is not None and parents.get(statement) is not tree:
        statement = parents.get(statement)
    if statement is None or id(node) not in facts.index.node_ids or facts.index.runs_as_main:
        return None
    moved = tree.body[tree.body.index(statement):]  # type: ignore[arg-type]
    kept = tree.body[:tree.body.index(statement)]  # type: ignore[arg-type]
    names = _assigned(moved)
    if any(isinstance(s, KEPT) for s in moved) or "main" in _assigned(tree.body) | {
            d.name for d in kept if isinstance(d, KEPT[:3])} or statement.col_offset:
        return None
    if any(isinstance(n, ast.Name) and n.id in names for d in kept if isinstance(d, KEPT[:3]) for n in ast.walk(d)):
        return None
    unit = "\t" if any(line.startswith("\t") for line in lines) else "    "
    last = max(s.end_lineno or s.lineno for s in moved)
    end = Edit(last, len(lines[last - 1]) + 1, last, len(lines[last - 1]) + 1, f"\n\n\n{GUARD}\n{unit}main()")
    return Fix(UNSAFE, "move the code that starts processes into `main()`, called under the main guard",
               (insert(lines, (statement.lineno, 0), f"{_spacing(lines, statement.lineno)}def main():\n{unit}"),
                *indent(lines, moved, unit, statement.lineno + 1), end))


class MissingMainGuard(Rule):
    """
    ## What it does
    Finds a `Pool`, `Process`, `ProcessPoolExecutor` or `Manager` created (or started) at import time: at module level (or in
    a function called at module level) outside `if __name__ == "__main__":`; also Keras 2 / tf_keras worker
    processes started there (`fit`/`predict`/`*_generator` or an enqueuer fed a `Sequence`, with
    `use_multiprocessing=True`).

    ## Why is this bad?
    Under `spawn` and `forkserver` (macOS, Windows, and Linux from Python 3.14) every child imports
    the main module again, which creates the pool again: `RuntimeError: An attempt has been made to
    start a new process before the current process has finished its bootstrapping phase`, or an
    endless cascade of processes. In a library module, importing it from a daemonic worker (Celery, another
    pool) fails with "daemonic processes are not allowed to have children".

    ## Example
    ```python
    import multiprocessing

    def work(x):
        return x * 2

    pool = multiprocessing.Pool(2)
    print(pool.map(work, range(4)))
    pool.close()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(x):
        return x * 2

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            print(pool.map(work, range(4)))
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods ("Safe importing of main module")
    """

    code = "DLK501"
    name = "missing-main-guard"
    related_places = frozenset({PROCESS_PLACE})  # where the process is made; not what it runs
    severity = Severity.WARNING
    fixability = "unsafe"
    fix_how = ("the module-level statement that creates the process, and all after it, move into a `def main():` "
               "called under `if __name__ == \"__main__\":`. Offered when they are plain statements to the end of "
               "the module (no function, class or import among them), there is no main guard or `main` yet, and no "
               "function reads a name they set. Unsafe: those names become local to `main()`, and importing the "
               "module no longer runs the code.")

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for event in facts.of(Spawn):
            if event.api == "process" and not event.value.started:
                continue  # a Process object alone starts nothing: where its start() runs decides (not seen here)
            if event.import_time and event.api != "fork":
                what = {"manager": "Manager server process", "pool": "process pool", "executor": "process pool",
                        "process": "process"}.get(event.api, "process")
                yield Report(event.node, f"{what} created at import time, outside "
                                         "`if __name__ == \"__main__\":`: under spawn/forkserver (the default on "
                                         "macOS and Windows, and on Linux from Python 3.14) every child re-runs "
                                         "it; create it under the main guard", fix=main_fix(facts, event.node))
        for call in facts.of(KerasCall):
            if call.import_time and call.keras_version != 3 and uses_multiprocessing(call.keywords) \
                    and not _no_workers(call.keywords) and _fed_by_workers(call):
                yield Report(call.node, f"Keras worker processes (`{call.method}` with `use_multiprocessing=True`) "
                                        "started at import time, outside `if __name__ == \"__main__\":`: under "
                                        "spawn/forkserver (the default on macOS and Windows, and on Linux from "
                                        "Python 3.14) every worker re-runs it; call it under the main guard",
                             fix=main_fix(facts, call.node))


def _fed_by_workers(call: KerasCall) -> bool:
    """Whether Keras starts worker processes that import the script for this call: only for a ``Sequence``
    (or a Keras iterator), which pickles to them; arrays and ``tf.data`` need no worker, and a plain
    generator cannot be pickled, so under spawn the call fails in the parent before any worker starts
    (measured with tf_keras: ``TypeError: cannot pickle 'generator' object``; DLK302 is its fork hazard)."""
    return call.data.kind in PROCESS_FED


def _no_workers(keywords: dict[str, ast.expr]) -> bool:
    """``workers=0``: Keras runs the data in the calling thread, with no process."""
    workers = workers_given(keywords)
    return isinstance(workers, ast.Constant) and workers.value == 0
