"""DLK103."""

from collections.abc import Iterator

from diagnose.lint.events import Spawn, Submit
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind, Value


def unpicklable_reason(func: Value | None) -> str | None:
    """Why a callable cannot be pickled by reference, or None if it can (or is unknown)."""
    while func is not None and func.kind is Kind.PARTIAL:
        func = func.base
    if func is None:
        return None
    if func.kind is Kind.LAMBDA:
        return "a lambda"
    if func.kind is Kind.FUNCTION and func.info is not None and func.info.nested:
        return f"nested function `{func.info.name}`"
    if func.kind is Kind.CLASS and func.info is not None and func.info.local:
        return f"local class `{func.info.node.name}`"
    if func.kind is Kind.INSTANCE and func.info is not None and func.info.local:
        return f"instance of local class `{func.info.node.name}`"
    return None


class UnpicklableCallable(Rule):
    """
    ## What it does
    Finds a lambda, a nested function or a class defined inside a function used as the function of
    `Pool.map`/`apply_async`/`executor.submit` (always pickled), or as a `Process` target or pool
    initializer when the start method is `spawn` or `forkserver`.

    ## Why is this bad?
    Functions are pickled by their qualified name; a lambda or a nested function has none that the
    child can import. The pool's task handler raises `PicklingError` (or `AttributeError: Can't
    pickle local object`), and with `spawn` the process never starts. Code that works on Linux
    (fork) breaks on macOS, Windows and Linux with Python 3.14 (forkserver).

    ## Example
    ```python
    import multiprocessing

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            pool.map(lambda x: x * 2, range(10))
    ```

    ## Use instead
    ```python
    import multiprocessing

    def double(x):
        return x * 2

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            pool.map(double, range(10))
    ```

    ## References
    - https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled
    - https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods
    """

    code = "DLK103"
    name = "unpicklable-callable"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for event in facts.of(Submit):
            reason = unpicklable_reason(event.func)
            if reason:
                yield Report(event.node, f"{reason} passed to `{event.method}` cannot be pickled; "
                                         "define the worker function at module level")
        for event in facts.of(Spawn):
            if event.start_method == "fork":
                continue
            for role, func in (("target", event.target), ("initializer", event.initializer)):
                reason = unpicklable_reason(func)
                if reason:
                    yield Report(event.node, f"{reason} as {role} cannot be pickled under {event.start_method}; "
                                             "define it at module level")
