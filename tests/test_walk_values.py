"""What the walker knows of values the cross-module fixes rely on: platform tests, argparse namespaces merged
across if-arms, `a or b`, a worker keyword given as a name (one file each; the projects are in
fixtures/projects/)."""

from __future__ import annotations

from lint_support import check_text

GENERATOR = """\
import argparse
import platform

import tf_keras


def batches():
    while True:
        yield [0.0], [0.0]

"""


def codes(source: str, **table: object) -> list[tuple[int, str]]:
    return [(f.row, f.code) for f in check_text(GENERATOR + source, **{"keras-version": 2, **table})]


PLATFORM = """\
def train(model):
    if platform.system() == "Windows":
        use_mp = False
    else:
        use_mp = True
    model.fit_generator(batches(), steps_per_epoch=1, workers=4, use_multiprocessing=use_mp)
"""


def test_a_platform_test_is_decided_on_linux_only() -> None:
    assert codes(PLATFORM) == [(16, "DLK302")]
    assert codes(PLATFORM, platform="darwin") == []  # spawn: macOS or Windows, not told apart


def namespace(arms: str) -> str:
    return f"""\
def main(args):
    model = tf_keras.models.load_model("m.h5")
{arms}
    model.fit_generator(batches(), steps_per_epoch=1, workers=4, use_multiprocessing=args.mp)


if __name__ == "__main__":
    main(argparse.ArgumentParser().parse_args())
"""


def test_namespace_attributes_merge_across_if_arms_like_names() -> None:
    both = "    if args.fast:\n        args.mp = True\n    else:\n        args.mp = True\n"
    differ = "    if args.fast:\n        args.mp = True\n    else:\n        args.mp = False\n"
    one_arm = "    if args.fast:\n        args.mp = True\n"
    assert codes(namespace(both)) == [(18, "DLK302")]
    assert codes(namespace(differ)) == []
    assert codes(namespace(one_arm)) == []
    assert codes(namespace("    args.mp = False\n")) == []
    nested = "    if args.a:\n        if args.b:\n            args.mp = True\n{inner}    else:\n        args.mp = True\n"
    assert codes(namespace(nested.format(inner="        else:\n            args.mp = True\n"))) == [(21, "DLK302")]
    assert codes(namespace(nested.format(inner=""))) == []  # the inner if's other way leaves it unset
    returned = "    args.mp = False\n    if args.a:\n        args.mp = True\n        return\n"
    assert codes(namespace(returned)) == []  # the arm that set it returned


def test_a_default_built_behind_or_is_that_value() -> None:
    source = """\
import multiprocessing

from tensorflow import keras


def work(model):
    return model


def run(given=None):
    model = given or keras.models.load_model("m.keras")
    with multiprocessing.Pool(2) as pool:
        pool.map(work, [model])
"""
    assert {f.code for f in check_text(source)} == {"DLK101", "DLK201"}


def test_a_worker_count_held_by_a_name_is_that_number() -> None:
    one = "def train(model):\n    n = 1\n    model.fit_generator(batches(), steps_per_epoch=1, workers=n, use_multiprocessing=True)\n"
    assert codes(one) == []


def test_a_late_definition_is_walked_however_many_come_before_it() -> None:
    """Each uncalled function has its own walk budget: a pool in the last of 450 functions is still judged."""
    helpers = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(450))
    last = "def last():\n    pool = multiprocessing.Pool(2)\n    pool.map(abs, [1])\n"
    source = f"import multiprocessing\n\n\n{helpers}{last}"
    row = source.count("\n", 0, source.index("pool = ")) + 1
    assert (row, "DLK502") in [(f.row, f.code) for f in check_text(source)]


def test_dlk302_says_when_the_worker_count_is_the_callers() -> None:
    """A worker count the code does not write down is stated as the condition, not asserted."""
    source = ("import tf_keras\n\n\ndef batches():\n    while True:\n        yield [[0.0]]\n\n\n"
              "def run(model, n):\n    model.predict(batches(), steps=4, workers=n, use_multiprocessing=True)\n")
    messages = [f.message for f in check_text(source) if f.code == "DLK302"]
    assert messages and "several when `n` > 1" in messages[0]
