"""Edits from AST positions: what rules use to build a fix (AST columns count UTF-8 bytes, edits count
characters, as findings do)."""

from __future__ import annotations

import ast

from diagnose.lint.engine import _column as column
from diagnose.lint.fix.model import Edit

Position = tuple[int, int]  # (1-based row, 0-based UTF-8 byte offset), as the ast module gives them


def start_of(node: ast.AST) -> Position:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


def end_of(node: ast.AST) -> Position:
    return node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]


def between(lines: list[str], start: Position, end: Position, content: str) -> Edit:
    """Replace what lies between two AST positions."""
    return Edit(start[0], column(lines, *start), end[0], column(lines, *end), content)


def replace(lines: list[str], node: ast.AST, content: str) -> Edit:
    """Replace a node's source."""
    return between(lines, start_of(node), end_of(node), content)


def insert(lines: list[str], at: Position, content: str) -> Edit:
    """Insert text at an AST position."""
    return between(lines, at, at, content)


def delete_argument(lines: list[str], call: ast.Call, argument: ast.AST) -> Edit:
    """Remove one argument (a positional expression or a keyword) from a call, with the comma that
    separates it from its neighbour: the one before it, or after it when it is the first."""
    arguments = sorted([*call.args, *call.keywords], key=start_of)
    at = arguments.index(argument)
    if at > 0:
        return between(lines, end_of(arguments[at - 1]), end_of(argument), "")
    if len(arguments) > 1:
        return between(lines, start_of(argument), start_of(arguments[1]), "")
    return between(lines, start_of(argument), end_of(argument), "")
