"""``predlint repro`` (run a script under the watchdog) and ``predlint scenarios`` (list the shipped
scenarios). Only stdlib at import time: psutil, rich and the harness load when a command runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from diagnose.errors import UsageError

if TYPE_CHECKING:
    from diagnose.harness.target import Target

DEFAULT_QUIET_S = 10.0
DEFAULT_TIMEOUT_S = 1800.0
OUTPUT_FORMATS = ("full", "json")
STACK_METHODS = ("auto", "py-spy", "faulthandler")
REPRO_OPTIONS = ("--quiet", "--timeout", "--python", "--native", "--stacks", "--output-format", "--report-dir")


def register(subparsers: argparse._SubParsersAction) -> None:
    from diagnose.harness.exitcodes import EXIT_CODES_HELP

    repro = subparsers.add_parser(
        "repro",
        help="run a script under a watchdog; on a hang dump every process's stacks and name the cause",
        description="Run a script (or -m module, or a shipped --scenario) in its own session. When it "
        "stops making progress (no CPU, I/O or output anywhere in its process tree for --quiet "
        "seconds) dump the stacks of every process, name the cause and its DLK rule, kill the "
        "whole tree and verify that nothing survived. A JSON and an HTML report land in --report-dir.",
        epilog=EXIT_CODES_HELP,
    )
    repro.add_argument("script", nargs="?", help="the Python script to run (predlint options go before it)")
    repro.add_argument("target_args", nargs=argparse.REMAINDER, metavar="-- ARGS",
                       help="everything after the script (an optional -- first) is passed to the target")
    repro.add_argument("-m", dest="module", metavar="MODULE", help="run a module, like python -m")
    repro.add_argument("--scenario", metavar="NAME", help="run a shipped scenario (see predlint scenarios)")
    repro.add_argument("--quiet", type=_seconds, default=DEFAULT_QUIET_S, metavar="S",
                       help=f"seconds without progress before a hang is declared (default {DEFAULT_QUIET_S:g})")
    repro.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT_S, metavar="S",
                       help=f"hard limit on the whole run in seconds, 0 for none (default {DEFAULT_TIMEOUT_S:g})")
    repro.add_argument("--python", default=sys.executable, metavar="PATH",
                       help="interpreter that runs the target (default: the one running predlint)")
    repro.add_argument("--native", action="store_true", help="include native frames (py-spy --native; slower)")
    repro.add_argument("--stacks", choices=STACK_METHODS, default="auto",
                       help="how to dump stacks: py-spy, then faulthandler for what it missed (auto), or one only")
    repro.add_argument("--output-format", choices=OUTPUT_FORMATS, default="full",
                       help="full: rich terminal report; json: the JSON report on stdout "
                       "(the target's stdout then goes to stderr)")
    repro.add_argument("--report-dir", type=Path, default=Path("reports"), help="where reports go (default reports/)")
    repro.set_defaults(func=run_repro)

    scenarios = subparsers.add_parser("scenarios", help="list the shipped hang/crash scenarios and their fixed twins")
    scenarios.set_defaults(func=run_scenarios)


def run_repro(args: argparse.Namespace) -> int:
    """Run the target under the harness, print and write the report, return the exit status."""
    from diagnose.harness.target import resolve

    script, target_args = args.script, list(args.target_args)
    if script is not None and (args.module or args.scenario):
        script, target_args = None, [script, *target_args]
    if target_args[:1] == ["--"]:
        target_args = target_args[1:]
    else:
        _warn_misplaced_options(target_args)
    target = resolve(script, args.module, args.scenario, target_args, args.python)
    try:
        import psutil  # noqa: F401 - fail early with an install hint
    except ImportError:
        raise UsageError("predlint repro needs psutil: pip install 'predlint[harness]'") from None
    return _run_target(target, args)


def _run_target(target: Target, args: argparse.Namespace) -> int:
    import json
    import signal

    from rich.console import Console

    from diagnose.harness.exitcodes import EXIT_HARNESS_ERROR
    from diagnose.harness.session import ReproOptions, run, stdio_sinks
    from diagnose.report.repro import print_paths, render, write_report

    as_json = args.output_format == "json"
    options = ReproOptions(args.quiet, args.timeout or None, args.stacks, args.native)
    for number in (signal.SIGTERM, signal.SIGHUP):  # unwind through the tree killer, as Ctrl-C does
        signal.signal(number, _raise_interrupt)
    try:
        report = run(target, options, *stdio_sinks(as_json))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the target's tree is already killed; say what broke in one line
        sys.stderr.write(f"predlint: harness error: {type(exc).__name__}: {exc}\n")
        return EXIT_HARNESS_ERROR
    try:
        write_report(report, args.report_dir, target.name)
    except OSError as exc:
        sys.stderr.write(f"predlint: cannot write the report to {args.report_dir}: {exc}\n")
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        console = Console()
        render(report, console)
        if report.report_path:
            print_paths(report, console)
    return report.exit_code


def run_scenarios(args: argparse.Namespace) -> int:
    """Print the table of shipped scenarios."""
    from rich.console import Console
    from rich.table import Table

    from diagnose.harness.scenarios import load_scenarios, scenario_dir

    table = Table(title=f"scenarios in {scenario_dir().resolve()}", title_justify="left")
    for column in ("name", "family", "rule", "outcome", "fixed twin"):
        table.add_column(column)
    for s in load_scenarios():
        table.add_row(s.name, s.family, s.rule or "none", s.outcome, s.twin or "")
    Console().print(table)
    return 0


def _warn_misplaced_options(target_args: list[str]) -> None:
    """Everything after the script goes to the script; say so when that looks unintended."""
    ours = [a for a in target_args if a.split("=", 1)[0] in REPRO_OPTIONS]
    if ours:
        sys.stderr.write(f"predlint: note: {' '.join(ours)} after the script is passed to the script; "
                         "put predlint options before it\n")


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("seconds must be >= 0")
    return value
