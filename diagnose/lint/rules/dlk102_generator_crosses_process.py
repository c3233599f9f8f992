"""DLK102."""

from collections.abc import Iterator

from diagnose.lint.events import Spawn, Submit
from diagnose.lint.random_source import orders_with_stdlib_random
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind, Value, pickled_holders, split_held

GENERATOR_KINDS = frozenset({Kind.GENERATOR, Kind.KERAS_ITERATOR})


class GeneratorCrossesProcess(Rule):
    """
    ## What it does
    Finds a generator (or a Keras data iterator such as `ImageDataGenerator().flow(...)`) handed to a
    worker as a task argument, an `initargs` entry or a `Process` argument. Passing a generator as
    the iterable the parent consumes, as in `pool.imap(f, batches())`, is fine and not reported.
    Also a generator the parent made and holds in a global that the target of several forked
    processes reads (`next(gen)` in the worker, not passed to it). A generator held in an attribute of
    a handed object of the project counts when the object is pickled (a pool task; a process under
    spawn/forkserver, unless its class defines `__getstate__`/`__reduce__`) or when the forked
    worker reads that attribute; a forked worker that only uses the object's other attributes
    leaves the generator untouched.

    ## Why is this bad?
    Generators cannot be pickled: a pool raises `TypeError: cannot pickle 'generator' object` from
    its task-handler thread, and under `spawn` a `Process` fails the same way. Under `fork` each child
    gets its own copy of the generator, so every worker replays the same items: duplicated work and
    duplicated rows, with no error. A generator read through a global is not pickled, but under `fork`
    every child still starts from the parent's copy: the same batches, once per process (unless it
    orders them with the `random` module, which CPython reseeds in every forked child: then each
    child shuffles its own order; `benchmarks/fork_reseed_probe.py`. NumPy's global generator is not
    reseeded by a fork).

    ## Example
    ```python
    import multiprocessing

    def batches():
        for i in range(10):
            yield [i]

    def work(gen):
        return [sum(b) for b in gen]

    if __name__ == "__main__":
        gen = batches()
        with multiprocessing.Pool(2) as pool:
            pool.map(work, [gen] * 2)
    ```

    ## Use instead
    ```python
    import multiprocessing

    def batches():
        for i in range(10):
            yield [i]

    def work(batch):
        return sum(batch)

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            results = list(pool.imap(work, batches()))
    ```

    ## References
    - https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled
    - https://docs.python.org/3/library/multiprocessing.html#multiprocessing.pool.Pool.imap
    """

    code = "DLK102"
    name = "generator-crosses-process"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        # a process's arguments are pickled unless it forks (then its worker may read them); a pool's tasks are
        handovers = [(e.node, e.handed, e.start_method != "fork", e.attributes_read) for e in facts.of(Spawn)] + \
                    [(e.node, e.handed, True, []) for e in facts.of(Submit)]
        for node, handed, pickled, read in handovers:
            generators = self._crossing(handed, pickled, read)
            if not generators:
                continue
            what = "Keras data iterator" if generators[0].kind is Kind.KERAS_ITERATOR else "generator"
            yield Report(node, f"{what} handed to a worker: it cannot be pickled (TypeError) and forked copies "
                               "replay the same items; keep it in the parent and send its batches")
        yield from self._inherited(facts)

    @staticmethod
    def _crossing(handed: list[Value], pickled: bool, read: list[Value]) -> list[Value]:
        """Generators handed as such, or held by a handed object of the project that is pickled (a pool task,
        a process under spawn/forkserver; unless its class decides what is pickled) or, forked, whose worker
        reads them from it. A forked worker that only runs the object's other methods leaves them untouched."""
        direct, held = split_held(handed, GENERATOR_KINDS)
        if direct or not held:
            return direct
        if pickled:
            return held if pickled_holders(handed, held) else []
        return [g for g in held if any(g is r for r in read)]

    @staticmethod
    def _inherited(facts: ModuleFacts) -> Iterator[Report]:
        """Forked processes (several alive at once: made in a loop or comprehension that does not join each
        before the next, or more than one with the same target) whose target reads a generator of the parent
        through a global."""
        spawns = [e for e in facts.of(Spawn) if not e.in_child and e.inherited and e.start_method == "fork"]
        for event in spawns:
            if any(v.kind in GENERATOR_KINDS for v in event.handed):
                continue
            info = getattr(event.target, "info", None)
            if event.loop is None and sum(getattr(e.target, "info", None) is info for e in spawns) < 2:
                continue
            name, value = event.inherited[0]
            if orders_with_stdlib_random(value.info):
                continue  # each forked copy shuffles its own order (``random`` is reseeded in every child)
            what = "Keras data iterator" if value.kind is Kind.KERAS_ITERATOR else "generator"
            made = f" (made at line {value.node.lineno})" if id(value.node) in facts.index.node_ids else ""
            yield Report(event.node, f"{what} `{name}`{made} is a global the worker reads: under fork (Linux's "
                                     "default before Python 3.14) every process iterates its own copy from the same "
                                     "point, so they yield the same items (duplicated data, no error); iterate it in "
                                     "the parent and send the items through a queue, or give each process its own "
                                     "share")
