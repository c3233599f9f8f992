"""DLK301."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import KerasCall
from diagnose.lint.finding import Severity
from diagnose.lint.fix.build import between, delete_arguments, end_of, insert, start_of
from diagnose.lint.fix.model import SAFE, UNSAFE, Fix
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind

GENERATOR_METHODS = {"fit_generator", "predict_generator", "evaluate_generator"}
MOVED_KEYWORDS = ("workers", "use_multiprocessing", "max_queue_size")
RECEIVERS = {Kind.MODEL, Kind.UNKNOWN}
# Positional parameters after the generator whose place every Keras 2 agrees on: they become keywords.
POSITIONAL = {"fit_generator": ("steps_per_epoch", "epochs", "verbose", "callbacks", "validation_data",
                                "validation_steps"),
              "predict_generator": ("steps",), "evaluate_generator": ("steps",)}
# The keywords Keras 3's fit/predict/evaluate accept.
ACCEPTED = {"fit": {"x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data",
                    "shuffle", "class_weight", "sample_weight", "initial_epoch", "steps_per_epoch",
                    "validation_steps", "validation_batch_size", "validation_freq"},
            "predict": {"x", "batch_size", "verbose", "steps", "callbacks"},
            "evaluate": {"x", "y", "batch_size", "verbose", "sample_weight", "steps", "callbacks", "return_dict"}}
QUIET_BY_DEFAULT = {"predict_generator", "evaluate_generator"}  # verbose=0 there, "auto" in predict/evaluate


def _arguments_have_a_place(node: ast.Call, old: str, new: str) -> bool:
    """Whether every argument maps onto Keras 3's method: no `*args`/`**kwargs`, no keyword it lacks, and
    (for `*_generator`) no positional beyond those every Keras 2 put in the same place."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return False
    if old in GENERATOR_METHODS and (len(node.args) > 1 + len(POSITIONAL[old]) or not node.args and
                                     not any(k.arg == "generator" for k in node.keywords)):
        return False
    known = {*ACCEPTED[new], *MOVED_KEYWORDS, *(("generator",) if old in GENERATOR_METHODS else ())}
    return all(k.arg in known for k in node.keywords)


def keras3_fix(call: KerasCall, lines: list[str], applicability: str) -> Fix | None:
    """The call as Keras 3 takes it: `*_generator` renamed, the generator's later positional arguments named,
    `generator=` as `x=`, the worker settings dropped (they belong on the `PyDataset`), and `verbose=0` where
    the old method was quiet by default. None when an argument has no sure place in the new call."""
    node, old = call.node, call.method
    new = old.replace("_generator", "")
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or new not in ACCEPTED \
            or not _arguments_have_a_place(node, old, new):
        return None
    edits = []
    if new != old:
        row, column = end_of(node.func)
        edits.append(between(lines, (row, column - len(old)), (row, column), new))
        names = POSITIONAL[old]
        edits.extend(insert(lines, start_of(a), f"{name}=") for name, a in zip(names, node.args[1:]))
        edits.extend(between(lines, start_of(k), start_of(k.value), "x=") for k in node.keywords
                     if k.arg == "generator")
    doomed = [k for k in node.keywords if k.arg in MOVED_KEYWORDS]
    edits.extend(delete_arguments(lines, node, doomed))
    if old in QUIET_BY_DEFAULT and not any(k.arg == "verbose" for k in node.keywords):
        kept = [a for a in sorted([*node.args, *node.keywords], key=start_of) if a not in doomed]
        edits.append(insert(lines, end_of(kept[-1]), ", verbose=0"))
    moved = f"; {'/'.join(k.arg for k in doomed)} dropped: pass them to the `PyDataset` constructor" \
        if doomed else ""  # type: ignore[misc]
    return Fix(applicability, f"call `{new}`" + moved if new != old else f"drop {moved[2:]}", tuple(edits))


