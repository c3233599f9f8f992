"""Render lint findings: ``full`` (rich code frames), ``concise``, ``json``, ``json-lines``, the CI formats
of :mod:`diagnose.report.formats`, and ``--statistics``."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from diagnose.lint.finding import Finding
from diagnose.report.formats.paths import display_path
from diagnose.report.formats.sources import SourceLines

CONTEXT_LINES = 1


def render_concise(findings: list[Finding], stream: TextIO) -> None:
    for f in findings:
        stream.write(f"{display_path(f.path)}:{f.row}:{f.column}: {f.code} {f.message}\n")


def render_json(findings: list[Finding], stream: TextIO) -> None:
    json.dump([finding_json(f) for f in findings], stream, indent=2)
    stream.write("\n")


def render_json_lines(findings: list[Finding], stream: TextIO) -> None:
    """One JSON object per line (``json-lines``), as ruff writes them."""
    for f in findings:
        stream.write(json.dumps(finding_json(f), separators=(",", ":")) + "\n")


def finding_json(f: Finding) -> dict[str, object]:
    """The ruff-compatible JSON object of one finding."""
    return {
        "code": f.code,
        "name": f.name,
        "message": f.message,
        "severity": f.severity.value,
        "filename": os.path.abspath(f.path),
        "location": {"row": f.row, "column": f.column},
        "end_location": {"row": f.end_row, "column": f.end_column},
        "url": None,
        "fix": None,
        "noqa_row": f.noqa_row,
    }


def render_full(findings: list[Finding], stream: TextIO) -> None:
    """ruff-style: a header line per finding, then the source with the span underlined."""
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False)
    sources = SourceLines()
    for f in findings:
        header = Text()
        header.append(display_path(f.path), style="bold")
        header.append(f":{f.row}:{f.column}: ", style="cyan")
        header.append(f.code, style="bold red" if f.severity.value == "error" else "bold yellow")
        header.append(f" {f.message}")
        console.print(header)
        lines = sources(f.path)
        if lines:
            console.print(_frame(f, lines))
        console.print()
    _summary(findings, console)


def _frame(f: Finding, lines: list[str]):
    from rich.text import Text

    first = max(1, f.row - CONTEXT_LINES)
    last = min(len(lines), max(f.row, min(f.end_row, f.row + 4)) + CONTEXT_LINES)
    width = len(str(last))
    frame = Text()
    gutter = " " * width + " |"
    frame.append(gutter + "\n", style="blue")
    for number in range(first, last + 1):
        line = lines[number - 1].expandtabs(4) if number <= len(lines) else ""
        frame.append(f"{number:>{width}} | ", style="blue")
        frame.append(line + "\n")
        if number == f.row:
            start = f.column - 1
            end = f.end_column - 1 if f.end_row == f.row else len(line.rstrip())
            frame.append(gutter + " " * (start + 1), style="blue")
            frame.append("^" * max(1, end - start) + f" {f.code}\n",
                         style="bold red" if f.severity.value == "error" else "bold yellow")
    frame.append(gutter, style="blue")
    return frame


def _summary(findings: list[Finding], console) -> None:
    if not findings:
        console.print("[bold green]All checks passed![/]")
        return
    files = len({f.path for f in findings})
    noun = "error" if len(findings) == 1 else "errors"
    console.print(f"Found [bold]{len(findings)}[/] {noun} in {files} file{'s' if files != 1 else ''}.")


def render_statistics(findings: list[Finding], stream: TextIO) -> None:
    """Counts per rule, most frequent first (``--statistics``)."""
    counts = Counter((f.code, f.name) for f in findings)
    width = max((len(str(n)) for n in counts.values()), default=1)
    for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        stream.write(f"{count:>{width}}\t{code}\t{name}\n")


Renderer = Callable[[list[Finding], TextIO], None]


def _deferred(module: str) -> Renderer:
    """The ``render`` of a :mod:`diagnose.report.formats` module, imported only when that format is used."""

    def render(findings: list[Finding], stream: TextIO) -> None:
        import importlib

        importlib.import_module(f"diagnose.report.formats.{module}").render(findings, stream)

    return render


FORMATS: dict[str, Renderer] = {
    "full": render_full,
    "concise": render_concise,
    "json": render_json,
    "json-lines": render_json_lines,
    **{name: _deferred(name) for name in ("grouped", "github", "gitlab", "junit", "sarif")},
}
