"""Read Python tracebacks out of the target's captured output, and spot a respawn loop in them."""

from __future__ import annotations

import re
from collections import Counter

RESPAWN_LOOP_MIN = 3  # processes dead with the same error: a livelock, not bad luck
_TRACEBACK = "Traceback (most recent call last)"
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(:\s|$)")


def exception_lines(output: str) -> list[str]:
    """The ``Type: message`` line that ends each traceback in ``output``, in order."""
    found = []
    for block in output.split(_TRACEBACK)[1:]:
        line = next((ln.strip() for ln in block.splitlines() if _EXCEPTION_LINE.match(ln)), None)
        if line:
            found.append(line)
    return found


def traceback_through(output: str, functions: tuple[str, ...]) -> str | None:
    """The exception line of the last traceback in ``output`` with a frame in one of ``functions``."""
    found = None
    for block in output.split(_TRACEBACK)[1:]:
        frames = re.findall(r'^\s*File ".*", line \d+, in (\S+)$', block, re.MULTILINE)
        line = next((ln.strip() for ln in block.splitlines() if _EXCEPTION_LINE.match(ln)), None)
        if line and any(name in functions for name in frames):
            found = line
    return found


def last_exception(output: str) -> str | None:
    lines = exception_lines(output)
    return lines[-1] if lines else None


def respawn_loop_error(vanished: int, output: str) -> str | None:
    """The error of a respawn loop: at least RESPAWN_LOOP_MIN processes vanished and as many
    tracebacks ended with this same exception line. None when that is not the picture."""
    counts = Counter(exception_lines(output))
    if vanished < RESPAWN_LOOP_MIN or not counts:
        return None
    error, count = counts.most_common(1)[0]
    return error if count >= RESPAWN_LOOP_MIN else None
