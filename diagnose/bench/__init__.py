"""``predlint bench``: does multiprocessing help this prediction at all? Measured, not guessed.

Importing this package is cheap (stdlib only); ``run_benchmark`` pulls NumPy and TensorFlow
when first used.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "run_benchmark":
        from diagnose.bench.runner import run_benchmark

        return run_benchmark
    raise AttributeError(f"module 'diagnose.bench' has no attribute {name!r}")


__all__ = ["run_benchmark"]