class RemovedKerasApi(Rule):
    """
    ## What it does
    Finds `fit_generator`/`predict_generator`/`evaluate_generator`, and `workers=`,
    `use_multiprocessing=` or `max_queue_size=` passed to `fit`/`predict`/`evaluate`, in Keras 3 code
    (`import keras`, `tensorflow.keras` on TF >= 2.16). Which Keras a project runs is taken from the
    `keras-version` setting, else inferred from the project's pins (`tensorflow<2.16`, `keras==2.2.4`,
    `tf_keras`, ...) and from names its code uses that only one Keras has (`keras.engine`, `tf.Session`,
    `keras.ops`, ...): `predlint check --show-settings` prints what was inferred and why. On Keras 2 the
    calls are correct and nothing is reported; when nothing says, the finding is a warning.

    ## Why is this bad?
    Keras 3 removed the `*_generator` methods (`AttributeError`) and moved the worker settings to the
    `PyDataset` constructor: passing them to `predict` raises `TypeError: unexpected keyword argument
    'workers'`. Code written for Keras 2 crashes the moment it runs on a current TensorFlow.

    ## Example
    ```python
    import keras

    model = keras.models.load_model("model.keras")
    model.predict_generator(batches(), steps=10, workers=4, use_multiprocessing=True)
    ```

    ## Use instead
    ```python
    import keras

    class Batches(keras.utils.PyDataset):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

        def __len__(self):
            return 10

        def __getitem__(self, i):
            return [[float(i)]]

    model = keras.models.load_model("model.keras")
    model.predict(Batches(workers=4, use_multiprocessing=True))
    ```

    ## References
    - https://keras.io/api/models/model_training_apis/#predict-method
    - https://keras.io/api/utils/python_utils/#pydataset-class
    """

    code = "DLK301"
    name = "removed-keras-api"
    fixability = "safe"
    fix_how = ("`fit_generator`/`predict_generator`/`evaluate_generator` become `fit`/`predict`/`evaluate` with "
               "the same arguments (positional ones after the generator named, `verbose=0` kept where it was the "
               "default); `workers`/`use_multiprocessing`/`max_queue_size` leave the call (on Keras 3 they belong "
               "on the `PyDataset`). Safe on Keras 3; unsafe when nothing says which Keras runs the code (on Keras "
               "before 2.3 `predict` takes no generator). Not offered when an argument has no sure place (`*args`, "
               "`**kwargs`, an unknown keyword). Keras 3 also wants a generator to yield tuples (`(x,)`, `(x, y)`): "
               "one that yields bare arrays then raises a `ValueError` the fix cannot see.")

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        keras_module = facts.index.imports_tf()  # evidence that an unknown receiver may be a Keras model
        for call in facts.of(KerasCall):
            if call.receiver.kind not in RECEIVERS or call.receiver.kind is Kind.UNKNOWN and not keras_module:
                continue
            if call.keras_version == 2 or call.maybe_own_method:
                continue  # Keras 2 has them all: correct code there; or the project's own method of that name
            moved = [k for k in MOVED_KEYWORDS if k in call.keywords]
            if call.method in GENERATOR_METHODS:
                replacement = call.method.replace("_generator", "")
                problem = f"`{call.method}` does not exist in Keras 3 (AttributeError); use `{replacement}`"
                fix = " with a `PyDataset`"
            elif moved:
                problem = f"Keras 3 `{call.method}` takes no `{moved[0]}=` (TypeError)"
                fix = "; pass workers/use_multiprocessing/max_queue_size to the `PyDataset` constructor"
            else:
                continue
            if call.keras_version == 3:
                yield Report(call.node, problem + fix, fix=keras3_fix(call, facts.lines, SAFE))
            else:
                yield Report(call.node, f"if this runs on Keras 3: {problem}{fix} (neither the project's pins nor "
                                        "its code settle which Keras it runs; pin it or set `keras-version`)", Severity.WARNING,
                             keras3_fix(call, facts.lines, UNSAFE))
