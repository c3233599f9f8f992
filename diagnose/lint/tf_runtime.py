"""Which TensorFlow/Keras calls start the TF runtime, as measured by ``benchmarks/tf_runtime_probe.py``.

Each entry was measured in a fresh process: the call ran, then a forked child did real TF work. "starts"
means that child hung (the parent can no longer fork for TF work); "pure" means it finished. Every entry
names its evidence: the probe in ``benchmarks/tf_runtime_probe.json`` (``@graph``: measured with eager
execution disabled). ``tests/test_tf_runtime_table.py`` keeps this table and that file in agreement.
Measured on TensorFlow 2.21, Keras 3.15, tf_keras 2.21, CPU only. Pure Python: imports no TensorFlow.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Effect = Literal["starts", "pure", "unknown"]


class Measured(NamedTuple):
    effect: Effect
    probe: str  # the evidence: a probe name in benchmarks/tf_runtime_probe.json


def measured(effect: Effect, *names: str | tuple[str, str]) -> dict[str, Measured]:
    """Entries for names measured under their own name, or ``(name, probe)`` for an alias or a namespace
    judged by one measured member. A name ending in ``.`` covers everything below it."""
    pairs = (name if isinstance(name, tuple) else (name, name) for name in names)
    return {name: Measured(effect, probe) for name, probe in pairs}


G = "@graph"
# keras.applications modules whose ``preprocess_input`` was measured (benchmarks/tf_runtime_probe.py)
APPLICATIONS = ("imagenet_utils", "inception_v3", "resnet50", "resnet", "resnet_v2", "vgg16", "vgg19", "xception",
                "mobilenet", "mobilenet_v2", "densenet", "inception_resnet_v2", "nasnet", "efficientnet")
# Ops TF exports both as ``tf.math.<op>`` and ``tf.<op>`` (the same function; tests/test_tf_runtime_table.py
# checks it), and array ops that execute at once like ``tf.reshape``.
TOP_LEVEL_MATH = ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "add", "multiply", "subtract",
                  "square", "sqrt", "exp", "maximum", "minimum", "argmax", "abs", "equal")
ARRAY_OPS = ("concat", "stack", "expand_dims", "squeeze", "transpose", "gather", "one_hot", "range", "tile")

# TF2 default: eager execution. Any op runs at once, so it starts the runtime.
EAGER: dict[str, Measured] = {
    **measured(
        "starts",
        "tensorflow.constant", "tensorflow.zeros", "tensorflow.Variable", "tensorflow.convert_to_tensor",
        "tensorflow.cast", "tensorflow.reshape", "tensorflow.linalg.matmul",
        ("tensorflow.random.", "tensorflow.random.uniform"),
        ("tensorflow.math.", "tensorflow.math.reduce_sum"),
        # the same functions exported at the top level (``tf.reduce_sum is tf.math.reduce_sum``), and the
        # array ops that, like the measured ones, run at once in eager mode
        *((f"tensorflow.{op}", "tensorflow.math.reduce_sum") for op in TOP_LEVEL_MATH),
        ("tensorflow.matmul", "tensorflow.linalg.matmul"),
        *((f"tensorflow.{op}", "tensorflow.zeros") for op in ("ones", "ones_like", "zeros_like", "fill")),
        *((f"tensorflow.{op}", "tensorflow.reshape") for op in ARRAY_OPS),
        ("tensorflow.nn.", "tensorflow.nn.relu"),
        ("tensorflow.linalg.", "tensorflow.linalg.matmul"),
        ("tensorflow.image.", "tensorflow.image.resize"),
        ("tensorflow.strings.", "tensorflow.strings.join"),
        ("tensorflow.io.", "tensorflow.io.read_file"),
        ("tensorflow.data.", "tensorflow.data.Dataset.from_tensor_slices"),
        "tensorflow.function.call",  # calling a @tf.function-decorated function
        "tensorflow.saved_model.load", "tensorflow.summary.create_file_writer",
        "tensorflow.distribute.MirroredStrategy",
        "tensorflow.compat.v1.train.get_or_create_global_step",  # an eager variable
        "tensorflow.config.list_logical_devices",
        ("tensorflow.config.experimental.list_logical_devices", "tensorflow.config.list_logical_devices"),
        "tensorflow.test.is_gpu_available",
        "tensorflow.compat.v1.Session",
        ("tensorflow.compat.v1.InteractiveSession", "tensorflow.compat.v1.Session"),
        "keras.Sequential", ("keras.models.Sequential", "keras.Sequential"),
        "keras.Model", ("keras.models.Model", "keras.Model"),
        "keras.layers.Dense.call",  # a layer called on keras.Input: its weights are made
        "keras.models.load_model", ("keras.saving.load_model", "keras.models.load_model"),
        ("keras.ops.", "keras.ops.add"), "keras.ops.convert_to_tensor",
        "tf_keras.Sequential", ("tf_keras.models.Sequential", "tf_keras.Sequential"),
        "tf_keras.models.load_model",
        "tf_keras.backend.get_session",
    ),
    **measured(
        "pure",
        "tensorflow.function",  # decorating, not calling
        "tensorflow.train.Checkpoint",
        "tensorflow.config.list_physical_devices", "tensorflow.config.experimental.list_physical_devices",
        "tensorflow.python.client.device_lib.list_local_devices",  # eager; under graph mode it starts it
        "tensorflow.config.experimental.set_memory_growth",  # on CPU it refuses the device; see docs
        "tensorflow.config.set_visible_devices",
        ("tensorflow.config.experimental.set_visible_devices", "tensorflow.config.set_visible_devices"),
        "tensorflow.config.set_soft_device_placement",
        ("tensorflow.config.threading.", "tensorflow.config.threading.set_intra_op_parallelism_threads"),
        "tensorflow.config.experimental.enable_op_determinism",
        "tensorflow.test.is_built_with_cuda",
        "tensorflow.random.set_seed", "tensorflow.compat.v1.set_random_seed",
        "tensorflow.compat.v1.random.set_random_seed",
        ("tensorflow.random.set_random_seed", "tensorflow.compat.v1.random.set_random_seed"),  # TF 1.13-1.15's name
        "tensorflow.debugging.set_log_device_placement",
        ("tensorflow.autograph.", "tensorflow.autograph.set_verbosity"),
        "tensorflow.get_logger", "tensorflow.executing_eagerly",
        ("tensorflow.sysconfig.", "tensorflow.sysconfig.get_include"),
        "tensorflow.__version__", ("tensorflow.version.", "tensorflow.__version__"),
        "tensorflow.TensorShape", "tensorflow.TensorSpec",
        ("tensorflow.dtypes.", "tensorflow.dtypes.as_dtype"), ("tensorflow.as_dtype", "tensorflow.dtypes.as_dtype"),
        ("tensorflow.nest.", "tensorflow.nest.flatten"),
        "tensorflow.compat.v1.disable_eager_execution", "tensorflow.compat.v1.enable_eager_execution",
        "tensorflow.compat.v1.disable_v2_behavior",
        ("tensorflow.io.gfile.", "tensorflow.io.gfile.GFile"),
        "tensorflow.io.TFRecordOptions", "tensorflow.io.TFRecordWriter",
        ("tensorflow.python_io.", "tensorflow.io.TFRecordWriter"),  # TF1's name for the record writer/options
        ("tensorflow.train.Example", "tensorflow.train.Example"), ("tensorflow.train.Feature", "tensorflow.train.Example"),
        ("tensorflow.train.Features", "tensorflow.train.Example"),
        ("tensorflow.train.Int64List", "tensorflow.train.Example"),
        ("tensorflow.train.FloatList", "tensorflow.train.Example"),
        ("tensorflow.train.BytesList", "tensorflow.train.Example"),
        "tensorflow.io.gfile.exists", "tensorflow.io.gfile.listdir", "tensorflow.io.gfile.makedirs",
        ("tensorflow.compat.v1.gfile.", "tensorflow.compat.v1.gfile.Exists"),
        ("tensorflow.compat.v1.logging.", "tensorflow.compat.v1.logging.info"),
        "tensorflow.compat.v1.logging.set_verbosity",
        "tensorflow.compat.v1.ConfigProto", "tensorflow.compat.v1.GPUOptions",
        "tensorflow.compat.v1.reset_default_graph",
        "tensorflow.keras.layers.Dense",
        ("keras.layers.", "keras.layers.Dense"),  # constructing a layer; calling one is keras.layers.Dense.call
        "keras.Input", ("keras.layers.Input", "keras.Input"),
        "keras.backend.clear_session", "tensorflow.keras.backend.clear_session",
        "keras.backend.floatx", ("keras.backend.image_data_format", "keras.backend.floatx"),
        "keras.utils.set_random_seed", "keras.utils.to_categorical", "keras.utils.load_img",
        ("keras.preprocessing.image.load_img", "keras.utils.load_img"),
        "keras.utils.img_to_array", ("keras.preprocessing.image.img_to_array", "keras.utils.img_to_array"),
        "keras.utils.pad_sequences", ("keras.preprocessing.sequence.pad_sequences", "keras.utils.pad_sequences"),
        ("keras.utils.np_utils.to_categorical", "keras.utils.to_categorical"),
        # NumPy arithmetic on NumPy input: what image-loading workers call
        *(f"keras.applications.{module}.preprocess_input" for module in APPLICATIONS),
        "keras.mixed_precision.set_global_policy",
        ("tf_keras.layers.", "tf_keras.layers.Dense"),
        "tf_keras.backend.clear_session",
        "tf_keras.preprocessing.sequence.pad_sequences",
        ("tf_keras.utils.pad_sequences", "tf_keras.preprocessing.sequence.pad_sequences"),
        "tf_keras.utils.to_categorical",
        "tf_keras.preprocessing.image.ImageDataGenerator",
    ),
}

# TF1-style code: eager execution disabled. Ops are only added to a graph; a Session runs them.
GRAPH: dict[str, Measured] = {
    **measured(
        "starts",
        ("tensorflow.compat.v1.Session", "tensorflow.compat.v1.Session" + G),
        ("tensorflow.compat.v1.Session.run", "tensorflow.compat.v1.Session.run" + G),
        ("tensorflow.compat.v1.InteractiveSession", "tensorflow.compat.v1.InteractiveSession" + G),
        ("tensorflow.config.list_logical_devices", "tensorflow.config.list_logical_devices" + G),
        ("tensorflow.config.experimental.list_logical_devices", "tensorflow.config.list_logical_devices" + G),
        ("tensorflow.test.is_gpu_available", "tensorflow.test.is_gpu_available" + G),
        ("tensorflow.python.client.device_lib.list_local_devices",
         "tensorflow.python.client.device_lib.list_local_devices" + G),
        ("tf_keras.backend.get_session", "tf_keras.backend.get_session" + G),
        ("tf_keras.models.load_model", "tf_keras.models.load_model" + G),
    ),
    **measured(
        "pure",
        ("tensorflow.config.list_physical_devices", "tensorflow.config.list_physical_devices" + G),
        ("tensorflow.config.experimental.list_physical_devices", "tensorflow.config.list_physical_devices" + G),
        ("tensorflow.config.threading.", "tensorflow.config.threading.set_intra_op_parallelism_threads" + G),
        ("tensorflow.keras.layers.Dense", "tensorflow.keras.layers.Dense" + G),
        ("tf_keras.layers.", "tf_keras.layers.Dense" + G),
        ("tf_keras.Sequential", "tf_keras.Sequential" + G),
        ("tf_keras.models.Sequential", "tf_keras.Sequential" + G),
        ("tf_keras.backend.clear_session", "tf_keras.backend.clear_session" + G),
    ),
}

# In graph mode, a TensorFlow name neither table lists builds graph ops, which starts nothing. Measured on
# these probes (all "@graph": ops, variables, placeholders, optimizers, Saver, FileWriter, config objects).
GRAPH_BUILDING_PROBES = (
    "tensorflow.constant", "tensorflow.compat.v1.Variable", "tensorflow.random.uniform", "tensorflow.linalg.matmul",
    "tensorflow.nn.relu", "tensorflow.compat.v1.placeholder", "tensorflow.data.Dataset.from_tensor_slices",
    "tensorflow.compat.v1.global_variables_initializer", "tensorflow.compat.v1.train.AdamOptimizer",
    "tensorflow.compat.v1.train.Saver", "tensorflow.compat.v1.summary.FileWriter",
    "tensorflow.compat.v1.ConfigProto", "tensorflow.compat.v1.reset_default_graph",
    "tensorflow.compat.v1.get_default_graph", "tensorflow.compat.v1.set_random_seed",
    "tensorflow.compat.v1.gfile.Exists", "tensorflow.compat.v1.logging.info",
)
# ...except where the runtime itself is asked for: devices, tests, strategies, loading, Keras.
GRAPH_RUNTIME_NAMESPACES = ("tensorflow.config.", "tensorflow.test.", "tensorflow.distribute.",
                            "tensorflow.saved_model.", "tensorflow.keras.", "tensorflow.compat.v1.keras.",
                            "tensorflow.python.")

# Device probes: measured pure on CPU, but on a GPU machine they initialise CUDA, which a forked child
# cannot use (FACTS.md: reported hangs in public code). Findings that rest on them are warnings.
GPU_PROBES = ("tensorflow.config.list_physical_devices", "tensorflow.config.experimental.list_physical_devices",
              "tensorflow.python.client.device_lib.list_local_devices",
              "tensorflow.config.experimental.set_memory_growth", "tensorflow.config.set_visible_devices",
              "tensorflow.config.experimental.set_visible_devices")
# Namespaces whose unmeasured calls are not assumed to be ops: TF1 helpers, checkpoint/proto utilities.
NOT_OPS = ("tensorflow.compat.", "tensorflow.train.", "tensorflow.python.", "tensorflow.errors.")

# Other spellings of the same API, tried in order after the name itself.
SPELLINGS = (
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tensorflow.compat.v1.keras.", "tf_keras."),  # K.get_session and friends: Keras 2's TF1 backend
    ("tensorflow.python.keras.", "tf_keras."),
    ("tensorflow.compat.v1.", "tensorflow."),
    ("tensorflow.keras.", "keras."),  # TF >= 2.16: tf.keras is Keras 3
    ("tensorflow.", "tensorflow.compat.v1."),  # TF1 spellings: tf.Session, tf.placeholder, tf.gfile.Exists
    ("keras.", "tf_keras."),  # Keras 2 code, and any Keras in graph mode
)


def tf_call_effect(qualname: str, graph_mode: bool = False) -> Effect:
    """Whether calling ``qualname`` (a canonical dotted name, e.g. ``tensorflow.compat.v1.ConfigProto``;
    a method as ``Class.method``, e.g. ``tensorflow.compat.v1.Session.run``) starts the TF runtime.

    ``graph_mode``: the code runs TF1-style with eager execution disabled (``disable_eager_execution``,
    ``disable_v2_behavior``, or TF1 graph code around ``tf.placeholder``/``Session``). There building ops
    starts nothing, a ``Session`` does, and what is pure under eager execution stays pure (every API
    measured both ways agrees). Returns "starts" or "pure" as measured, and "unknown" for an API the
    measurement does not cover: an unknown API is neither, so a finding that rests on one must say what
    it assumed (or not be made)."""
    names = [qualname]
    for old, new in SPELLINGS:
        extends = new.startswith(old)  # tensorflow. -> tensorflow.compat.v1. must not apply twice
        names += [alias for name in names if name.startswith(old) and not (extends and name.startswith(new))
                  and (alias := new + name[len(old):]) not in names]
    found = lookup(GRAPH if graph_mode else EAGER, names)
    if found is not None or not graph_mode:
        return found.effect if found is not None else "unknown"
    eager = lookup(EAGER, names)
    if eager is not None and eager.effect == "pure":
        return "pure"
    asks_runtime = any(name.startswith(GRAPH_RUNTIME_NAMESPACES) for name in names)
    return "pure" if qualname.startswith("tensorflow.") and not asks_runtime else "unknown"


def lookup(table: dict[str, Measured], names: list[str]) -> Measured | None:
    """The entry for the first spelling the table knows, its most specific key winning."""
    for name in names:
        keys = [key for key in table if name == key or (key.endswith(".") and name.startswith(key))]
        if keys:
            return table[max(keys, key=len)]
    return None
