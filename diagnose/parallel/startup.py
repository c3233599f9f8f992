"""Starting worker processes cheaply, where that is safe.

Two savings, both measured by ``benchmarks/worker_startup.py``:

- A spawned (or forkserver) child re-imports the parent's main script before it runs anything,
  and a script that imports TensorFlow at the top makes every worker pay that import again. When
  nothing the worker receives comes from ``__main__``, the child is started without it.
- The forkserver imports TensorFlow once (``import tensorflow`` starts no runtime thread, so
  forking after it is safe), and every worker forked from it starts with TensorFlow imported.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import pickle
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FORKSERVER_PRELOAD = ("tensorflow",)  # never "__main__": a script's top level may start the TF runtime


def needs_main_module(value: Any) -> bool:
    """Whether unpickling ``value`` in a child needs the parent's ``__main__`` module."""
    return b"__main__" in pickle.dumps(value)


@contextmanager
def main_module_hidden(hide: bool) -> Iterator[None]:
    """While a child is started: if ``hide``, multiprocessing sees no main script to re-import."""
    main = sys.modules.get("__main__")
    if not hide or main is None:
        yield
        return
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def preload_tensorflow_in_forkserver() -> bool:
    """Make the forkserver import TensorFlow (only if it has not started yet); whether it will."""
    if getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None) is not None:
        return False  # already running with whatever it preloaded
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(FORKSERVER_PRELOAD))
    return True
