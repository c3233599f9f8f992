"""DLK202."""

from collections.abc import Iterator

from diagnose.lint.events import Spawn
from diagnose.lint.finding import Severity
from diagnose.lint.rule import ModuleFacts, Report, Rule


class ForkAfterTfImport(Rule):
    """
    ## What it does
    Finds a process started with `fork` in a module that imports TensorFlow or Keras, when predlint
    saw no TF runtime start before it. Off by default: enable it with `--select DLK202`.

    ## Why is this bad?
    `import tensorflow` alone starts no threads, and forking after it works (measured). But one
    probe added later anywhere before the fork (`tf.config.list_physical_devices()`, loading a model in
    another module) turns the same code into a hang that static analysis of this file cannot see.
    Teams that want the fork-free guarantee choose `spawn` everywhere TF is imported.

    ## Example
    ```python
    import multiprocessing
    import tensorflow as tf

    def work(x):
        return x

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            pool.map(work, range(4))
    ```

    ## Use instead
    ```python
    import multiprocessing
    import tensorflow as tf

    def work(x):
        return x

    if __name__ == "__main__":
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            pool.map(work, range(4))
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods
    """

    code = "DLK202"
    name = "fork-after-tf-import"
    severity = Severity.WARNING
    default_enabled = False

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        if not facts.index.imports_tf_at_module_level():
            return
        after_runtime = {e.node for e in facts.of(Spawn) if e.tf_started is not None}  # DLK201's, not ours
        for event in facts.of(Spawn):
            if not event.in_child and event.start_method == "fork" and event.tf_started is None \
                    and event.node not in after_runtime:
                yield Report(event.node, "fork start in a module that imports TensorFlow: any TF op before this "
                                         "line would make the children hang; prefer get_context('spawn')")
