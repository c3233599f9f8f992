"""Which TensorFlow/Keras calls start the TF runtime: measured, one fresh interpreter per API.

For each probe a new Python process imports TensorFlow, runs the probe's setup, counts its OS threads
(``/proc/self/task``), runs the measured call, counts again, then forks a child that does real TF work
(a 256x256 matmul and a ``tf.function`` in eager mode; a new ``Session`` running a matmul when eager
execution is off). A child that does not finish within the hang timeout is killed and counted as a hang:
the call started the runtime, and the parent can no longer fork for TF work. That hazard decides the
verdict; the thread counts are reported beside it. The checker's table (``diagnose/lint/tf_runtime.py``)
is derived from the JSON this writes, and ``tests/test_tf_runtime_table.py`` keeps the two in agreement.

    python benchmarks/tf_runtime_probe.py                  # measure all, write the JSON, print a table
    python benchmarks/tf_runtime_probe.py --only NAME      # re-measure one probe, merge it into the JSON
    python benchmarks/tf_runtime_probe.py --markdown       # print the JSON's table as Markdown
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).with_name("tf_runtime_probe.json")
HANG_TIMEOUT = 10.0  # a child that is fine finishes its work in well under 1 s
# Beyond the child's hang timeout, what one probe process may take (importing TF, Keras, the call).
PROBE_OVERHEAD = 120.0
GRAPH = "tf.compat.v1.disable_eager_execution()\n"
GRAPH_SUFFIX = "@graph"


@dataclass(frozen=True)
class Probe:
    """One API to measure. ``name`` is the evidence key the checker's table cites: the canonical dotted
    name as the checker writes it, with ``@graph`` when measured with eager execution disabled."""

    name: str
    call: str
    setup: str = ""


def eager(name: str, call: str, setup: str = "") -> Probe:
    return Probe(name, call, setup)


def graph(name: str, call: str, setup: str = "") -> Probe:
    """The same measurement after ``tf.compat.v1.disable_eager_execution()`` (TF1-style code)."""
    return Probe(name + GRAPH_SUFFIX, call, GRAPH + setup)


KERAS = "import keras\n"
APPLICATIONS = ("imagenet_utils", "inception_v3", "resnet50", "resnet", "resnet_v2", "vgg16", "vgg19", "xception",
                "mobilenet", "mobilenet_v2", "densenet", "inception_resnet_v2", "nasnet", "efficientnet")
TF_KERAS = "import tf_keras\n"
# Keras 2's TF1 backend functions (K.get_session): what tf.compat.v1.keras.backend is with TF_USE_LEGACY_KERAS=1
TF_KERAS_V1 = "from tf_keras.api._v1.keras import backend as K1\n"
CPU = "cpu = tf.config.PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')\n"
GRAPH_VAR = "v = tf.compat.v1.Variable(1.0)\n"

PROBES: tuple[Probe, ...] = (
    # controls
    eager("import-only", "pass"),
    eager("import keras", "import keras"),
    eager("import tf_keras", "import tf_keras"),
    eager("tensorflow.keras", "tf.keras.layers"),
    # eager ops and values
    eager("tensorflow.constant", "tf.constant(1.0)"),
    eager("tensorflow.zeros", "tf.zeros((2, 2))"),
    eager("tensorflow.Variable", "tf.Variable(1.0)"),
    eager("tensorflow.convert_to_tensor", "tf.convert_to_tensor([1.0])"),
    eager("tensorflow.random.uniform", "tf.random.uniform((2,))"),
    eager("tensorflow.data.Dataset.from_tensor_slices", "tf.data.Dataset.from_tensor_slices([1, 2, 3])"),
    eager("tensorflow.cast", "tf.cast(1, tf.float32)"),
    eager("tensorflow.reshape", "tf.reshape([1.0, 2.0], (2, 1))"),
    eager("tensorflow.math.reduce_sum", "tf.math.reduce_sum([1.0, 2.0])"),
    eager("tensorflow.nn.relu", "tf.nn.relu([1.0, -1.0])"),
    eager("tensorflow.linalg.matmul", "tf.linalg.matmul([[1.0]], [[1.0]])"),
    eager("tensorflow.image.resize", "tf.image.resize([[[[1.0]]]], (2, 2))"),
    eager("tensorflow.strings.join", "tf.strings.join(['a', 'b'])"),
    eager("tensorflow.io.read_file", "tf.io.read_file(FIXTURES + '/image.png')"),
    eager("tensorflow.function", "f = tf.function(lambda x: x + 1)"),
    eager("tensorflow.function.call", "f(1.0)", "f = tf.function(lambda x: x + 1)\n"),
    eager("tensorflow.train.Checkpoint", "tf.train.Checkpoint()"),
    eager("tensorflow.saved_model.load", "tf.saved_model.load(FIXTURES + '/savedmodel')"),
    eager("tensorflow.summary.create_file_writer", "tf.summary.create_file_writer(TMP)"),
    eager("tensorflow.distribute.MirroredStrategy", "tf.distribute.MirroredStrategy()"),
    # devices and configuration
    eager("tensorflow.config.list_physical_devices", "tf.config.list_physical_devices()"),
    eager("tensorflow.config.experimental.list_physical_devices",
          "tf.config.experimental.list_physical_devices('GPU')"),
    eager("tensorflow.config.list_logical_devices", "tf.config.list_logical_devices()"),
    eager("tensorflow.python.client.device_lib.list_local_devices", "device_lib.list_local_devices()",
          "from tensorflow.python.client import device_lib\n"),
    eager("tensorflow.config.experimental.set_memory_growth",
          "tf.config.experimental.set_memory_growth(cpu, True)", CPU),
    eager("tensorflow.config.set_visible_devices", "tf.config.set_visible_devices([], 'GPU')"),
    eager("tensorflow.config.set_soft_device_placement", "tf.config.set_soft_device_placement(True)"),
    eager("tensorflow.config.threading.set_intra_op_parallelism_threads",
          "tf.config.threading.set_intra_op_parallelism_threads(1)"),
    eager("tensorflow.config.threading.set_inter_op_parallelism_threads",
          "tf.config.threading.set_inter_op_parallelism_threads(1)"),
    eager("tensorflow.config.experimental.enable_op_determinism",
          "tf.config.experimental.enable_op_determinism()"),
    eager("tensorflow.test.is_gpu_available", "tf.test.is_gpu_available()"),
    eager("tensorflow.test.is_built_with_cuda", "tf.test.is_built_with_cuda()"),
    eager("tensorflow.random.set_seed", "tf.random.set_seed(1)"),
    eager("tensorflow.compat.v1.set_random_seed", "tf.compat.v1.set_random_seed(1)"),  # TF1's name, under eager
    eager("tensorflow.compat.v1.random.set_random_seed", "tf.compat.v1.random.set_random_seed(1)"),
    eager("tensorflow.compat.v1.train.get_or_create_global_step", "tf.compat.v1.train.get_or_create_global_step()"),
    eager("tensorflow.debugging.set_log_device_placement", "tf.debugging.set_log_device_placement(True)"),
    eager("tensorflow.autograph.set_verbosity", "tf.autograph.set_verbosity(0)"),
    eager("tensorflow.get_logger", "tf.get_logger().info('x')"),
    eager("tensorflow.executing_eagerly", "tf.executing_eagerly()"),
    eager("tensorflow.sysconfig.get_include", "tf.sysconfig.get_include()"),
    eager("tensorflow.__version__", "tf.__version__, tf.version.VERSION"),
    eager("tensorflow.TensorShape", "tf.TensorShape([None, 3])"),
    eager("tensorflow.TensorSpec", "tf.TensorSpec([None, 3], tf.float32)"),
    eager("tensorflow.dtypes.as_dtype", "tf.float32, tf.dtypes.as_dtype('float32')"),
    eager("tensorflow.nest.flatten", "tf.nest.flatten({'a': [1, 2]})"),
    eager("tensorflow.compat.v1.disable_eager_execution", "tf.compat.v1.disable_eager_execution()"),
    eager("tensorflow.compat.v1.enable_eager_execution", "tf.compat.v1.enable_eager_execution()"),
    eager("tensorflow.compat.v1.disable_v2_behavior", "tf.compat.v1.disable_v2_behavior()"),
    # files and logging
    eager("tensorflow.io.TFRecordOptions", "tf.io.TFRecordOptions(compression_type='ZLIB')"),
    eager("tensorflow.io.TFRecordWriter", "w = tf.io.TFRecordWriter(TMP + '/r.tfrecord'); w.write(b'x'); w.close()"),
    eager("tensorflow.train.Example", "tf.train.Example(features=tf.train.Features(feature={'a': "
          "tf.train.Feature(int64_list=tf.train.Int64List(value=[1]))})).SerializeToString()"),
    eager("tensorflow.io.gfile.exists", "tf.io.gfile.exists(TMP)"),
    eager("tensorflow.io.gfile.GFile", "tf.io.gfile.GFile(TMP + '/f', 'w').write('x')"),
    eager("tensorflow.io.gfile.listdir", "tf.io.gfile.listdir(TMP)"),
    eager("tensorflow.io.gfile.makedirs", "tf.io.gfile.makedirs(TMP + '/a/b')"),
    eager("tensorflow.compat.v1.gfile.Exists", "tf.compat.v1.gfile.Exists(TMP)"),
    eager("tensorflow.compat.v1.logging.info", "tf.compat.v1.logging.info('x')"),
    eager("tensorflow.compat.v1.logging.set_verbosity",
          "tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)"),
    # TF1 spellings, eager execution still on (a TF2 program that uses compat.v1 helpers)
    eager("tensorflow.compat.v1.ConfigProto", "tf.compat.v1.ConfigProto(allow_soft_placement=True)"),
    eager("tensorflow.compat.v1.GPUOptions", "tf.compat.v1.GPUOptions(allow_growth=True)"),
    eager("tensorflow.compat.v1.reset_default_graph", "tf.compat.v1.reset_default_graph()"),
    eager("tensorflow.compat.v1.Session", "tf.compat.v1.Session()"),
    # TF1-style graph code: eager execution disabled first
    graph("import-only", "pass"),
    graph("tensorflow.compat.v1.ConfigProto", "tf.compat.v1.ConfigProto(allow_soft_placement=True)"),
    graph("tensorflow.compat.v1.reset_default_graph", "tf.compat.v1.reset_default_graph()"),
    graph("tensorflow.compat.v1.get_default_graph", "tf.compat.v1.get_default_graph()"),
    graph("tensorflow.compat.v1.set_random_seed", "tf.compat.v1.set_random_seed(1)"),
    graph("tensorflow.compat.v1.placeholder", "tf.compat.v1.placeholder(tf.float32, [None, 3])"),
    graph("tensorflow.constant", "tf.constant(1.0)"),
    graph("tensorflow.compat.v1.Variable", "tf.compat.v1.Variable(1.0)"),
    graph("tensorflow.random.uniform", "tf.random.uniform((2,))"),
    graph("tensorflow.linalg.matmul", "tf.linalg.matmul(tf.ones((256, 256)), tf.ones((256, 256)))"),
    graph("tensorflow.nn.relu", "tf.nn.relu(tf.compat.v1.placeholder(tf.float32, [None, 3]))"),
    graph("tensorflow.data.Dataset.from_tensor_slices", "tf.data.Dataset.from_tensor_slices([1, 2, 3])"),
    graph("tensorflow.compat.v1.train.AdamOptimizer", "tf.compat.v1.train.AdamOptimizer(0.1).minimize(v * v)",
          GRAPH_VAR),
    graph("tensorflow.compat.v1.summary.FileWriter", "tf.compat.v1.summary.FileWriter(TMP)"),
    graph("tensorflow.compat.v1.global_variables_initializer",
          "tf.compat.v1.global_variables_initializer()", GRAPH_VAR),
    graph("tensorflow.compat.v1.train.Saver", "tf.compat.v1.train.Saver()", GRAPH_VAR),
    graph("tensorflow.compat.v1.gfile.Exists", "tf.compat.v1.gfile.Exists(TMP)"),
    graph("tensorflow.compat.v1.python_io.TFRecordWriter",
          "w = tf.compat.v1.python_io.TFRecordWriter(TMP + '/r.tfrecord'); w.write(b'x'); w.close()"),
    graph("tensorflow.compat.v1.logging.info", "tf.compat.v1.logging.info('x')"),
    graph("tensorflow.config.list_physical_devices", "tf.config.list_physical_devices()"),
    graph("tensorflow.config.list_logical_devices", "tf.config.list_logical_devices()"),
    graph("tensorflow.python.client.device_lib.list_local_devices", "device_lib.list_local_devices()",
          "from tensorflow.python.client import device_lib\n"),
    graph("tensorflow.config.threading.set_intra_op_parallelism_threads",
          "tf.config.threading.set_intra_op_parallelism_threads(1)"),
    graph("tensorflow.test.is_gpu_available", "tf.test.is_gpu_available()"),
    graph("tensorflow.compat.v1.Session", "tf.compat.v1.Session()"),
    graph("tensorflow.compat.v1.Session.run", "tf.compat.v1.Session().run(c)", "c = tf.constant(1.0)\n"),
    graph("tensorflow.compat.v1.InteractiveSession", "tf.compat.v1.InteractiveSession()"),
    # Keras 3 (keras, and tf.keras which is Keras 3 in TF >= 2.16)
    eager("keras.layers.Dense", "keras.layers.Dense(2)", KERAS),
    eager("tensorflow.keras.layers.Dense", "tf.keras.layers.Dense(2)"),
    eager("keras.Input", "keras.Input((4,))", KERAS),
    eager("keras.Sequential", "keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])", KERAS),
    eager("keras.Model", "keras.Model(i, keras.layers.Dense(2)(i))", KERAS + "i = keras.Input((4,))\n"),
    eager("keras.layers.Dense.call", "layer(i)", KERAS + "i = keras.Input((4,))\nlayer = keras.layers.Dense(2)\n"),
    eager("keras.models.load_model", "keras.models.load_model(FIXTURES + '/model.keras')", KERAS),
    eager("keras.backend.clear_session", "keras.backend.clear_session()", KERAS),
    eager("tensorflow.keras.backend.clear_session", "tf.keras.backend.clear_session()"),
    eager("keras.utils.set_random_seed", "keras.utils.set_random_seed(1)", KERAS),
    eager("keras.utils.to_categorical", "keras.utils.to_categorical([0, 1, 2])", KERAS),
    eager("keras.utils.load_img", "keras.utils.load_img(FIXTURES + '/image.png')", KERAS),
    eager("keras.utils.pad_sequences", "keras.utils.pad_sequences([[1, 2], [3]], maxlen=4)", KERAS),
    eager("tf_keras.preprocessing.sequence.pad_sequences",
          "tf_keras.preprocessing.sequence.pad_sequences([[1, 2], [3]], maxlen=4)", TF_KERAS),
    eager("tf_keras.utils.to_categorical", "tf_keras.utils.to_categorical([0, 1, 2])", TF_KERAS),
    eager("keras.utils.img_to_array", "keras.utils.img_to_array(keras.utils.load_img(FIXTURES + '/image.png'))", KERAS),
    # each application's preprocess_input on a NumPy batch (what image-loading workers call)
    *(eager(f"keras.applications.{module}.preprocess_input",
            f"keras.applications.{module}.preprocess_input(np.zeros((1, 32, 32, 3), 'float32'))",
            KERAS + "import numpy as np\n") for module in APPLICATIONS),
    eager("keras.backend.floatx", "keras.backend.floatx(), keras.backend.image_data_format()", KERAS),
    eager("keras.ops.add", "keras.ops.add(1.0, 2.0)", KERAS),
    eager("keras.ops.convert_to_tensor", "keras.ops.convert_to_tensor([1.0])", KERAS),
    eager("keras.mixed_precision.set_global_policy", "keras.mixed_precision.set_global_policy('float32')", KERAS),
    # tf_keras (Keras 2), eager and in TF1 graph mode
    eager("tf_keras.layers.Dense", "tf_keras.layers.Dense(2)", TF_KERAS),
    eager("tf_keras.Sequential", "tf_keras.Sequential([tf_keras.layers.Dense(2, input_shape=(4,))])", TF_KERAS),
    eager("tf_keras.models.load_model", "tf_keras.models.load_model(FIXTURES + '/model.h5')", TF_KERAS),
    eager("tf_keras.backend.clear_session", "tf_keras.backend.clear_session()", TF_KERAS),
    eager("tf_keras.backend.get_session", "K1.get_session()", TF_KERAS_V1),
    eager("tf_keras.preprocessing.image.ImageDataGenerator",
          "tf_keras.preprocessing.image.ImageDataGenerator(rescale=1 / 255)", TF_KERAS),
    eager("tensorflow.compat.v1.keras.backend.get_session", "tf.compat.v1.keras.backend.get_session()"),
    eager("tensorflow.compat.v1.keras.backend.set_session",
          "tf.compat.v1.keras.backend.set_session(None)"),
    graph("tf_keras.backend.get_session", "K1.get_session()", TF_KERAS_V1),
    graph("tensorflow.keras.layers.Dense", "tf.keras.layers.Dense(2)"),
    graph("tf_keras.backend.clear_session", "tf_keras.backend.clear_session()", TF_KERAS),
    graph("tf_keras.layers.Dense", "tf_keras.layers.Dense(2)", TF_KERAS),
    graph("tf_keras.Sequential", "tf_keras.Sequential([tf_keras.layers.Dense(2, input_shape=(4,))])", TF_KERAS),
    graph("tf_keras.models.load_model", "tf_keras.models.load_model(FIXTURES + '/model.h5')", TF_KERAS),
)
BY_NAME = {probe.name: probe for probe in PROBES}

# What the forked child does: real TF work, chosen by the execution mode the child inherits.
CHILD_WORK = """
if tf.executing_eagerly():
    x = tf.ones((256, 256))
    tf.linalg.matmul(x, x).numpy()
    tf.function(lambda a: tf.reduce_sum(tf.linalg.matmul(a, a)))(x).numpy()
