"""DLK501."""

from collections.abc import Iterator

from diagnose.lint.events import Spawn
from diagnose.lint.finding import Severity
from diagnose.lint.rule import ModuleFacts, Report, Rule


class MissingMainGuard(Rule):
    """
    ## What it does
    Finds a `Pool`, `Process`, `ProcessPoolExecutor` or `Manager` created (or started) at import time: at module level (or in
    a function called at module level) outside `if __name__ == "__main__":`.

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
    severity = Severity.WARNING

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for event in facts.of(Spawn):
            if event.import_time and event.api != "fork":
                what = {"manager": "Manager server process", "pool": "process pool", "executor": "process pool",
                        "process": "process"}.get(event.api, "process")
                yield Report(event.node, f"{what} created at import time, outside "
                                         "`if __name__ == \"__main__\":`: under spawn/forkserver every child re-runs "
                                         "it; create it under the main guard")
