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
    from diagnose.lint.engine import FileResult
    from diagnose.lint.finding import Finding
    from diagnose.report.formats.sources import SourceLines

OUTPUT_FORMATS = ("full", "concise", "grouped", "json", "json-lines", "junit", "github", "gitlab", "sarif")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _file_ignores(text: str) -> tuple[str, list[str]]:
    """``GLOB:CODE[,CODE]`` of ``--per-file-ignores``."""
    glob, _, codes = text.rpartition(":")
    if not glob or not _codes(codes):
        raise argparse.ArgumentTypeError(f"expected GLOB:CODES (e.g. 'tests/*:DLK501'), got '{text}'")
    return glob, _codes(codes)


def register(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser("check", help="check Python files for multiprocessing deadlock hazards",
                                  description="Check Python files and Jupyter notebooks for TF/Keras multiprocessing "
                                              "deadlock hazards (exit 0: clean, 1: findings, 2: error).")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help="files or directories (default: .); - reads standard input")
    repeated = "; repeat it or separate codes with commas"
    check.add_argument("--select", type=_codes, action="append",
                       help=f"rule codes or prefixes to enable (replaces the default set){repeated}")
    check.add_argument("--extend-select", type=_codes, action="append", default=[],
                       help=f"rule codes or prefixes to add{repeated}")
    check.add_argument("--ignore", type=_codes, action="append", default=[],
                       help=f"rule codes or prefixes to disable{repeated}")
    check.add_argument("--per-file-ignores", type=_file_ignores, action="append", default=[], metavar="GLOB:CODES",
                       help="codes to disable in files matching a glob, added to the configured ones (repeatable)")
    check.add_argument("--output-format", choices=OUTPUT_FORMATS,
                       help="report format (default: $PREDLINT_OUTPUT_FORMAT, else full)")
    check.add_argument("--output-file", type=Path,
                       help="write the report to this file instead of stdout (default: $PREDLINT_OUTPUT_FILE)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true",
                       help="print counts per rule instead of findings (text, json or json-lines)")
    check.add_argument("--config", type=Path, help="a pyproject.toml or predlint.toml to read settings from")
    check.add_argument("--target-version", choices=[f"py3{m}" for m in range(9, 15)])
    check.add_argument("--platform", choices=["linux", "darwin", "win32"])
    check.add_argument("--keras-version", type=int, choices=[2, 3])
    check.add_argument("-q", "--quiet", action="store_true", help="leave out the summary line")
    check.add_argument("--stdin-filename", metavar="NAME",
                       help="the name to report standard input under (and to match excludes and per-file-ignores)")
    check.add_argument("--show-settings", action="store_true",
                       help="print every effective setting and where it came from, then exit")
    check.add_argument("--show-files", action="store_true", help="print the files that would be checked, then exit")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply exclude patterns to files named on the command line too (for pre-commit)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the results cache")
    check.add_argument("--cache-dir", type=Path,
                       help="where to keep the cache (default: $PREDLINT_CACHE_DIR, else .predlint_cache in the "
                            "project root)")
    check.add_argument("--add-noqa", action="store_true",
                       help="add `# noqa: CODE` to every line with a finding, instead of reporting")
    check.add_argument("--fix", action="store_true",
                       help="apply safe fixes, then report what remains (`predlint rules` says which rules fix)")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply fixes that may change behaviour (with --fix, --fix-only or --diff)")
    check.add_argument("--fix-only", action="store_true", help="apply fixes without reporting what remains")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them (exit 1 when there are any)")
    check.set_defaults(func=run_check)

    rules = subparsers.add_parser("rules", help="list every rule")
    rules.add_argument("--output-format", choices=("text", "json"), default="text")
    rules.set_defaults(func=run_rules)
    rule = subparsers.add_parser("rule", help="show a rule's documentation")
    rule.add_argument("code")
    rule.set_defaults(func=run_rule)


def _flat(groups: list[list[str]]) -> list[str]:
    return [code for group in groups for code in group]


def settings_from_args(args: argparse.Namespace) -> tuple[Settings, Settings]:
    """The config file's settings, and those overridden by command-line flags (repeated flags add up)."""
    from diagnose.lint.config import apply_table, load_settings

    from_file = load_settings(args.config)
    return from_file, apply_table(from_file, flag_table(args, from_file), "command-line options")


