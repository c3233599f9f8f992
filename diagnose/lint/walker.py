"""Walk a module in execution order, tracking what each name holds, and record events.

Module statements run first, then the ``if __name__ == "__main__":`` block (it is simply the next
statement); calls into functions of the same module are followed a few levels deep with their
arguments bound. Workers (Process targets, pool functions and initializers) are walked as children
with the values handed to them bound to their parameters. Functions never reached are walked last,
with unknown parameters, so per-function rules still see them.

:class:`Walker` holds the walk's state and records events; its mixins, a module each, walk the code:
statements, branches (if/loop paths and their merge), expressions, bindings (names), classes (a project
class called), callbacks (functions handed to another library), functions (entering a function or a
worker), project_imports (other modules of the project), static_truth (tests decided without running)
and library (calls into the libraries predlint knows).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from diagnose.lint.bindings import Bindings
from diagnose.lint.branches import Branches
from diagnose.lint.callbacks import Callbacks
from diagnose.lint.classes import ClassCalls
from diagnose.lint.events import Condition, Event, Origin, TfStart
from diagnose.lint.expressions import Expressions
from diagnose.lint.frame import Frame
from diagnose.lint.functions import MAX_ROOT_WALKS, MAX_WALKS, FunctionWalks, qualified
from diagnose.lint.index import ModuleIndex
from diagnose.lint.library import LibraryCalls
from diagnose.lint.project_imports import ProjectImports
from diagnose.lint.statements import Statements
from diagnose.lint.static_truth import StaticTruth
from diagnose.lint.values import Value

if TYPE_CHECKING:
    from diagnose.lint.project import Member


class Walker(Statements, Branches, Expressions, Bindings, ClassCalls, Callbacks, FunctionWalks, ProjectImports,
             StaticTruth, LibraryCalls):
    """Runs the abstract interpretation of one module and collects its events."""

    def __init__(self, index: ModuleIndex, default_start_method: str, keras_version: int | None,
                 tf1: bool = False, imported: bool = False) -> None:
        self.index = index
        self.home = index  # the module being checked; ``index`` is another one while its code is walked
        self.project = index.project
        self.imported = imported  # walked as ``import`` runs it: its main guard does not run
        self.default_start_method = default_start_method
        self.default_keras, self.tf1 = keras_version, tf1
        self.keras_version = index.keras_version_hint() or keras_version
        self.eager = False  # tf.enable_eager_execution() ran (here or in a module imported before): no graph mode
        self.events: list[Event] = []
        self.module = Frame(env={})
        self.stack: list[Frame] = [self.module]
        self.tf_started: TfStart | None = None
        self.start_method: str | None = None
        self.import_time = True
        self.in_child = False
        self.walked: set[ast.AST] = set()
        self.active: list[ast.AST] = []
        self.walks, self.walk_budget = 0, MAX_WALKS
        self.child_walked: set[tuple[int, int]] = set()
        # (generator, its object) walked once; the object is kept so that its id is not reused by another
        self.generators_walked: dict[tuple[int, int], Value | None] = {}
        self.journals: list[tuple[dict[str, Value], dict[str, Value]]] = []  # open branches' first writes
        self.open_branches: list[list[tuple[dict[str, Value], dict[str, Value]]]] = []  # each open if's journals
        self.home_frame = self.module
        self.site: ast.AST | None = None  # the checked module's node that led into another module's code
        # the checked module's calls that pass ``use_multiprocessing=``: what each handed over
        self.asked_for_processes: dict[ast.AST, list[Value]] = {}
        self.relocated: dict[int, Origin] = {}  # event seq -> where in another module it really happened
        self.modules_run: set[str] = set()  # project modules whose import effects were applied
        self.members: dict[tuple[str | None, str], Member | None] = {}  # imported names resolved, by importer
        self.from_top = True  # walking what the module's own top level runs (not a function others call)
        self.started_arm: dict[ast.If, int] = {}  # the branch of an ``if`` in which the TF runtime started
        self.carried: dict[ast.If, int] = {}  # in a loop's next iteration: the branch each fixed ``if`` takes
        self.conditions: list[Condition] = []  # the ``if`` branches being walked, outermost first
        self.loops: list[ast.AST] = []  # loops and comprehensions being walked, outermost first
        self.globals_read: list[tuple[str, Value]] | None = None  # a worker's reads of the parent's generators
        self.attributes_read: list[Value] | None = None  # generators a worker reads from objects' attributes
        self.child_globals: set[str] = set()  # globals the worker being walked binds itself

    def run(self) -> list[Event]:
        self.block(self.index.tree.body)
        if self.imported:
            return self.events
        self.import_time, self.from_top = False, False
        self.walk_budget = MAX_ROOT_WALKS  # each root its own: what is reported does not depend on what came first
        for cls in self.index.classes.values():
            self.walks = 0
            self.walk_unused_class(cls)
        for node, info in list(self.index.all_functions.items()):
            if node not in self.walked:
                self.walks = 0
                self.tf_started, self.in_child = None, False
                self.enter(info, [], {}, self_value=None, worker_of=None, called=False)
        return self.events

    def runs_as_script(self) -> bool:
        """Whether ``__name__ == "__main__"`` can hold in the code being walked: the checked module's own
        code, reached from its top level, when it is run rather than imported."""
        return self.index is self.home and self.from_top and not self.imported

    def record(self, cls: type, node: ast.AST, **fields: object) -> Event:
        """Record an event; one in another module's code is recorded where the checked module led to it."""
        origin = self.origin_of(node) if self.index is not self.home else None
        event = cls(node=self.site if origin else node, seq=len(self.events), in_child=self.in_child, **fields)
        if origin is not None and self.site is None:
            return event  # nowhere in the checked module to report it
        if origin is not None:
            self.relocated[event.seq] = origin
        self.events.append(event)
        return event

    def origin_of(self, node: ast.AST) -> Origin:
        """Where a node of the module being walked is, for a report on the checked module."""
        function = self.frame.function
        return Origin(self.project.display(self.index.path or ""), getattr(node, "lineno", 1),
                      qualified(function) if function is not None else None, self.index.path or "")

    @property
    def frame(self) -> Frame:
        return self.stack[-1]

    @property
    def graph_mode(self) -> bool:
        """TF1-style graph code is being walked (the module's names, or the project, say so), unless eager
        execution was switched on: the switch is process-wide."""
        return (self.tf1 or self.index.graph_mode) and not self.eager

    @property
    def effective_start_method(self) -> str:
        return self.start_method or self.default_start_method

    def start_tf(self, node: ast.AST, why: str, assumed: bool = False) -> None:
        """The TF runtime starts here, unless it already did (a measured start replaces an assumed one)."""
        self.take_tf(TfStart(node, why, assumed, self.origin_of(node) if self.index is not self.home else None,
                             tuple(self.conditions)))

    def take_tf(self, started: TfStart) -> None:
        if self.tf_started is None or self.tf_started.assumed and not started.assumed:
            self.tf_started = started



def walk_module(index: ModuleIndex, default_start_method: str, keras_version: int | None,
                tf1: bool = False, interactive: bool = False) -> tuple[list[Event], Walker]:
    """Run the walker over a module; returns its events and the walker (for its final state).

    ``interactive``: the code runs as ``__main__`` and is never imported (a notebook's cells), so its
    top level is not import time."""
    walker = Walker(index, default_start_method, keras_version, tf1)
    walker.import_time = not interactive
    return walker.run(), walker
