"""Indent statements one level deeper (to put them in a new block), leaving the inside of multi-line
strings and blank lines as they are."""

from __future__ import annotations

import ast

from diagnose.lint.fix.build import insert
from diagnose.lint.fix.model import Edit


def indent_unit(lines: list[str], row: int) -> str:
    """A tab where the row is indented with tabs, else four spaces."""
    line = lines[row - 1] if 0 < row <= len(lines) else ""
    return "\t" if line[:len(line) - len(line.lstrip())].startswith("\t") else "    "


def _inside_strings(statements: list[ast.stmt]) -> set[int]:
    """Rows that begin inside a multi-line string (their leading spaces are the string's content)."""
    rows: set[int] = set()
    for statement in statements:
        for node in ast.walk(statement):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
            text = literal or isinstance(node, ast.JoinedStr)
            if text and node.end_lineno and node.end_lineno > node.lineno:  # type: ignore[attr-defined]
                rows.update(range(node.lineno + 1, node.end_lineno + 1))  # type: ignore[operator]
    return rows


def indent(lines: list[str], statements: list[ast.stmt], unit: str, first: int | None = None) -> list[Edit]:
    """Insertions of ``unit`` at the start of every row from ``first`` (default: the first statement's) to
    the end of the last statement (comments between them too)."""
    first = first or statements[0].lineno
    last = max(s.end_lineno or s.lineno for s in statements)
    skip = _inside_strings(statements)
    return [insert(lines, (row, 0), unit) for row in range(first, last + 1)
            if row not in skip and lines[row - 1].strip()]
