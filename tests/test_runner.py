"""The runner pauses Python's cyclic garbage collector while it checks files: that is sound only while a check
makes no reference cycles, so that each file's syntax tree, index and walk are freed by reference counting
when the file is done. A back reference held strongly (``FunctionInfo.owner = index``, a bound method kept
on the walker) would keep every checked file's tree alive until the run ends; this test finds it."""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagnose.lint.config import apply_table, load_settings
from diagnose.lint.files import discover
from diagnose.lint.project import project_for
from diagnose.lint.project_keras import with_project_keras
from diagnose.lint.runner import check_files
from lint_support import ROOT

TREES = [ROOT / "fixtures" / "lint", ROOT / "fixtures" / "projects" / "xmod_model_loaded_elsewhere",
         ROOT / "fixtures" / "projects" / "xmod_worker_deep_below_pool"]


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    """What the collector finds unreachable, kept (not freed) for the test to read; what earlier tests left
    (their project models) is collected first."""
    project_for.cache_clear()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def _of_the_check(thing: object) -> bool:
    return isinstance(thing, ast.AST) or type(thing).__module__.startswith("diagnose.")


@pytest.mark.parametrize("tree", [pytest.param(t, id=t.name) for t in TREES])
def test_a_check_leaves_no_reference_cycles(tree: Path, saved_garbage: list[object],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    settings = with_project_keras(apply_table(load_settings(), {"select": ["ALL"]}, "test"), ["."])
    paths = [str(p) for p in discover(["."], settings)]
    results = check_files(paths, settings, jobs=1)
    assert any(r.findings for r in results)  # the walk ran
    del results
    gc.collect()  # the project model (kept for the run's other files) is not garbage yet
    cyclic = sorted({type(t).__qualname__ for t in saved_garbage if _of_the_check(t)})
    project_for.cache_clear()
    assert cyclic == []
