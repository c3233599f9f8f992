"""An object of a project class holding a Keras model, handed to a process (DLK101/DLK201): reported under fork only
when the child runs TF through it, under spawn when it is pickled with its model."""

from __future__ import annotations

from lint_support import check_text

HOLDER = '''
import multiprocessing
from tensorflow import keras

def read(network, rows):
    return network.{use}(rows)

class Feeder:
    def __init__(self, network):
        self.network = network

    def batches(self):
        multiprocessing.Process(target=read, args=(self.network, [1.0])).start()
        while True:
            yield 1

class Network:
    def __init__(self, path=None):
        self.model = None
        if path:
            self.model = keras.models.load_model(path)
{hooks}
    def scores(self, rows):
        return self.model.predict(rows)

    def arrange(self, rows):
        return list(rows)

    def train(self):
        return Feeder(self).batches()
'''

PROCESS_LINE = 13


def codes(use: str, hooks: str = "", **table: object) -> set[tuple[int, str, str]]:
    source = HOLDER.format(use=use, hooks=hooks)
    return {(f.row, f.code, f.severity.value) for f in check_text(source, **table) if f.code in ("DLK101", "DLK201")}


def test_forked_child_running_the_held_model_hangs() -> None:
    assert codes("scores") == {(PROCESS_LINE, "DLK101", "error"), (PROCESS_LINE, "DLK201", "error")}


def test_forked_child_using_only_python_methods_of_the_holder_is_clean() -> None:
    assert codes("arrange") == set()


def test_spawn_pickles_the_holder_with_its_model() -> None:
    assert codes("arrange", platform="darwin") == {(PROCESS_LINE, "DLK101", "warning")}


def test_a_holder_that_decides_its_own_pickling_is_not_judged_under_spawn() -> None:
    hooks = "\n    def __getstate__(self):\n        state = dict(self.__dict__)\n        del state['model']\n        return state\n"
    assert codes("arrange", hooks=hooks, platform="darwin") == set()
