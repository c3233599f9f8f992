"""Ctrl-C during ``predict_chunked`` stops every worker and removes every shared-memory segment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from diagnose.parallel import leftover_segments

SCRIPT = textwrap.dedent(
    """
    import time
    import numpy as np
    from diagnose.parallel import predict_chunked

    def slow(batch):
        time.sleep(0.5)
        return batch

    if __name__ == "__main__":
        import keras

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.save(MODEL_PATH)
        predict_chunked(MODEL_PATH, np.zeros((400, 4), np.float32), workers=2, batch_size=4, preprocess=slow)
        print("finished without interruption")
    """
)


def wait_for(condition, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


@pytest.mark.timeout(120)
def test_ctrl_c_leaves_no_process_and_no_segment(tmp_path):
    script = tmp_path / "predict.py"
    script.write_text(f"MODEL_PATH = {str(tmp_path / 'm.keras')!r}\n" + SCRIPT)
    # Its own session, so the SIGINT goes to the whole group, as a terminal's Ctrl-C does.
    run = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    try:
        # predict() creates its segments only once the workers are up and taking chunks
        assert wait_for(lambda: leftover_segments(run.pid) or run.poll() is not None, timeout=90)
        assert run.poll() is None, run.communicate()[1][-2000:]
        workers = [p for p in psutil.Process(run.pid).children(recursive=True)]
        assert len(workers) >= 2
        time.sleep(0.5)
        os.killpg(run.pid, signal.SIGINT)
        _, stderr = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert "KeyboardInterrupt" in stderr
    assert wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in workers), 10)
    assert leftover_segments(run.pid) == []
