"""Exit codes of ``predlint repro``: the target's own when it completed, otherwise one code per
verdict, chosen in the range ``timeout(1)`` uses so they rarely clash with a script's own codes.
``predlint inspect`` exits 0 (not hung) or with the hung code."""

from __future__ import annotations

EXIT_CRASHED = 122
EXIT_HUNG = 123
EXIT_TIMEOUT = 124
EXIT_HARNESS_ERROR = 125
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports it

EXIT_CODES_HELP = (
    "exit status: the target's own when it completed; "
    f"{EXIT_CRASHED} crashed (uncaught exception or killed by a signal), "
    f"{EXIT_HUNG} hung, {EXIT_TIMEOUT} hard --timeout expired, "
    f"{EXIT_HARNESS_ERROR} harness error, {EXIT_INTERRUPTED} interrupted (Ctrl-C), 2 usage error"
)


def exit_code_for(verdict: str, returncode: int | None) -> int:
    """The exit status for a verdict (a target killed by a signal is a crash, never completed)."""
    codes = {"crashed": EXIT_CRASHED, "hung": EXIT_HUNG, "timeout": EXIT_TIMEOUT, "interrupted": EXIT_INTERRUPTED}
    return codes.get(verdict, returncode or 0)
