"""ruff's ``grouped`` format: findings under a header per file, positions aligned."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from diagnose.lint.finding import Finding
from diagnose.report.formats.paths import display_path


def render(findings: list[Finding], stream: TextIO) -> None:
    for path, group in groupby(sorted(findings), key=lambda f: f.path):
        items = list(group)
        row_width = max(len(str(f.row)) for f in items)
        column_width = max(len(str(f.column)) for f in items)
        stream.write(f"{display_path(path)}:\n")
        for f in items:
            stream.write(f"  {f.row:>{row_width}}:{f.column:<{column_width}} {f.code} {f.message}\n")
        stream.write("\n")
