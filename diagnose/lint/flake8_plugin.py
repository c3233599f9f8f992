"""A flake8 plugin (``DLK`` prefix): ``flake8 --select DLK`` reports what ``predlint check`` reports.

flake8 hands over each file's lines; the predlint engine checks them with the settings of the nearest
``[tool.predlint]`` (so its ``select``/``ignore``/``per-file-ignores`` apply), and flake8 then applies
its own ``--select``/``--ignore`` and ``# noqa`` on top.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from diagnose import __version__
from diagnose.lint.config import Settings, load_settings


@lru_cache(maxsize=1)
def _settings(cwd: str) -> Settings:
    return load_settings(cwd=Path(cwd))


def _encoded(text: str) -> bytes:
    """The lines flake8 decoded, as the bytes on disk: in the encoding their coding cookie declares."""
    utf8 = text.encode("utf-8", "surrogateescape")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(utf8).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return utf8


class Plugin:
    """flake8's tree-plugin interface around :func:`diagnose.lint.engine.check_source` (flake8 needs the
    ``tree`` parameter to classify the plugin; the engine parses the lines itself)."""

    name = "predlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from diagnose.lint.engine import check_source

        settings = _settings(os.getcwd())
        relative = settings.relative(self.filename)
        for finding in check_source(_encoded("".join(self.lines)), self.filename, settings, relative):
            yield finding.row, finding.column - 1, f"{finding.code} {finding.message}", type(self)
