"""Which Keras a project runs: the signal tables agree with their measurement, and pins and code are read
as a user's project declares them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from diagnose.lint.keras_signals import (KEYWORDS_NOT_IN_KERAS3, NOT_IN_KERAS3, NOT_IN_TF2, ONLY_IN_KERAS3,
                                         STILL_IN_TF_KERAS, is_tf1_only, keras_path_version)
from diagnose.lint.project_keras import declared, from_code
from lint_support import ROOT

PROBE = ROOT / "benchmarks" / "keras_signals_probe.py"
MEASURED = json.loads((ROOT / "benchmarks" / "keras_signals_probe.json").read_text())


def test_tables_follow_the_measurement() -> None:
    keras = MEASURED["keras"]
    told = {p: 2 if not seen["keras3"] else 3 if not seen["tf_keras"] else None for p, seen in keras.items()}
    assert {p: keras_path_version(p) for p in keras} == told
    via_tf = {p: 2 if not seen["tensorflow.keras"] else told[p] if told[p] == 3 else None for p, seen in keras.items()}
    assert {p: keras_path_version(p, via_tensorflow=True) for p in keras} == via_tf
    assert set(STILL_IN_TF_KERAS) <= set(NOT_IN_KERAS3)
    assert set(NOT_IN_KERAS3) | set(ONLY_IN_KERAS3) <= set(keras), "every table entry is measured"
    assert {p: is_tf1_only(p) for p in MEASURED["tensorflow"]} == \
        {p: not present for p, present in MEASURED["tensorflow"].items()}
    assert set(NOT_IN_TF2) <= set(MEASURED["tensorflow"])
    for probes in KEYWORDS_NOT_IN_KERAS3.values():
        assert all(not MEASURED["keywords"][p]["keras3"] for p in probes)
    assert set(MEASURED["keywords"]) == {p for probes in KEYWORDS_NOT_IN_KERAS3.values() for p in probes}


@pytest.mark.timeout(180)
def test_measurement_still_holds() -> None:
    """Re-measure against the installed Keras/TF: fails when a new version changes which names exist."""
    pytest.importorskip("tensorflow")
    result = subprocess.run([sys.executable, str(PROBE), "--check"], capture_output=True, text=True, timeout=170)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.parametrize("files, version, tf1", [
    ({"requirements.txt": "tensorflow==1.15.0\nkeras==2.2.4\n"}, 2, True),
    ({"requirements.txt": "tensorflow>=2.4,<2.11\n"}, 2, False),
    ({"requirements-gpu.txt": "tensorflow-gpu\n"}, 2, False),
    ({"setup.py": "setup(install_requires=['keras<3', 'numpy'])"}, 2, False),
    ({"setup.py": "setup(python_requires='>=3.6, <3.9', install_requires=['tensorflow'])"}, 2, False),
    ({"environment.yml": "dependencies:\n  - tensorflow=1.14\n"}, 2, True),
    ({"Pipfile": '[packages]\ntensorflow = "==2.3.0"\n'}, 2, False),
    ({"pyproject.toml": '[project]\ndependencies = ["tf_keras>=2.16"]\n'}, 2, False),
    ({"pyproject.toml": '[project]\ndependencies = ["keras>=3.0", "tensorflow>=2.16"]\n'}, 3, False),
    ({"requirements.txt": "tensorflow\nnumpy\n"}, None, False),  # unpinned: nothing said
    ({"README.md": "needs tensorflow==1.15"}, None, False),  # prose is not a declaration
    ({"pkg/tensorflow/requirements.txt": "tensorflow==2.10.1\n"}, 2, False),  # a sub-package's requirements
    ({"docker/Dockerfile": "FROM python:3.6\nRUN pip install keras==2.3.1 tensorflow-gpu==1.14\n"}, 2, True),
    ({"prespecified.yml": "name: env\ndependencies:\n  - tensorflow==2.8.0\n"}, 2, False),  # any conda env file
    ({"ci.yml": "steps:\n  - run: pip install tensorflow==1.15\n"}, None, False),  # not an environment file
    ({"setup.py": "reqs = open('docker/requirements-tf.txt').read()", "docker/requirements-tf.txt": "tensorflow==2.19\n"},
     3, False),  # the file setup.py reads
    ({"requirements.txt": "keras==3.9.2\n", "tools/convert/requirements.txt": "tensorflow==2.15\n"}, 3, False),
    ({".travis.yml": 'language: python\npython:\n  - "2.7"\n  - "3.6"\ninstall: pip install .\n'}, 2, False),
    ({".travis.yml": "python: 3.6\n"}, 2, False),
    ({".travis.yml": 'python:\n  - "3.8"\n  - "3.11"\n'}, None, False),  # one CI Python can run Keras 3
    ({"requirements.txt": "# tensorflow-gpu==1.15\ntensorflow\n"}, None, False),  # a commented-out pin says nothing
    ({"requirements.txt": "git+https://example.org/tools.git#egg=tools\nkeras==2.3.1\n"}, 2, False),
])
def test_pins(tmp_path: Path, files: dict[str, str], version: int | None, tf1: bool) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = declared(tmp_path)
    assert (found.version, found.tf1) == (version, tf1), found.evidence


def test_utf16_requirements_are_read_as_pip_reads_them(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes("keras==2.9.0\ntensorflow==2.9.1\n".encode("utf-16"))
    found = declared(tmp_path)
    assert found.version == 2, found.evidence


@pytest.mark.parametrize("code, version", [
    ("from keras.engine.topology import Layer\n", 2),
    ("from keras.utils import multi_gpu_model, to_categorical\n", 2),
    ("import tensorflow as tf\nsess = tf.Session()\n", 2),
    ("from keras.preprocessing.image import ImageDataGenerator\n", 2),
    ("from tensorflow.keras.preprocessing.image import ImageDataGenerator\n", None),  # tf.keras on Keras 3 keeps it
    ("import keras\nx = keras.ops.add(1, 2)\n", 3),
    ("from keras.optimizers import SGD\nopt = SGD(lr=0.1, momentum=0.9)\n", 2),
    ("import keras\nmodel.fit(x, y, nb_epoch=10)\n", 2),
    ("import keras\nmodel.fit_generator(batches(), samples_per_epoch=10, nb_worker=2)\n", 2),
    ("import network\nnetwork.model().fit_generator(gen(), nb_epoch=2, pickle_safe=True)\n", 2),  # no Keras word
    ("import tensorflow.compat.v1 as tf\nsess = tf.Session()\n", None),  # TF 2 in compat mode
    ("import keras\nmodel = keras.models.load_model('m')\n", None),  # both Keras have it
])
def test_code_signals(tmp_path: Path, code: str, version: int | None) -> None:
    (tmp_path / "module.py").write_text(code)
    found = from_code(tmp_path)
    assert found.version == version, found.evidence
