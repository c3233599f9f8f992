"""One activation's local names: what the walker keeps per function call (or for the module)."""

from __future__ import annotations

from dataclasses import dataclass, field

from diagnose.lint.events import TfStart
from diagnose.lint.index import FunctionInfo
from diagnose.lint.values import Value


@dataclass
class Frame:
    """Local names of one function activation (or the module)."""

    env: dict[str, Value]
    function: FunctionInfo | None = None
    global_names: set[str] = field(default_factory=set)
    returns: list[Value] = field(default_factory=list)
    worker_of: Value | None = None
    left_started: TfStart | None = None  # the TF runtime started on a path that left by return/break/continue
