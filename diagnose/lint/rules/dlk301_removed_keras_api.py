"""DLK301."""

from collections.abc import Iterator

from diagnose.lint.events import KerasCall
from diagnose.lint.finding import Severity
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind

GENERATOR_METHODS = {"fit_generator", "predict_generator", "evaluate_generator"}
MOVED_KEYWORDS = ("workers", "use_multiprocessing", "max_queue_size")
RECEIVERS = {Kind.MODEL, Kind.UNKNOWN}


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
                yield Report(call.node, problem + fix)
            else:
                yield Report(call.node, f"if this runs on Keras 3: {problem}{fix} (nothing in the project says "
                                        "which Keras it runs; pin it or set `keras-version`)", Severity.WARNING)
