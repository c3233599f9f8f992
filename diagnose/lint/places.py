"""The other places a finding rests on: the module where a process was really created, where the model
it hands over was loaded, where the TF runtime started. They are named in the message and returned as
related locations (JSON ``related``, SARIF ``relatedLocations``); the finding itself stays where the
user acts."""

from __future__ import annotations

import ast

from diagnose.lint.events import Event, KerasCall, Origin, Spawn
from diagnose.lint.rule import (
    ALL_PLACES,
    KERAS_CALL_PLACE,
    PROCESS_PLACE,
    RUNTIME_PLACE,
    VALUE_PLACE,
    ModuleFacts,
)
from diagnose.lint.values import Kind

Place = tuple[Origin, str]  # where, and what happened there

SPAWNED = {"pool": "pool", "executor": "process pool", "process": "process", "manager": "manager server",
           "fork": "fork"}
VALUE_NOUNS = {Kind.MODEL: "model", Kind.GENERATOR: "generator", Kind.POOL: "pool", Kind.PROCESS: "process",
               Kind.DATASET: "dataset", Kind.KERAS_ITERATOR: "Keras iterator"}
_checking: set[str] = set()  # modules whose own findings are being computed (import cycles)


def _describe(event: Event, origin: Origin) -> str:
    if isinstance(event, Spawn):
        return f"{SPAWNED.get(event.api, 'process')} created at {origin.place()}"
    return f"{getattr(event, 'method', 'call')}() called at {origin.place()}"


def relocated_places(node: ast.AST, facts: ModuleFacts, relocated: dict[int, Origin],
                     kinds: frozenset[str] = ALL_PLACES, in_workers: bool = False) -> list[Place]:
    """The processes created and Keras calls made in another module's code on behalf of ``node``, of these
    ``kinds``; with ``in_workers``, also those made there by the workers ``node`` starts (not where the user
    acts, but where the finding may belong)."""
    wanted = tuple(t for t, kind in ((Spawn, PROCESS_PLACE), (KerasCall, KERAS_CALL_PLACE)) if kind in kinds)
    return [(relocated[e.seq], _describe(e, relocated[e.seq])) for e in facts.events
            if e.node is node and e.seq in relocated and (in_workers or not e.in_child) and isinstance(e, wanted)]


def value_places(node: ast.AST, facts: ModuleFacts, kinds: frozenset[str] = ALL_PLACES) -> list[Place]:
    """Values the events at ``node`` hand over or use that were made in another module, and the TF runtime
    start they come after when it happened there (of these ``kinds``)."""
    out: list[Place] = []
    for event in facts.events:
        if event.node is not node:
            continue
        values = list(getattr(event, "handed", [])) if VALUE_PLACE in kinds else []
        if isinstance(event, KerasCall) and VALUE_PLACE in kinds:
            values.append(event.data)
        for value in values:
            if value.origin is not None and value.kind in VALUE_NOUNS:
                out.append((value.origin, f"{VALUE_NOUNS[value.kind]} made at {value.origin.place()}"))
        started = getattr(event, "tf_started", None) if RUNTIME_PLACE in kinds else None
        if started is not None and started.origin is not None:
            out.append((started.origin, f"{started.why} at {started.origin.place()}"))
    return out


def places(node: ast.AST, facts: ModuleFacts, relocated: dict[int, Origin],
           kinds: frozenset[str] = ALL_PLACES) -> list[Place]:
    """Every other place of these ``kinds`` (what the rule's finding rests on) at ``node``, without repeats."""
    seen, out = set(), []
    for place in relocated_places(node, facts, relocated, kinds) + value_places(node, facts, kinds):
        if place[1] not in seen:
            seen.add(place[1])
            out.append(place)
    return out


def with_places(message: str, found: list[Place]) -> str:
    """The message, naming the other places it does not name yet."""
    extra = [text for origin, text in found if origin.place() not in message]
    return f"{message} ({'; '.join(extra)})" if extra else message


def related(found: list[Place]) -> tuple[tuple[str, int, str], ...]:
    """Related locations: (file, line, what happened there)."""
    return tuple((origin.file, origin.line, text) for origin, text in found)


def reported_there(relocated: list[Place], code: str, settings) -> bool:
    """Whether the module where an event really happened reports this rule on that line itself: then the
    finding belongs there, not at the call that led to it."""
    from diagnose.lint.engine import check_path

    for origin, _ in relocated:
        if not origin.file or origin.file in _checking:
            continue
        _checking.add(origin.file)
        try:
            own = check_path(origin.file, settings).findings
        finally:
            _checking.discard(origin.file)
        if any(f.code == code and f.row <= origin.line <= f.end_row for f in own):
            return True
    return False
