"""``predlint check``, ``predlint rules`` and ``predlint rule CODE``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from diagnose.errors import UsageError

OUTPUT_FORMATS = ("full", "concise", "json")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def register(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser("check", help="check Python files for multiprocessing deadlock hazards",
                                  description="Check Python files for TF/Keras multiprocessing deadlock hazards "
                                              "(exit 0: clean, 1: findings, 2: error).")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    check.add_argument("--select", type=_codes, help="rule codes or prefixes to enable (replaces the default set)")
    check.add_argument("--extend-select", type=_codes, default=[], help="rule codes or prefixes to add")
    check.add_argument("--ignore", type=_codes, default=[], help="rule codes or prefixes to disable")
    check.add_argument("--output-format", choices=OUTPUT_FORMATS, default="full")
    check.add_argument("--output-file", type=Path, help="write the report to this file instead of stdout")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="print counts per rule instead of findings")
    check.add_argument("--config", type=Path, help="a pyproject.toml or predlint.toml to read settings from")
    check.add_argument("--target-version", choices=[f"py3{m}" for m in range(9, 15)])
    check.add_argument("--platform", choices=["linux", "darwin", "win32"])
    check.add_argument("--keras-version", type=int, choices=[2, 3])
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    check.set_defaults(func=run_check)

    rules = subparsers.add_parser("rules", help="list every rule")
    rules.set_defaults(func=run_rules)
    rule = subparsers.add_parser("rule", help="show a rule's documentation")
    rule.add_argument("code")
    rule.set_defaults(func=run_rule)


def settings_from_args(args: argparse.Namespace):
    """Config file settings, overridden by command-line flags."""
    from diagnose.lint.config import apply_table, load_settings

    settings = load_settings(args.config)
    flags: dict[str, object] = {}
    if args.select is not None:
        flags["select"] = args.select
    if args.extend_select:
        flags["extend-select"] = [*settings.extend_select, *args.extend_select]
    if args.ignore:
        flags["ignore"] = [*settings.ignore, *args.ignore]
    for key in ("target_version", "platform", "keras_version"):
        if getattr(args, key) is not None:
            flags[key.replace("_", "-")] = getattr(args, key)
    return apply_table(settings, flags, "command-line options")


def run_check(args: argparse.Namespace) -> int:
    from diagnose.lint.files import discover
    from diagnose.lint.runner import check_files
    from diagnose.report.lint_output import FORMATS, render_statistics

    settings = settings_from_args(args)
    files = discover(args.paths, settings)
    results = check_files(files, settings)
    findings = sorted(f for r in results for f in r.findings)
    errors = [r for r in results if r.error]
    stream = _open_output(args.output_file)
    try:
        if args.statistics:
            render_statistics(findings, stream)
        elif args.output_format == "full" and args.quiet:
            FORMATS["concise"](findings, stream)
        else:
            FORMATS[args.output_format](findings, stream)
            if args.output_format == "concise" and not args.quiet:
                stream.write(f"Found {len(findings)} error{'s' if len(findings) != 1 else ''}.\n"
                             if findings else "All checks passed!\n")
    finally:
        if stream is not sys.stdout:
            stream.close()
    for result in errors:
        sys.stderr.write(f"predlint: internal error while checking {result.path}: {result.error}\n")
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def _open_output(path: Path | None):
    if path is None:
        return sys.stdout
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def run_rules(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from diagnose.lint.rules import all_rules

    table = Table(show_edge=False, pad_edge=False)
    for column in ("code", "name", "default", "severity", "summary"):
        table.add_column(column, overflow="fold")
    for rule in all_rules():
        table.add_row(rule.code, rule.name, "on" if rule.default_enabled else "off", rule.severity.value,
                      rule.summary())
    Console(soft_wrap=False).print(table)
    return EXIT_CLEAN


def run_rule(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markdown import Markdown

    from diagnose.lint.rules import rule_by_code

    rule = rule_by_code().get(args.code.upper())
    if rule is None:
        raise UsageError(f"unknown rule '{args.code}' (see `predlint rules`)")
    console = Console()
    text = f"# {rule.code} ({rule.name})\n\nDefault: {'on' if rule.default_enabled else 'off'}; " \
           f"severity: {rule.severity.value}\n\n{rule.documentation()}\n"
    if console.is_terminal:
        console.print(Markdown(text))
    else:
        sys.stdout.write(text)
    return EXIT_CLEAN
