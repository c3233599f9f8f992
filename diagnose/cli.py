"""The ``predlint`` command: a thin dispatcher over the sub-packages' commands.

Each command module exposes ``register(subparsers)``, which adds its sub-command(s) and sets
``func`` (``args -> exit code``) on the parser. Command modules import nothing heavy at module
level, so ``predlint --version`` and ``predlint check`` start without TensorFlow or NumPy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from diagnose import __version__
from diagnose.errors import UsageError

EXIT_USAGE = 2
COMMAND_MODULES = (
    "diagnose.lint.command",
    "diagnose.harness.command",
    "diagnose.bench.command",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line and exits 2 (as ruff does)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"predlint: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every sub-command registered."""
    import importlib

    parser = _Parser(prog="predlint", description="Find, reproduce and fix multiprocessing deadlocks in TensorFlow/Keras prediction.")
    parser.add_argument("--version", action="version", version=f"predlint {__version__}")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _with_default_command(argv: list[str], commands: Sequence[str]) -> list[str]:
    """``predlint PATH ...`` means ``predlint check PATH ...``."""
    if not argv:
        return ["check"]
    first = argv[0]
    if first in commands or first in ("-h", "--help", "--version"):
        return argv
    _reject_mistyped_command(first, commands)
    return ["check", *argv]


def _reject_mistyped_command(word: str, commands: Sequence[str]) -> None:
    """``predlint chekc src``: a first word that is no path but close to a command is a typo, not a path."""
    import difflib
    import os

    if word.startswith("-") or os.path.exists(word):
        return
    close = difflib.get_close_matches(word, list(commands), n=1, cutoff=0.7)
    if close:
        raise UsageError(f"unknown command '{word}' (did you mean '{close[0]}'?)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--version"]:  # answer without building the parser
        print(f"predlint {__version__}")
        return 0
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    try:
        args = parser.parse_args(_with_default_command(args_list, list(commands)))
        return int(args.func(args))
    except UsageError as exc:
        sys.stderr.write(f"predlint: error: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `predlint check | head`: the reader left, nothing more to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_USAGE - 1
    except KeyboardInterrupt:
        sys.stderr.write("predlint: interrupted\n")
        return 130
