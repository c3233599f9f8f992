"""Cheap worker start-up, where it is safe: no re-import of the main script, a TF-preloaded forkserver.

Each case runs a small script in its own process (a forkserver is one per process, and the
main script is what is being tested), under a hard timeout, and checks what was left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from diagnose.parallel import leftover_segments


def run_script(tmp_path, source: str, timeout: float) -> tuple[str, str]:
    """Run ``source`` as a main script in ``tmp_path``; its stdout and stderr."""
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(source))
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, start_new_session=True)
    try:
        stdout, stderr = run.communicate(timeout=timeout)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 0, stderr[-3000:]
    assert leftover_segments(run.pid) == []
    return stdout, stderr


HELPERS = """
import time

def slow(batch):  # preprocess defined outside the main script
    time.sleep(0.05)
    return batch * 2.0
"""

MAIN_IMPORTS = """
    import os
    import numpy as np
    from diagnose.parallel import predict_chunked
    from helpers import slow

    with open("imported-by.txt", "a") as log:  # every process that imports this script says so
        log.write(f"{os.getpid()}\\n")

    class Linear:
        def predict_on_batch(self, batch):
            return batch[:, :2]

    if __name__ == "__main__":
        predict_chunked(Linear(), np.zeros((1600, 4), np.float32), workers=2, batch_size=8, preprocess=slow,
                        verbose=1)
        print(os.getpid())
"""


@pytest.mark.timeout(120)
def test_workers_do_not_re_import_the_main_script(tmp_path):
    (tmp_path / "helpers.py").write_text(HELPERS)
    stdout, stderr = run_script(tmp_path, MAIN_IMPORTS, timeout=110)
    assert "starting 2 preprocessing workers" in stderr
    prepared = int(stderr.split(" prepared by workers")[0].rsplit(", ", 1)[1])
    assert prepared > 0  # the workers did start, and took work
    importers = (tmp_path / "imported-by.txt").read_text().split()
    assert importers == [stdout.strip()]


FORKSERVER = """
    import json, os
    import numpy as np
    import psutil
    from diagnose.parallel import ParallelPredictor

    if __name__ == "__main__":
        import keras

        keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save("m.keras")
        with ParallelPredictor("m.keras", workers=1, batch_size=8, start_method="forkserver") as pool:
            predictions = pool.predict(np.ones((20, 4), np.float32))
            (server,) = [p for p in psutil.Process().children() if "forkserver" in " ".join(p.cmdline())]
            threads = [open(f"/proc/{server.pid}/task/{tid}/comm").read().strip()
                       for tid in os.listdir(f"/proc/{server.pid}/task")]
            libraries = {os.path.basename(m.path) for m in server.memory_maps()}
        print(json.dumps({"shape": predictions.shape, "finite": bool(np.isfinite(predictions).all()),
                          "threads": threads, "tensorflow_loaded": any("tensorflow" in name for name in libraries)}))
"""


@pytest.mark.timeout(300)
def test_forkserver_imported_tensorflow_but_started_no_runtime(tmp_path):
    stdout, _ = run_script(tmp_path, FORKSERVER, timeout=290)
    seen = json.loads(stdout.strip().splitlines()[-1])
    assert seen["tensorflow_loaded"], "the forkserver should have imported TensorFlow"
    assert not [name for name in seen["threads"] if name.startswith("tf_")], seen["threads"]
    assert seen["shape"] == [20, 2] and seen["finite"]  # a worker forked from it predicts