else:
    g = tf.Graph()
    with g.as_default():
        x = tf.ones((256, 256))
        y = tf.linalg.matmul(x, x)
    with tf.compat.v1.Session(graph=g) as s:
        s.run(y)
"""

FIXTURE_CODE = """
import sys
import numpy as np
import tensorflow as tf
import keras
import tf_keras
out = sys.argv[1]
m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
m.save(out + '/model.keras')
m2 = tf_keras.Sequential([tf_keras.layers.Dense(2, input_shape=(4,))])
m2.save(out + '/model.h5')
module = tf.Module()
module.f = tf.function(lambda x: x + 1, input_signature=[tf.TensorSpec([], tf.float32)])
tf.saved_model.save(module, out + '/savedmodel')
keras.utils.save_img(out + '/image.png', np.zeros((4, 4, 3)))
"""


def thread_names() -> list[str]:
    """Names of this process's OS threads (TF's C++ threads included; Python's threading sees none)."""
    names = []
    for tid in os.listdir("/proc/self/task"):
        try:
            names.append(Path(f"/proc/self/task/{tid}/comm").read_text().strip())
        except OSError:
            pass  # the thread ended while we looked
    return names


def fork_outcome(tf: object, hang_timeout: float) -> tuple[str, float, str]:
    """Fork a child that runs :data:`CHILD_WORK`; ('ok'|'hang'|'error'|'crash', seconds, detail)."""
    read_end, write_end = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        os.close(read_end)
        code, detail = 0, b""
        try:
            exec(CHILD_WORK, {"tf": tf})
        except BaseException as error:  # report any failure of the work itself, then leave
            code, detail = 3, f"{type(error).__name__}: {error}".encode()[:500]
        os.write(write_end, detail)
        os._exit(code)
    os.close(write_end)
    while time.monotonic() - start < hang_timeout:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            seconds = time.monotonic() - start
            detail = os.read(read_end, 1000).decode(errors="replace")
            os.close(read_end)
            if os.WIFSIGNALED(status):
                return "crash", seconds, f"signal {os.WTERMSIG(status)}"
            return ("ok" if os.WEXITSTATUS(status) == 0 else "error"), seconds, detail
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read_end)
    return "hang", time.monotonic() - start, f"killed after {hang_timeout:g} s"


