"""The rule base class and the module facts every rule queries."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

from diagnose.lint.events import Event, Origin
from diagnose.lint.finding import Severity
from diagnose.lint.fix.model import Fix
from diagnose.lint.index import ModuleIndex
from diagnose.lint.values import Kind, Value


@dataclass
class Report:
    """A rule's raw finding: the node it covers, the message (severity defaults to the rule's) and how to
    repair it, if the rule knows."""

    node: ast.AST
    message: str
    severity: Severity | None = None
    fix: Fix | None = None
    places: tuple[tuple[Origin, str], ...] = ()  # other places it rests on that the walk did not relocate


@dataclass
class ModuleFacts:
    """Everything known about one module: its index, the walker's events, its final module names, and its
    physical lines (without line endings; what fixes are written against)."""

    index: ModuleIndex
    events: list[Event]
    module_env: dict[str, Value]
    lines: list[str] = field(default_factory=list)

    def of(self, cls: type) -> Iterator:
        """Events of one type, in execution order."""
        return (e for e in self.events if isinstance(e, cls))

    @cached_property
    def known_queue_reads(self) -> frozenset[ast.AST]:
        """Call nodes that read a value the walker knows is a queue."""
        from diagnose.lint.events import QueueOp
        from diagnose.lint.values import QUEUES

        return frozenset(op.node for op in self.of(QueueOp) if op.queue.kind in QUEUES)

    def reads_queue(self, call: ast.Call) -> bool:
        """Whether a ``.get()`` call reads a queue: known from the walk, or named like one."""
        from diagnose.lint.syntax import looks_like_queue

        return call in self.known_queue_reads or looks_like_queue(call.func.value)  # type: ignore[attr-defined]

    @cached_property
    def model_globals(self) -> frozenset[str]:
        """Module-level names that hold a model once the module has run."""
        return frozenset(n for n, v in self.module_env.items() if v.kind is Kind.MODEL)


# What the other places a finding names can be (``diagnose.lint.places``): where a process was created or a
# Keras call made in another module on the finding's behalf, where a value it hands over was made, where
# the TF runtime started.
PROCESS_PLACE, KERAS_CALL_PLACE, VALUE_PLACE, RUNTIME_PLACE = "process", "keras call", "value", "runtime"
ALL_PLACES = frozenset({PROCESS_PLACE, KERAS_CALL_PLACE, VALUE_PLACE, RUNTIME_PLACE})


class Rule:
    """A DLK rule. Subclasses set the metadata and implement :meth:`check`; the docstring is the rule's
    documentation (What it does / Why is this bad? / Example / Use instead / References)."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    default_enabled: ClassVar[bool] = True
    fixability: ClassVar[str] = "none"  # the fix it offers: "safe", "unsafe" (--unsafe-fixes) or "none"
    fix_how: ClassVar[str] = ""  # what its fix does and when it is offered (``predlint rule CODE``)
    related_places: ClassVar[frozenset[str]] = ALL_PLACES  # the other places its message may name

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        """The rule's page, dedented."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The first sentence of the "What it does" section."""
        doc = cls.documentation()
        match = re.search(r"## What it does\s+(.+?)(?:\n\n|$)", doc, re.S)
        text = " ".join((match.group(1) if match else doc.split("\n\n")[0]).split())
        return text.split(". ")[0].rstrip(".") + "."

    @classmethod
    def examples(cls) -> tuple[str, str]:
        """The bad example and the good one, from the "Example" and "Use instead" code blocks."""
        doc = cls.documentation()
        blocks = {}
        for heading in ("Example", "Use instead"):
            match = re.search(rf"## {heading}\s+```python\n(.*?)```", doc, re.S)
            blocks[heading] = match.group(1) if match else ""
        return blocks["Example"], blocks["Use instead"]
