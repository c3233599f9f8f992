"""GitHub Actions workflow commands: one annotation per finding (``--output-format github``)."""

from __future__ import annotations

from typing import TextIO

from diagnose.lint.finding import Finding
from diagnose.report.formats.paths import display_path, report_path


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    """``::error title=...,file=...,line=...,col=...,endLine=...,endColumn=...::message``."""
    properties = {"title": f"predlint ({f.code})", "file": report_path(f.path), "line": f.row, "col": f.column,
                  "endLine": f.end_row, "endColumn": f.end_column}
    fields = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
    message = f"{display_path(f.path)}:{f.row}:{f.column}: {f.code} {f.message}"
    return f"::{f.severity.value} {fields}::{_escape_data(message)}"


def render(findings: list[Finding], stream: TextIO) -> None:
    for f in findings:
        stream.write(annotation(f) + "\n")
