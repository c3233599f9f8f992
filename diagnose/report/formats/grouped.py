"""ruff's ``grouped`` format: findings under a header per file, positions aligned."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from diagnose.lint.finding import Finding
from diagnose.report.formats.colour import Painter, severity_style
from diagnose.report.formats.paths import display_path
from diagnose.report.formats.sources import SourceLines


def render(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
    sources, paint = sources or SourceLines(), Painter.for_stream(stream)
    for path, group in groupby(sorted(findings), key=lambda f: f.path):
        items = list(group)
        places = [sources.location(f.path, f.row, f.column).rsplit(":", 1) for f in items]
        row_width = max(len(row) for row, _ in places)
        column_width = max(len(column) for _, column in places)
        stream.write(paint(display_path(path), "bold") + ":\n")
        for f, (row, column) in zip(items, places):
            code = paint(f.code, *severity_style(f.severity.value))
            stream.write(f"  {row:>{row_width}}:{column:<{column_width}} {code} [{f.severity.value}] {f.message}\n")
        stream.write("\n")
