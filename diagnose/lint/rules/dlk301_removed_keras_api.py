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
    (`import keras`, `tensorflow.keras` on TF >= 2.16). In tf_keras (Keras 2) the `*_generator` methods
    are reported as deprecated.

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
            if call.method in GENERATOR_METHODS:
                replacement = call.method.replace("_generator", "")
                if call.keras_version >= 3:
                    yield Report(call.node, f"`{call.method}` does not exist in Keras 3 (AttributeError); "
                                            f"use `{replacement}` with a `PyDataset`")
                else:
                    yield Report(call.node, f"`{call.method}` is deprecated in tf_keras; use `{replacement}`",
                                 Severity.WARNING)
            elif call.keras_version >= 3:
                moved = [k for k in MOVED_KEYWORDS if k in call.keywords]
                if moved:
                    yield Report(call.node, f"Keras 3 `{call.method}` takes no `{moved[0]}=` (TypeError); pass "
                                            "workers/use_multiprocessing/max_queue_size to the `PyDataset` constructor")
