"""Tables for people and for pipes: one line per row, identifiers never cut or wrapped.

Anywhere but a terminal (a pipe, a file), plain aligned lines, nothing cut. On a terminal, the same
lines with a bold header, and the last column (free text, not an identifier) cut with an ellipsis at
the terminal's edge."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import TextIO

from diagnose.report.formats.colour import Painter

GAP = "  "


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]], stream: TextIO | None = None,
                 title: str | None = None) -> None:
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    on_terminal = bool(isatty and isatty())
    paint = Painter.for_stream(stream)
    table = [[str(cell) for cell in row] for row in (headers, *rows)]
    widths = [max(len(row[n]) for row in table) for n in range(len(headers) - 1)]
    room = shutil.get_terminal_size().columns - sum(widths) - len(GAP) * len(widths) if on_terminal else None
    if title:
        stream.write(paint(title, "bold") + "\n")
    for number, row in enumerate(table):
        last = row[-1]
        if room is not None and len(last) > max(room, 10):
            last = last[:max(room, 10) - 1] + "…"
        line = GAP.join([*(f"{cell:<{width}}" for cell, width in zip(row, widths)), last]).rstrip()
        stream.write((paint(line, "bold") if number == 0 else line) + "\n")