def flag_table(args: argparse.Namespace, settings: Settings) -> dict[str, object]:
    """The ``[tool.predlint]`` keys the flags set: select replaces, the others add to the configured lists."""
    flags: dict[str, object] = {}
    if args.select is not None:
        flags["select"] = _flat(args.select)
    if args.extend_select:
        flags["extend-select"] = [*settings.extend_select, *_flat(args.extend_select)]
    if args.ignore:
        flags["ignore"] = [*settings.ignore, *_flat(args.ignore)]
    if args.per_file_ignores:
        table = {glob: list(codes) for glob, codes in settings.per_file_ignores}
        for glob, codes in args.per_file_ignores:
            table[glob] = [*table.get(glob, []), *codes]
        flags["per-file-ignores"] = table
    for key in ("target_version", "platform", "keras_version"):
        if getattr(args, key) is not None:
            flags[key.replace("_", "-")] = getattr(args, key)
    return flags


def run_check(args: argparse.Namespace) -> int:
    from diagnose.lint.project_keras import with_project_keras
    from diagnose.report.lint_output import STATISTICS_FORMATS

    from_file, flagged = settings_from_args(args)
    settings = with_project_keras(flagged, [p for p in args.paths if p != "-"] or [args.stdin_filename or "."],
                                  read_code=args.show_settings)
    if args.show_settings:
        from diagnose.lint.config import find_config
        from diagnose.lint.show import show_settings

        config = args.config or find_config(Path.cwd().resolve())
        stages = [(str(config) if config else "requires-python of the nearest pyproject.toml", from_file),
                  ("command line", flagged), ("inferred from the project", settings)]
        show_settings(str(config) if config else None, stages, sys.stdout)
        return EXIT_CLEAN
    output_format, output_file = _output_options(args)
    if args.statistics and output_format not in STATISTICS_FORMATS:
        raise UsageError(f"--statistics prints text, json or json-lines, not {output_format}")
    fixing = args.fix or args.fix_only or args.diff
    if args.add_noqa and fixing:
        raise UsageError("--add-noqa and --fix (or --fix-only, --diff) cannot be used together: fix first, then add noqa")
    reading_stdin = "-" in args.paths
    if reading_stdin and (len(args.paths) > 1 or args.add_noqa or fixing):
        raise UsageError("- (standard input) is checked alone, and --add-noqa or --fix cannot edit it")
    if reading_stdin:
        return _check_stdin(args, settings, output_format, output_file)
    from diagnose.lint.discovery_cache import discover_cached
    from diagnose.lint.runner import check_files

    cache = _cache(args, settings)
    files = discover_cached(args.paths, settings, args.force_exclude, cache)
    if args.show_files:
        from diagnose.report.formats.paths import display_path

        sys.stdout.writelines(display_path(path) + "\n" for path in files)
        return EXIT_CLEAN
    if not files:
        sys.stderr.write("predlint: warning: No Python files found under the given path(s)\n")
    with _output(None if args.add_noqa else output_file) as stream:  # an unwritable file fails before the check
        results = check_files(files, settings, cache=cache)
        if args.add_noqa:
            return _add_noqa(results)
        if fixing:
            return _fix(results, settings, args, output_format, stream)
        return _finish(results, args, output_format, stream)


def _check_stdin(args: argparse.Namespace, settings: Settings, output_format: str, output_file: Path | None) -> int:
    """``predlint check --stdin-filename NAME -``: standard input, reported under NAME (``-`` without it);
    a NAME that ``--force-exclude`` excludes is not checked."""
    from diagnose.lint.files import is_excluded_with_parents
    from diagnose.lint.runner import check_bytes
    from diagnose.report.formats.sources import SourceLines

    name = args.stdin_filename or "-"
    if args.show_files:
        sys.stdout.write(name + "\n")
        return EXIT_CLEAN
    source = sys.stdin.buffer.read()
    excluded = args.stdin_filename and args.force_exclude and is_excluded_with_parents(Path(name), settings)
    results = [] if excluded else [check_bytes(source, name, settings)]
    with _output(output_file) as stream:
        return _finish(results, args, output_format, stream, SourceLines({name: source}))


def _add_noqa(results: list[FileResult]) -> int:
    from diagnose.lint.add_noqa import add_noqa

    _internal_errors(results)
    outcome = add_noqa(sorted(f for r in results for f in r.findings))
    sys.stderr.write(f"Added {outcome.added} noqa directive{'s' if outcome.added != 1 else ''}.\n")
    if outcome.left:
        sys.stderr.write(f"predlint: warning: {outcome.left} finding{'s' if outcome.left != 1 else ''} "
                         f"could not be suppressed ({outcome.why})\n")
    return EXIT_ERROR if any(r.error for r in results) else EXIT_CLEAN


