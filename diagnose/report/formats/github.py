"""GitHub Actions workflow commands: one annotation per finding (``--output-format github``)."""

from __future__ import annotations

from typing import TextIO

from diagnose.lint.finding import Finding
from diagnose.report.formats.paths import display_path, report_path
from diagnose.report.formats.sources import SourceLines


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, sources: SourceLines | None = None) -> str:
    """``::error title=...,file=...,line=...,col=...,endLine=...,endColumn=...::message``."""
    properties = {"title": f"predlint ({f.code})", "file": report_path(f.path), "line": f.row, "col": f.column,
                  "endLine": f.end_row, "endColumn": f.end_column}
    fields = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
    where = (sources or SourceLines()).location(f.path, f.row, f.column)
    message = f"{display_path(f.path)}:{where}: {f.code} {f.message}"  # the severity is the command's
    return f"::{f.severity.value} {fields}::{_escape_data(message)}"


def render(findings: list[Finding], stream: TextIO, sources: SourceLines | None = None) -> None:
    sources = sources or SourceLines()
    for f in findings:
        stream.write(annotation(f, sources) + "\n")
