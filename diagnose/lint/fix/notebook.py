"""Fixes in a Jupyter notebook, cell by cell: a fix whose edits all lie in one code cell, on lines the
checker read as they are (not magics, not a cell indented as a whole), is applied to that cell's text;
outputs and metadata are kept."""

from __future__ import annotations

import json

from diagnose.lint.fix.apply import apply_fixes
from diagnose.lint.fix.model import Edit, Fix
from diagnose.lint.fix.rounds import parses
from diagnose.lint.noqa import physical_lines
from diagnose.lint.notebook import Notebook, cell_text, dump, parse, set_cell_text


def _in_cell(notebook: Notebook, module: list[str], fix: Fix) -> tuple[int, Fix] | None:
    """The cell a fix lies in and the fix in that cell's rows; None when it spans cells or touches a line
    the checker rewrote."""
    cells, edits = set(), []
    for edit in fix.edits:
        start, end = notebook.position(edit.row), notebook.position(edit.end_row)
        if start is None or end is None or start[0] != end[0]:
            return None
        if any(module[row - 1] != notebook.lines[row - 1] for row in range(edit.row, edit.end_row + 1)):
            return None
        cells.add(start[0])
        edits.append(Edit(start[1], edit.column, end[1], edit.end_column, edit.content))
    return (cells.pop(), Fix(fix.applicability, fix.message, tuple(edits))) if len(cells) == 1 else None


def apply_to_notebook(data: bytes, fixes: list[Fix]) -> tuple[bytes, set[Fix]] | None:
    """Fixes applied to a notebook's cells; None when it is not a notebook or a fixed cell breaks the module."""
    try:
        notebook, document = parse(data), json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return None
    module = physical_lines(notebook.source)
    by_cell: dict[int, dict[Fix, Fix]] = {}
    for fix in fixes:
        placed = _in_cell(notebook, module, fix)
        if placed is not None:
            by_cell.setdefault(placed[0], {})[placed[1]] = fix
    applied: set[Fix] = set()
    for number, cell_fixes in by_cell.items():
        cell = document["cells"][number - 1]
        text, done = apply_fixes(cell_text(cell), list(cell_fixes))
        set_cell_text(cell, text)
        applied |= {cell_fixes[f] for f in done}
    new = dump(document, data)
    return (new, applied) if parses(parse(new).source) else None