def _fix(results: list[FileResult], settings: Settings, args: argparse.Namespace, output_format: str,
         stream: TextIO) -> int:
    """``--fix`` (then report what remains), ``--fix-only``, or ``--diff`` (print, write nothing: exit 1 when
    something would change)."""
    from diagnose.lint.fix.files import fix_results

    fixed = fix_results(results, settings, args.unsafe_fixes, write=not args.diff)
    count = sum(f.fixed for f in fixed)
    hidden = sum(1 for r in results for f in r.findings if f.fix is not None and not f.fix.applies(args.unsafe_fixes))
    more = f" ({hidden} more with --unsafe-fixes)" if hidden else ""
    if args.diff:
        from diagnose.lint.fix.diff import unified_diff

        _internal_errors(results)
        stream.writelines(unified_diff(f) for f in fixed)
        if not args.quiet:
            sys.stderr.write(f"Would fix {count} finding{'s' if count != 1 else ''}{more}.\n")
        return EXIT_ERROR if any(r.error for r in results) else EXIT_FINDINGS if any(f.changed for f in fixed) \
            else EXIT_CLEAN
    remaining = sum(len(r.findings) for r in results)
    if args.fix_only:
        _internal_errors(results)
        code = EXIT_ERROR if any(r.error for r in results) else EXIT_CLEAN
    else:
        code = _finish(results, args, output_format, stream)
    if not args.quiet:
        sys.stderr.write(f"Fixed {count}, {remaining} remaining{more}.\n")
    return code


def _internal_errors(results: list[FileResult]) -> None:
    for result in results:
        if result.error:
            sys.stderr.write(f"predlint: internal error while checking {result.path}: {result.error}\n")


def _finish(results: list[FileResult], args: argparse.Namespace, output_format: str, stream: TextIO,
            sources: SourceLines | None = None) -> int:
    """Report the findings (with a hint on stderr when ``--fix`` could repair some); the exit code."""
    findings = sorted(f for r in results for f in r.findings)
    _internal_errors(results)
    failed = any(r.error for r in results)
    _report(findings, args, output_format, stream, sources, summary=not failed)
    from diagnose.report.lint_output import TEXT_FORMATS

    editable = "-" not in args.paths and not (args.fix or args.fix_only or args.diff)
    if editable and output_format in TEXT_FORMATS and not (args.quiet or args.statistics):
        _fix_hint(findings, args.unsafe_fixes)
    if failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def _fix_hint(findings: list[Finding], unsafe: bool) -> None:
    """On stderr, as ruff says it: how many findings ``--fix`` (and ``--unsafe-fixes``) would repair."""
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applies(unsafe))
    hidden = sum(1 for f in findings if f.fix is not None and not f.fix.applies(unsafe))
    if safe:
        more = f" ({hidden} more with --unsafe-fixes)" if hidden else ""
        sys.stderr.write(f"[*] {safe} fixable with --fix{' --unsafe-fixes' if unsafe else ''}{more}.\n")
    elif hidden:
        sys.stderr.write(f"No fixes available ({hidden} with --fix --unsafe-fixes).\n")


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


def _report(findings: list[Finding], args: argparse.Namespace, output_format: str, stream: TextIO,
            sources: SourceLines | None, summary: bool) -> None:
    """The findings (or ``--statistics``) in the format; the text formats end with a summary unless ``-q``
    (or a file could not be analysed: then nothing has passed)."""
    from diagnose.report.lint_output import FORMATS, TEXT_FORMATS, render_statistics, render_summary

    if args.statistics:
        render_statistics(findings, stream, output_format)
        return
    FORMATS[output_format](findings, stream, sources)
    if output_format in TEXT_FORMATS and summary and not args.quiet:
        render_summary(findings, stream)


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
    """Every rule: a table (plain lines when not on a terminal), or ``--output-format json``."""
    from diagnose.lint.rules import all_rules

    rows = [{"code": rule.code, "name": rule.name, "default": "on" if rule.default_enabled else "off",
             "severity": rule.severity.value, "fix": rule.fixability, "summary": rule.summary()}
            for rule in all_rules()]
    if args.output_format == "json":
        import json

        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_CLEAN
    from diagnose.report.table import render_table

    headers = list(rows[0])
    render_table(headers, [[row[h] for h in headers] for row in rows])
    return EXIT_CLEAN


def run_rule(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markdown import Markdown

    from diagnose.lint.rules import rule_by_code

    rule = rule_by_code().get(args.code.upper())
    if rule is None:
        raise UsageError(f"unknown rule '{args.code}' (see `predlint rules`)")
    console = Console()
    fix = f"{rule.fixability} (`--fix{' --unsafe-fixes' if rule.fixability == 'unsafe' else ''}`): {rule.fix_how}" \
        if rule.fixability != "none" else "none"
    text = f"# {rule.code} ({rule.name})\n\nDefault: {'on' if rule.default_enabled else 'off'}; " \
           f"severity: {rule.severity.value}; fix: {fix}\n\n{rule.documentation()}\n"
    if console.is_terminal:
        console.print(Markdown(text))
    else:
        sys.stdout.write(text)
    return EXIT_CLEAN
