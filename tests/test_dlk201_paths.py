"""DLK201 says on which path the TF runtime started: the branches it started in that the fork is not in."""

from __future__ import annotations

from pathlib import Path

from diagnose.lint.config import Settings
from diagnose.lint.engine import check_path

HEADER = '''import multiprocessing
import sys

import tensorflow as tf


def work(n):
    return float(tf.reduce_sum(tf.ones([n])))


'''


def messages(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "job.py"
    path.write_text(HEADER + body)
    result = check_path(str(path), Settings(root=tmp_path))
    return [f.message for f in result.findings if f.code == "DLK201"]


def test_a_start_behind_a_flag_names_the_flag(tmp_path: Path) -> None:
    found = messages(tmp_path, '''if __name__ == "__main__":
    if "--warm" in sys.argv:
        tf.keras.models.load_model("m.keras")
    with multiprocessing.Pool(2) as pool:
        print(pool.map(work, [1, 2]))
''')
    assert len(found) == 1 and "when `'--warm' in sys.argv`" in found[0]


def test_a_start_on_every_branch_names_no_condition(tmp_path: Path) -> None:
    found = messages(tmp_path, '''if __name__ == "__main__":
    if "--gpu" in sys.argv:
        tf.keras.models.load_model("gpu.keras")
    else:
        tf.keras.models.load_model("cpu.keras")
    with multiprocessing.Pool(2) as pool:
        print(pool.map(work, [1, 2]))
''')
    assert len(found) == 1 and "when" not in found[0]


def test_a_condition_the_fork_shares_is_not_named(tmp_path: Path) -> None:
    found = messages(tmp_path, '''if __name__ == "__main__":
    if "--run" in sys.argv:
        tf.keras.models.load_model("m.keras")
        with multiprocessing.Pool(2) as pool:
            print(pool.map(work, [1, 2]))
''')
    assert len(found) == 1 and "when" not in found[0]
