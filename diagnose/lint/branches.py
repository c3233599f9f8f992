"""Paths that exclude each other (an ``if``'s branches, a loop's iterations): each walked from the same
state, with writes journaled so that the names are merged where the paths join, and the TF runtime start
carried to the code after them."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace

from diagnose.lint.events import Condition, TfStart
from diagnose.lint.frame import Frame
from diagnose.lint.nodes import own_nodes
from diagnose.lint.static_truth import invariant
from diagnose.lint.values import UNKNOWN, Kind, Value, is_none

PROCESS_OVER_THREAD = {Kind.POOL: Kind.THREAD_POOL, Kind.EXECUTOR: Kind.THREAD_EXECUTOR}


def _merge(paths: list[dict[str, Value]]) -> dict[str, Value]:
    """Local names after exclusive paths join: a name holds what every path gave it, the first path's value
    when all paths agree on its kind, the process pool where a flag chose between processes and threads,
    and unknown otherwise (a name is not a type: ``q`` may be a queue on one path and a process on another)."""
    merged: dict[str, Value] = {}
    for name in {n for path in paths for n in path}:
        values = [path.get(name, UNKNOWN) for path in paths]
        kinds = {v.kind for v in values}
        if len(kinds) == 1:
            same = all(v.literal == values[0].literal for v in values)
            merged[name] = values[0] if same else UNKNOWN  # a number that differs by path is not known
            continue
        model = next((v for v in values if v.kind is Kind.MODEL), None)
        if model is not None and kinds == {Kind.MODEL, Kind.UNKNOWN} \
                and all(v.kind is Kind.MODEL or v is UNBOUND or is_none(v) for v in values):
            merged[name] = model  # ``self.model = None`` then a model on one branch: set when it is used
            continue
        process = next((v for v in values if v.kind in PROCESS_OVER_THREAD), None)
        if process is not None and kinds <= {process.kind, PROCESS_OVER_THREAD[process.kind]}:
            merged[name] = process
        else:
            merged[name] = UNKNOWN
    return merged


UNBOUND = Value(Kind.UNKNOWN)  # a journal's mark for a name that had no value


def _restore(table: dict[str, Value], values: dict[str, Value]) -> None:
    """Set names of ``table`` to ``values`` (``UNBOUND``: remove the name)."""
    for key, value in values.items():
        if value is UNBOUND:
            table.pop(key, None)
        else:
            table[key] = value


def _unconditional(started: TfStart | None, choice: ast.If) -> TfStart | None:
    """A runtime start without the condition of an ``if`` each of whose ways started it."""
    if started is None:
        return None
    return replace(started, conditions=tuple(c for c in started.conditions if c.test is not choice.test))


class Branches:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: branches and loops, and the journal of their writes."""

    def branches(self, *bodies: list[ast.stmt], choice: ast.If | None = None) -> None:
        """Walk exclusive branches each from the same state (TF runtime, local names, ``self.``
        attributes); what a branch that returns or raises did does not reach the code after the ``if``.
        A name bound to different kinds of value on different paths is unknown after it (:func:`_merge`).
        Writes are journaled (:meth:`write`), so a branch costs what it binds, not the size of the scope.
        ``choice``, the ``if`` statement, notes which branch started the TF runtime: a later iteration of a
        loop that cannot change its test takes the same branch (:meth:`loop`)."""
        before, outcomes, started = self.tf_started, [], []
        env = self.frame.env
        owner = env.get("self") if self.frame.function is not None else None
        tables = [env] + ([owner.attrs] if owner is not None and owner.kind is Kind.INSTANCE else [])
        journals: list[tuple[dict[str, Value], dict[str, Value]]] = [(table, {}) for table in tables]
        self.journals.extend(journals)
        self.open_branches.append(journals)
        paths: list[list[dict[str, Value]]] = []
        try:
            for arm, body in enumerate(bodies):
                same_path = self.carried.get(choice, arm) == arm  # type: ignore[arg-type]
                self.tf_started = before if same_path else None
                for table, journal in journals:  # back to the state before the if
                    _restore(table, journal)
                if choice is not None:
                    self.conditions.append(Condition(choice.test, arm == 0))
                try:
                    self.block(body)
                finally:
                    if choice is not None:
                        self.conditions.pop()
                if choice is not None and before is None and self.tf_started is not None:
                    self.started_arm.setdefault(choice, arm)
                last = body[-1] if body else None
                if last is None or not self.ends_block(last):
                    outcomes.append(self.tf_started)
                    paths.append([{k: table.get(k, UNBOUND) for k in journal} for table, journal in journals])
                elif isinstance(last, (ast.Return, ast.Break, ast.Continue)) and self.tf_started is not before:
                    self.frame.left_started = self.frame.left_started or self.tf_started  # it reaches the exit
                if last is None or not isinstance(last, ast.Raise):
                    started.append(self.tf_started)
        finally:
            self.open_branches.pop()
            self.journals = [entry for entry in self.journals if all(entry is not mine for mine in journals)]
        self.tf_started = next((t for t in outcomes if t is not None), None) if outcomes else before
        if choice is not None and before is None and started and None not in started:  # every way on started it
            self.tf_started, self.frame.left_started = (
                _unconditional(t, choice) for t in (self.tf_started, self.frame.left_started))
        for index, (table, journal) in enumerate(journals):  # a table journaled from a later arm on: the
            ends = [{k: path[index].get(k, old) if index < len(path) else old  # earlier arms left it alone
                     for k, old in journal.items()} for path in paths]
            _restore(table, _merge(ends) if ends else journal)

    def write(self, table: dict[str, Value], key: str, value: Value, anywhere: bool = False) -> None:
        """``table[key] = value``, noting the old value for every open branch that journals ``table``.
        ``anywhere``: a table no branch journals yet (an argparse namespace's attributes) is journaled by
        every open branch from now on."""
        if anywhere:
            for journals in self.open_branches:
                if not any(journaled is table for journaled, _ in journals):
                    journals.append((table, {}))
                    self.journals.append(journals[-1])
        for journaled, journal in self.journals:
            if journaled is table and key not in journal:
                journal[key] = table.get(key, UNBOUND)
        table[key] = value

    def leave_block(self, frame: Frame) -> None:
        """After a function or loop: the runtime a path leaving it early started is started after it."""
        if self.tf_started is None and frame.left_started is not None:
            self.tf_started = frame.left_started

    @staticmethod
    def _choices(stmt: ast.stmt) -> list[ast.If]:
        """The ``if`` statements of a loop's body (not in nested functions)."""
        return [node for node in own_nodes(stmt) if isinstance(node, ast.If)]

    def loop(self, stmt: ast.stmt, walk_body: Callable[[], None]) -> None:
        """Walk a loop body; again if it started the TF runtime, since the next iteration starts after it.
        Where the runtime started in one branch of an ``if`` whose test the loop never changes (``if
        args.debug:``), the next iteration takes that branch again: the other branches stay before it."""
        before = self.tf_started
        if self.started_arm:  # empty until the runtime starts in a branch: most loops need not look inside
            for choice in self._choices(stmt):
                self.started_arm.pop(choice, None)
        self.loops.append(stmt)
        try:
            walk_body()
            if before is None and self.tf_started is not None:
                fixed = {c: self.started_arm[c] for c in self._choices(stmt)
                         if c in self.started_arm and invariant(c.test, stmt)}
                saved, self.carried = self.carried, {**self.carried, **fixed}
                try:
                    walk_body()
                finally:
                    self.carried = saved
        finally:
            self.loops.pop()
        self.leave_block(self.frame)
