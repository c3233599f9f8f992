"""``predlint check``, ``predlint rules`` and ``predlint rule CODE``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from diagnose.errors import UsageError

if TYPE_CHECKING:
    from diagnose.lint.cache import Cache
    from diagnose.lint.config import Settings
    from diagnose.lint.finding import Finding

OUTPUT_FORMATS = ("full", "concise", "grouped", "json", "json-lines", "junit", "github", "gitlab", "sarif")
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
    check.add_argument("--output-format", choices=OUTPUT_FORMATS,
                       help="report format (default: $PREDLINT_OUTPUT_FORMAT, else full)")
    check.add_argument("--output-file", type=Path,
                       help="write the report to this file instead of stdout (default: $PREDLINT_OUTPUT_FILE)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="print counts per rule instead of findings")
    check.add_argument("--config", type=Path, help="a pyproject.toml or predlint.toml to read settings from")
    check.add_argument("--target-version", choices=[f"py3{m}" for m in range(9, 15)])
    check.add_argument("--platform", choices=["linux", "darwin", "win32"])
    check.add_argument("--keras-version", type=int, choices=[2, 3])
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply exclude patterns to files named on the command line too (for pre-commit)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the results cache")
    check.add_argument("--cache-dir", type=Path,
                       help="where to keep the cache (default: $PREDLINT_CACHE_DIR, else .predlint_cache in the "
                            "project root)")
    check.add_argument("--add-noqa", action="store_true",
                       help="add `# noqa: CODE` to every line with a finding, instead of reporting")
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
    from diagnose.lint.discovery_cache import discover_cached
    from diagnose.lint.runner import check_files

    settings = settings_from_args(args)
    output_format, output_file = _output_options(args)
    cache = _cache(args, settings)
    files = discover_cached(args.paths, settings, args.force_exclude, cache)
    with _output(None if args.add_noqa else output_file) as stream:  # an unwritable file fails before the check
        results = check_files(files, settings, cache=cache)
        findings = sorted(f for r in results for f in r.findings)
        errors = [r for r in results if r.error]
        for result in errors:
            sys.stderr.write(f"predlint: internal error while checking {result.path}: {result.error}\n")
        if args.add_noqa:
            from diagnose.lint.add_noqa import add_noqa

            added = add_noqa(findings)
            sys.stderr.write(f"Added {added} noqa directive{'s' if added != 1 else ''}.\n")
            return EXIT_ERROR if errors else EXIT_CLEAN
        _report(findings, args, output_format, stream)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def _output_options(args: argparse.Namespace) -> tuple[str, Path | None]:
    """The format and file from the flags, else ``PREDLINT_OUTPUT_FORMAT`` / ``PREDLINT_OUTPUT_FILE``."""
    output_format = args.output_format or os.environ.get("PREDLINT_OUTPUT_FORMAT") or "full"
    if output_format not in OUTPUT_FORMATS:
        raise UsageError(f"unknown output format '{output_format}' in PREDLINT_OUTPUT_FORMAT "
                         f"(expected one of: {', '.join(OUTPUT_FORMATS)})")
    output_file = args.output_file or (Path(os.environ["PREDLINT_OUTPUT_FILE"])
                                       if os.environ.get("PREDLINT_OUTPUT_FILE") else None)
    return output_format, output_file


def _cache(args: argparse.Namespace, settings: Settings) -> Cache | None:
    """The results cache, unless ``--no-cache`` (or ``PREDLINT_NO_CACHE``) turns it off."""
    if args.no_cache or os.environ.get("PREDLINT_NO_CACHE", "").lower() in ("1", "true", "yes"):
        return None
    from diagnose.lint.cache import Cache

    directory = args.cache_dir or (Path(os.environ["PREDLINT_CACHE_DIR"])
                                   if os.environ.get("PREDLINT_CACHE_DIR") else None)
    return Cache.for_settings(settings, directory)


def _report(findings: list[Finding], args: argparse.Namespace, output_format: str, stream: TextIO) -> None:
    from diagnose.report.lint_output import FORMATS, render_statistics

    if args.statistics:
        render_statistics(findings, stream)
    elif output_format == "full" and args.quiet:
        FORMATS["concise"](findings, stream)
    else:
        FORMATS[output_format](findings, stream)
        if output_format in ("concise", "grouped") and not args.quiet:
            stream.write(f"Found {len(findings)} error{'s' if len(findings) != 1 else ''}.\n"
                         if findings else "All checks passed!\n")


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or the report file (created with its directories)."""
    if path is None:
        yield sys.stdout
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    with handle:
        yield handle


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
