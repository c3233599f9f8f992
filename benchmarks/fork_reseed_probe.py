"""Measure whether forked copies of a generator replay the same items when it orders them with a random
generator: the ``random`` module (reseeded in every forked child by CPython) against NumPy's global generator
(not reseeded). Four processes fork before the generator starts, each takes its first batch.

Run: ``python benchmarks/fork_reseed_probe.py`` (prints one line per source: how many distinct first batches
four forked children drew; 1 means every child replays the same items)."""

from __future__ import annotations

import multiprocessing
import random
import sys

import numpy as np


def batches(shuffle):
    order = list(range(100))
    while True:
        shuffle(order)
        yield order[:8]


def first_batch(stream, queue) -> None:
    queue.put(next(stream))


def distinct_first_batches(shuffle) -> int:
    context = multiprocessing.get_context("fork")
    stream = batches(shuffle)  # made in the parent, not started: each child starts its own copy
    queue = context.Queue()
    children = [context.Process(target=first_batch, args=(stream, queue)) for _ in range(4)]
    for child in children:
        child.start()
    drawn = {tuple(queue.get(timeout=30)) for _ in children}
    for child in children:
        child.join()
    return len(drawn)


def main() -> None:
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}; 4 forked children")
    print(f"random.shuffle: {distinct_first_batches(random.shuffle)} distinct first batches")
    print(f"numpy.random.shuffle: {distinct_first_batches(np.random.shuffle)} distinct first batches")


if __name__ == "__main__":
    main()
