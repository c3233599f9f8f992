"""Jupyter notebooks as one module: the code cells in order, IPython magics and shell lines left out.

Rows of the module are rows of the notebook's code cells one after the other, so a finding's row maps
back to a cell and a row in it (as ruff reports them: ``nb.ipynb:cell 3:2:5``). Cells are numbered
from 1 among all cells, markdown included, as Jupyter shows them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

SUFFIX = ".ipynb"
# Lines that are IPython, not Python: ``%magic``, ``!shell``, ``x = %magic``, ``x = !shell``, ``obj?``.
MAGIC_LINE = re.compile(r"\s*([%!]|[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]|\??[\w.]+\?\??\s*$"
                        r"|\?\??[\w.]+\s*$)")
# Cell magics whose body is still Python run in the kernel.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})


@dataclass(frozen=True)
class Notebook:
    """The module predlint checks, the cells' own lines for display, and each row's cell and row in it."""

    source: str
    lines: list[str]
    cells: list[tuple[int, int]]  # per module row (0-based list index): (cell number, row in the cell)

    def position(self, row: int) -> tuple[int, int] | None:
        """(cell, row in the cell) of a 1-based module row, or None when out of range."""
        return self.cells[row - 1] if 0 < row <= len(self.cells) else None


def is_notebook(path: str) -> bool:
    return path.endswith(SUFFIX)


def cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def python_lines(lines: list[str]) -> list[str]:
    """The lines to analyse: a magic or shell line becomes ``pass`` (it may be a block's only statement)
    and its backslash-continued lines become empty; a cell under a non-Python cell magic (``%%bash``)
    becomes empty."""
    first = lines[0].strip() if lines else ""
    if first.startswith("%%") and first[2:].split(" ", 1)[0] not in PYTHON_CELL_MAGICS:
        return [""] * len(lines)
    out = []
    continued = False  # the previous line was a magic or shell line ending in a backslash
    depth = 0  # open brackets of the Python lines so far: a line inside them is a continuation
    for line in _dedented(lines):
        python_continues = depth > 0 or bool(out) and out[-1].rstrip("\r\n").endswith("\\")
        magic = continued or (MAGIC_LINE.match(line) is not None and not python_continues)  # `% 3` in brackets
        if continued:
            out.append("")
        elif magic:
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}pass")
        else:
            out.append(line)
            depth = max(0, depth + sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}"))
        continued = magic and line.rstrip("\r\n").endswith("\\")
    return out


def _dedented(lines: list[str]) -> list[str]:
    """A cell as IPython runs it: the first line's indentation is removed from every line."""
    first = next((line for line in lines if line.strip()), "")
    indent = first[:len(first) - len(first.lstrip())]
    if not indent or not all(line.startswith(indent) or not line.strip() for line in lines):
        return lines
    return [line[len(indent):] if line.strip() else line for line in lines]


def _is_python(document: dict) -> bool:
    metadata = document.get("metadata") or {}
    language = (metadata.get("language_info") or {}).get("name") or (metadata.get("kernelspec") or {}).get("language")
    return language is None or str(language).lower() == "python"


def parse(data: bytes) -> Notebook:
    """A notebook's module; raises ValueError for a file that is not a notebook."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON notebook ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no 'cells' list)")
    analysed: list[str] = []
    shown: list[str] = []
    cells: list[tuple[int, int]] = []
    if not _is_python(document):
        return Notebook("", [], [])
    for number, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        lines = cell_text(cell).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        shown.extend(lines)
        analysed.extend(python_lines(lines))
        cells.extend((number, row) for row in range(1, len(lines) + 1))
    return Notebook("".join(f"{line}\n" for line in analysed), shown, cells)


def set_cell_text(cell: dict, text: str) -> None:
    """Store a cell's new text in the shape its source had (a list of lines, or one string)."""
    from diagnose.lint.noqa import physical_lines

    cell["source"] = physical_lines(text, keepends=True) if isinstance(cell.get("source"), list) else text


def dump(document: dict, like: bytes) -> bytes:
    """A notebook written back as ``like`` was: its indentation, BOM and final newline; outputs and metadata
    as they were read."""
    indent = re.match(rb"(?:\xef\xbb\xbf)?\{\r?\n( *)", like)
    text = json.dumps(document, indent=len(indent.group(1)) if indent else None, ensure_ascii=False)
    bom = "\ufeff" if like.startswith(b"\xef\xbb\xbf") else ""
    return (bom + text + ("\n" if like.endswith(b"\n") else "")).encode("utf-8")
