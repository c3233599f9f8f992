"""Render lint findings: ``full`` (code frames), ``concise``, ``json``, ``json-lines``, the CI formats of
:mod:`diagnose.report.formats`, the summary line and ``--statistics``.

Every renderer takes the findings, the stream and the :class:`SourceLines` to read sources from (the
bytes of standard input are provided there); the text formats colour their output on a terminal."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from diagnose.lint.finding import Finding, Severity
from diagnose.report.formats.colour import Painter, severity_style
from diagnose.report.formats.paths import display_path
from diagnose.report.formats.sources import SourceLines

CONTEXT_LINES = 1
TEXT_FORMATS = ("full", "concise", "grouped")  # the formats people read, with a summary line


def headline(f: Finding, sources: SourceLines, paint: Painter) -> str:
    """``path:row:col: CODE [severity] message`` (``path:cell N:row:col: …`` in a notebook)."""
    where = paint(display_path(f.path), "bold") + paint(f":{sources.location(f.path, f.row, f.column)}:", "cyan")
    return f"{where} {paint(f.code, *severity_style(f.severity.value))} [{f.severity.value}] {f.message}"


def render_concise(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
    sources, paint = sources or SourceLines(), Painter.for_stream(stream)
    for f in findings:
        stream.write(headline(f, sources, paint) + "\n")


def render_json(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
    sources = sources or SourceLines()
    json.dump([finding_json(f, sources) for f in findings], stream, indent=2)
    stream.write("\n")


def render_json_lines(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
    """One JSON object per line (``json-lines``), as ruff writes them."""
    sources = sources or SourceLines()
    for f in findings:
        stream.write(json.dumps(finding_json(f, sources), separators=(",", ":")) + "\n")


def finding_json(f: Finding, sources: SourceLines) -> dict[str, object]:
    """The ruff-compatible JSON object of one finding; in a notebook, ``cell`` and rows within the cell."""
    start, end = sources.cell(f.path, f.row), sources.cell(f.path, f.end_row)
    related = {"related": [{"filename": os.path.abspath(path), "location": {"row": row, "column": 1},
                            "message": what} for path, row, what in f.related]} if f.related else {}
    return {
        "code": f.code,
        "name": f.name,
        "message": f.message,
        "severity": f.severity.value,
        "filename": os.path.abspath(f.path),
        "cell": start[0] if start else None,
        "location": {"row": start[1] if start else f.row, "column": f.column},
        "end_location": {"row": end[1] if end else f.end_row, "column": f.end_column},
        "url": None,
        "fix": fix_json(f, sources),
        "noqa_row": f.noqa_row,
        **related,  # other modules the finding rests on (whole-project analysis)
    }


def fix_json(f: Finding, sources: SourceLines) -> dict[str, object] | None:
    """ruff's ``fix`` object (applicability, message, edits), rows within the cell in a notebook; None when
    the rule has no fix for this finding."""
    if f.fix is None:
        return None
    data = f.fix.to_dict()
    for edit in data["edits"]:  # type: ignore[attr-defined]
        for key in ("location", "end_location"):
            cell = sources.cell(f.path, edit[key]["row"])
            if cell is not None:
                edit[key]["row"] = cell[1]
    return data


def render_full(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
    """ruff-style: a header line per finding, then the source with the span underlined."""
    sources, paint = sources or SourceLines(), Painter.for_stream(stream)
    for f in findings:
        stream.write(headline(f, sources, paint) + "\n")
        if sources(f.path):
            stream.write(_frame(f, sources, paint) + "\n")
        stream.write("\n")


def _frame(f: Finding, sources: SourceLines, paint: Painter) -> str:
    """The finding's rows with a line of context each side (within its cell in a notebook), the span
    underlined."""
    lines = sources(f.path)
    cell = sources.cell(f.path, f.row)
    rows = range(max(1, f.row - CONTEXT_LINES),
                 min(len(lines), max(f.row, min(f.end_row, f.row + 4)) + CONTEXT_LINES) + 1)
    if cell is not None:
        rows = [r for r in rows if (sources.cell(f.path, r) or (None,))[0] == cell[0]]
    numbers = {r: (sources.cell(f.path, r) or (0, r))[1] for r in rows}
    width = len(str(max(numbers.values(), default=f.row)))
    gutter = paint(" " * width + " |", "blue")
    out = [gutter]
    for row in rows:
        line = lines[row - 1].expandtabs(4)
        out.append(f"{paint(f'{numbers[row]:>{width}} |', 'blue')} {line}".rstrip())
        if row == f.row:
            start = f.column - 1
            end = f.end_column - 1 if f.end_row == f.row else len(line.rstrip())
            carets = "^" * max(1, end - start) + f" {f.code}"
            out.append(f"{gutter} {' ' * start}{paint(carets, *severity_style(f.severity.value))}")
    out.append(gutter)
    return "\n".join(out)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def summary(findings: list[Finding]) -> str:
    """``Found 2 errors and 1 warning in 1 file.``, or ``All checks passed!``."""
    if not findings:
        return "All checks passed!"
    severities = Counter(f.severity for f in findings)
    parts = [_plural(severities[s], s.value) for s in (Severity.ERROR, Severity.WARNING) if severities[s]]
    return f"Found {' and '.join(parts)} in {_plural(len({f.path for f in findings}), 'file')}."


def render_summary(findings: list[Finding], stream: TextIO) -> None:
    """The summary line of the text formats, green when all passed."""
    paint = Painter.for_stream(stream)
    stream.write(paint(summary(findings), *(() if findings else ("bold", "green"))) + "\n")


def statistics(findings: list[Finding]) -> list[dict[str, object]]:
    """Counts per rule, most frequent first, with errors and warnings apart (``--statistics``)."""
    counts = Counter((f.code, f.name) for f in findings)
    warnings = Counter(f.code for f in findings if f.severity is Severity.WARNING)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"code": code, "name": name, "count": count, "errors": count - warnings[code],
             "warnings": warnings[code]} for (code, name), count in ordered]


def render_statistics(findings: list[Finding], stream: TextIO, output_format: str = "full") -> None:
    """``--statistics`` as text (count, code, name, and how many are warnings), ``json`` or ``json-lines``."""
    rows = statistics(findings)
    if output_format == "json":
        json.dump(rows, stream, indent=2)
        stream.write("\n")
        return
    if output_format == "json-lines":
        stream.writelines(json.dumps(row, separators=(",", ":")) + "\n" for row in rows)
        return
    width = max((len(str(row["count"])) for row in rows), default=1)
    for row in rows:
        note = f"\t({row['warnings']} warning{'s' if row['warnings'] != 1 else ''})" if row["warnings"] else ""
        stream.write(f"{row['count']:>{width}}\t{row['code']}\t{row['name']}{note}\n")


STATISTICS_FORMATS = (*TEXT_FORMATS, "json", "json-lines")

Renderer = Callable[..., None]  # (findings, stream, sources=None) -> None


def _deferred(module: str) -> Renderer:
    """The ``render`` of a :mod:`diagnose.report.formats` module, imported only when that format is used."""

    def render(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
        import importlib

        importlib.import_module(f"diagnose.report.formats.{module}").render(findings, stream, sources)

    return render


FORMATS: dict[str, Renderer] = {
    "full": render_full,
    "concise": render_concise,
    "json": render_json,
    "json-lines": render_json_lines,
    **{name: _deferred(name) for name in ("grouped", "github", "gitlab", "junit", "sarif")},
}
