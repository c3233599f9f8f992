"""The checker's table of TF calls that start the runtime agrees with the measurement it came from
(``benchmarks/tf_runtime_probe.json``), and a live re-measurement of three APIs still agrees with both."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from diagnose.lint.tf_runtime import EAGER, GRAPH, GRAPH_BUILDING_PROBES, tf_call_effect

ROOT = Path(__file__).resolve().parents[1]
PROBE_SCRIPT = ROOT / "benchmarks" / "tf_runtime_probe.py"
# Probes that are baselines (imports, attribute access), not calls the checker looks up.
CONTROLS = {"import-only", "import-only@graph", "import keras", "import tf_keras", "tensorflow.keras"}
# One pure config object, one op that starts the runtime, one device probe people believe starts it.
LIVE = ("tensorflow.compat.v1.ConfigProto", "tensorflow.constant", "tensorflow.config.list_physical_devices")


def load_probe_module():
    spec = importlib.util.spec_from_file_location("tf_runtime_probe", PROBE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


probe = load_probe_module()
MEASURED = json.loads(probe.RESULTS.read_text())["probes"]


def split(name: str) -> tuple[str, bool]:
    """A probe name as (qualified name, measured in graph mode)."""
    return name.removesuffix(probe.GRAPH_SUFFIX), name.endswith(probe.GRAPH_SUFFIX)


def test_every_probe_is_measured_and_valid() -> None:
    assert set(MEASURED) == set(probe.BY_NAME)
    invalid = {name: r.get("child_detail") or r.get("probe_error") for name, r in MEASURED.items()
               if r["verdict"] == "invalid"}
    assert not invalid


@pytest.mark.parametrize(("table", "graph_mode"), [(EAGER, False), (GRAPH, True)], ids=["eager", "graph"])
def test_table_entries_cite_agreeing_measurements(table: dict, graph_mode: bool) -> None:
    wrong = {}
    for key, entry in table.items():
        measured = MEASURED.get(entry.probe, {}).get("verdict")
        if measured != entry.effect or split(entry.probe)[1] != graph_mode:
            wrong[key] = (entry, measured)
    assert not wrong


def test_every_measurement_is_classified_as_measured() -> None:
    disagree = {}
    for name, result in MEASURED.items():
        if name in CONTROLS or result["verdict"] == "missing":
            continue
        qualname, graph_mode = split(name)
        effect = tf_call_effect(qualname, graph_mode)
        if effect != result["verdict"]:
            disagree[name] = (effect, result["verdict"])
    assert not disagree


def test_graph_building_rule_rests_on_pure_graph_measurements() -> None:
    for name in GRAPH_BUILDING_PROBES:
        assert MEASURED[name + probe.GRAPH_SUFFIX]["verdict"] == "pure", name
        assert tf_call_effect(name, graph_mode=True) == "pure", name


def test_missing_apis_are_not_cited() -> None:
    missing = {name for name, r in MEASURED.items() if r["verdict"] == "missing"}
    cited = {entry.probe for table in (EAGER, GRAPH) for entry in table.values()}
    assert not missing & cited


@pytest.mark.parametrize(("qualname", "graph_mode", "effect"), [
    ("tensorflow.ConfigProto", False, "pure"),  # TF1 spelling -> compat.v1 measurement
    ("tensorflow.gfile.Exists", False, "pure"),
    ("tensorflow.logging.info", False, "pure"),
    ("tensorflow.reset_default_graph", False, "pure"),
    ("tensorflow.placeholder", True, "pure"),
    ("tensorflow.train.Saver", True, "pure"),
    ("tensorflow.get_default_graph", True, "pure"),
    ("tensorflow.global_variables_initializer", True, "pure"),
    ("tensorflow.Session", True, "starts"),
    ("tensorflow.Session", False, "starts"),
    ("tensorflow.compat.v1.nn.conv2d", True, "pure"),  # graph building
    ("tensorflow.compat.v1.nn.conv2d", False, "starts"),  # an op namespace under eager execution
    ("tensorflow.keras.backend.get_session", False, "starts"),
    ("tensorflow.saved_model.load", True, "unknown"),  # not measured in graph mode
    ("tensorflow.some_new_api", False, "unknown"),
    ("numpy.zeros", False, "unknown"),
])
def test_spellings(qualname: str, graph_mode: bool, effect: str) -> None:
    assert tf_call_effect(qualname, graph_mode) == effect


def test_table_imports_no_tensorflow() -> None:
    code = "import sys, diagnose.lint.tf_runtime; print(sorted({'tensorflow', 'keras', 'numpy'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.timeout(90)
def test_live_measurement_agrees(tmp_path: Path) -> None:
    """Re-measure three APIs in fresh processes: fails if TensorFlow changes behaviour."""
    probes = [probe.BY_NAME[name] for name in LIVE]
    with ThreadPoolExecutor(max_workers=len(probes)) as pool:
        results = list(pool.map(lambda p: probe.run_probe(p, str(tmp_path), hang_timeout=10.0), probes))
    verdicts = {p.name: r["verdict"] for p, r in zip(probes, results)}
    assert verdicts == {name: MEASURED[name]["verdict"] for name in LIVE}
    assert verdicts["tensorflow.constant"] == "starts"
    assert results[1]["threads_after"] > results[1]["threads_before"]
    survivors = [p.pid for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
    assert not survivors


@pytest.mark.timeout(120)
def test_top_level_math_ops_are_the_measured_tf_math_functions() -> None:
    """``tf.reduce_sum`` is judged by the measured ``tf.math.reduce_sum``: true only while TF exports the same
    function under both names."""
    from diagnose.lint.tf_runtime import TOP_LEVEL_MATH

    code = ("import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'; import tensorflow as tf; "
            f"print([op for op in {list(TOP_LEVEL_MATH)!r} if getattr(tf, op) is not getattr(tf.math, op)])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