def measure_here(probe: Probe, fixtures: str, hang_timeout: float) -> dict:
    """Run in a fresh interpreter: import TF, set up, count threads, call, count, fork-test."""
    import tensorflow as tf  # only ever imported inside the probe's own process

    with tempfile.TemporaryDirectory() as scratch:
        namespace = {"tf": tf, "FIXTURES": fixtures, "TMP": scratch}
        exec(probe.setup, namespace)
        before = thread_names()
        call_error = None
        try:
            exec(probe.call, namespace)
        except Exception as error:  # the API may not exist or refuse the arguments: recorded, not fatal
            call_error = f"{type(error).__name__}: {error}"[:300]
        time.sleep(0.5)  # let threads a call starts in the background appear
        after = thread_names()
        eager_at_fork = tf.executing_eagerly()
        child, seconds, detail = fork_outcome(tf, hang_timeout)
    new = sorted((Counter(after) - Counter(before)).elements())
    return {"setup": probe.setup, "call": probe.call, "call_error": call_error,
            "threads_before": len(before), "threads_after": len(after), "new_threads": new,
            "eager_at_fork": eager_at_fork, "child": child, "child_seconds": round(seconds, 2),
            "child_detail": detail, "verdict": verdict(child, call_error), "hang_timeout": hang_timeout,
            "measured": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def verdict(child: str, call_error: str | None) -> str:
    """'starts' (a forked child then hangs or dies in TF work), 'pure', 'missing' (the API is not in
    this TF/Keras) or 'invalid' (the child's own work failed: the probe is wrong, not the API)."""
    if call_error and call_error.startswith(("AttributeError", "ModuleNotFoundError", "ImportError")):
        return "missing"
    if child in ("hang", "crash"):
        return "starts"
    return "pure" if child == "ok" else "invalid"


def run_probe(probe: Probe, fixtures: str, hang_timeout: float = HANG_TIMEOUT) -> dict:
    """Measure one probe in a fresh interpreter (its own session, killed whole on timeout)."""
    command = [sys.executable, __file__, "--measure-here", probe.name, "--fixtures", fixtures,
               "--hang-timeout", str(hang_timeout)]
    env = probe_environment()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=hang_timeout + PROBE_OVERHEAD)
    except subprocess.TimeoutExpired:
        out, err = "", f"probe process killed after {hang_timeout + PROBE_OVERHEAD:g} s"
    finally:
        kill_session(process.pid)
        process.wait()
    lines = out.strip().splitlines()
    if process.returncode != 0 or not lines:
        return {"setup": probe.setup, "call": probe.call, "verdict": "invalid",
                "probe_error": err.strip().splitlines()[-1:] or [f"exit {process.returncode}"]}
    return json.loads(lines[-1])


