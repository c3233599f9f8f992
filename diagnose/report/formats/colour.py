"""Colour for the text reports: on a terminal only, unless ``NO_COLOR`` or ``FORCE_COLOR`` says otherwise."""

from __future__ import annotations

import os
from typing import TextIO

STYLES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36"}


def wanted(stream: TextIO) -> bool:
    """``NO_COLOR`` (set and non-empty) turns colour off, then ``FORCE_COLOR`` on; otherwise colour
    when the stream is a terminal that is not ``TERM=dumb`` (see no-color.org and force-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class Painter:
    """Wraps text in ANSI styles, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(STYLES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    @classmethod
    def for_stream(cls, stream: TextIO) -> Painter:
        return cls(wanted(stream))


def severity_style(severity: str) -> tuple[str, ...]:
    """Errors bold red, warnings bold yellow."""
    return ("bold", "red") if severity == "error" else ("bold", "yellow")
