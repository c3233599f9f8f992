"""Edits from AST positions: what rules use to build a fix (AST columns count UTF-8 bytes, edits count
characters, as findings do)."""

from __future__ import annotations

import ast

from diagnose.lint.engine import char_column
from diagnose.lint.fix.model import Edit

Position = tuple[int, int]  # (1-based row, 0-based UTF-8 byte offset), as the ast module gives them


def start_of(node: ast.AST) -> Position:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


def end_of(node: ast.AST) -> Position:
    return node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]


def between(lines: list[str], start: Position, end: Position, content: str) -> Edit:
    """Replace what lies between two AST positions."""
    return Edit(start[0], char_column(lines, *start), end[0], char_column(lines, *end), content)


def replace(lines: list[str], node: ast.AST, content: str) -> Edit:
    """Replace a node's source."""
    return between(lines, start_of(node), end_of(node), content)


def insert(lines: list[str], at: Position, content: str) -> Edit:
    """Insert text at an AST position."""
    return between(lines, at, at, content)


def delete_arguments(lines: list[str], call: ast.Call, doomed: list[ast.AST]) -> list[Edit]:
    """Remove arguments (positional expressions or keywords) from a call with the commas that separate them:
    each run of neighbours goes with the comma before it, or after it when it starts the call."""
    arguments = sorted([*call.args, *call.keywords], key=start_of)
    edits = []
    at = 0
    while at < len(arguments):
        if arguments[at] not in doomed:
            at += 1
            continue
        last = at
        while last + 1 < len(arguments) and arguments[last + 1] in doomed:
            last += 1
        if at > 0:
            edits.append(between(lines, end_of(arguments[at - 1]), end_of(arguments[last]), ""))
        elif last + 1 < len(arguments):
            edits.append(between(lines, start_of(arguments[at]), start_of(arguments[last + 1]), ""))
        else:
            edits.append(between(lines, start_of(arguments[at]), end_of(arguments[last]), ""))
        at = last + 1
    return edits