def kill_session(pid: int) -> None:
    """Kill whatever is left of a probe's process group (a hung child whose parent died)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def make_fixtures(directory: str) -> None:
    """Save the tiny models and image the loading probes read, in a process of their own."""
    subprocess.run([sys.executable, "-c", FIXTURE_CODE, directory], check=True, env=probe_environment(),
                   timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def probe_environment() -> dict[str, str]:
    """This environment, quieter, with tf.keras as Keras 3 (TF_USE_LEGACY_KERAS would make it tf_keras)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("TF_USE_LEGACY_KERAS", None)
    return env


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("tensorflow", "keras", "tf_keras", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def measure(probes: list[Probe], hang_timeout: float, jobs: int) -> dict[str, dict]:
    """Measure the probes, ``jobs`` at a time, with fixtures in a temporary directory."""
    with tempfile.TemporaryDirectory() as fixtures:
        make_fixtures(fixtures)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = pool.map(lambda probe: run_probe(probe, fixtures, hang_timeout), probes)
            measured = {}
            for probe, result in zip(probes, results):
                measured[probe.name] = result
                print(row(probe.name, result), flush=True)
    return measured


def write_atomically(path: Path, data: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    os.replace(temporary, path)


def row(name: str, result: dict) -> str:
    threads = f"{result.get('threads_before', '?')} -> {result.get('threads_after', '?')}"
    child = result.get("child", "-")
    note = result.get("call_error") or result.get("probe_error") or ""
    return f"{name:58} {threads:>8}  {child:5}  {result['verdict']:8} {str(note)[:60]}"


def markdown(data: dict) -> str:
    """The JSON's results as a Markdown table, with the versions they were measured on."""
    v = data["versions"]
    lines = [f"Last measured {data['date']} on Python {v['python']}, TensorFlow {v['tensorflow']}, Keras {v['keras']}, "
             f"tf_keras {v['tf_keras']} ({v['platform']}, {data['cpus']} CPUs); child hang timeout "
             f"{data['hang_timeout']:g} s.", "",
             "| probe | mode | threads before → after | new threads | forked child | verdict | note |",
             "|---|---|---|---|---|---|---|"]
    for name, r in data["probes"].items():
        mode = "graph" if name.endswith(GRAPH_SUFFIX) else "eager"
        note = (r.get("call_error") or r.get("probe_error") or "").replace("|", "\\|")
        threads = f"{r.get('threads_before', '?')} → {r.get('threads_after', '?')}"
        new = ", ".join(f"{n} ×{k}" if k > 1 else n for n, k in sorted(Counter(r.get("new_threads", [])).items()))
        lines.append(f"| `{name.removesuffix(GRAPH_SUFFIX)}` | {mode} | {threads} | {new} | {r.get('child', '-')} "
                     f"({r.get('child_seconds', '-')} s) | **{r['verdict']}** | {str(note)[:90]} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="re-measure this probe (repeatable)")
    parser.add_argument("--markdown", action="store_true", help="print the stored results as Markdown")
    parser.add_argument("--list", action="store_true", help="list the probe names")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--hang-timeout", type=float, default=HANG_TIMEOUT)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--measure-here", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--fixtures", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_here:
        print(json.dumps(measure_here(BY_NAME[args.measure_here], args.fixtures, args.hang_timeout)))
        return 0
    if args.list:
        print("\n".join(BY_NAME))
        return 0
    if args.markdown:
        if not args.output.exists():
            print(f"error: no results at {args.output}: measure first", file=sys.stderr)
            return 2
        print(markdown(json.loads(args.output.read_text())))
        return 0
    unknown = [name for name in args.only or [] if name not in BY_NAME]
    if unknown:
        print(f"error: unknown probe {unknown[0]!r} (see --list)", file=sys.stderr)
        return 2
    previous = json.loads(args.output.read_text()) if args.only and args.output.exists() else {"probes": {}}
    probes = [BY_NAME[name] for name in args.only] if args.only else list(PROBES)
    measured = measure(probes, args.hang_timeout, max(1, args.jobs))
    ordered = {p.name: measured.get(p.name) or previous["probes"].get(p.name) for p in PROBES}
    data = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "versions": versions(), "cpus": os.cpu_count(), "hang_timeout": args.hang_timeout,
            "child_work": CHILD_WORK.strip(), "probes": {k: v for k, v in ordered.items() if v is not None}}
    write_atomically(args.output, data)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
