"""``predlint repro`` (run a script under the watchdog), ``predlint inspect`` (diagnose a process
tree that is already running) and ``predlint scenarios`` (list the shipped scenarios). Only stdlib
at import time: psutil, rich and the harness load when a command runs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from diagnose.errors import UsageError

if TYPE_CHECKING:
    from diagnose.harness.evidence import ReproReport
    from diagnose.harness.target import Target

DEFAULT_QUIET_S = 10.0
DEFAULT_TIMEOUT_S = 1800.0
DEFAULT_SAMPLE_S = 3.0
MIN_SAMPLE_S = 1.0
PIPE_WIDTH = 160
OUTPUT_FORMATS = ("full", "json")
STACK_METHODS = ("auto", "py-spy", "faulthandler")
REPRO_OPTIONS = ("--quiet", "--timeout", "--python", "--native", "--stacks", "--output-format", "--report-dir")


def register(subparsers: argparse._SubParsersAction) -> None:
    from diagnose.harness.exitcodes import EXIT_CODES_HELP, EXIT_HUNG

    repro = subparsers.add_parser(
        "repro",
        help="run a script under a watchdog; on a hang dump every process's stacks and name the cause",
        description="Run a script (or -m module, or a shipped --scenario) in its own session. When it "
        "stops making progress (no CPU, I/O or output anywhere in its process tree for --quiet "
        "seconds) dump the stacks of every process, name the cause, its DLK rule and your line, kill the "
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

    inspect = subparsers.add_parser(
        "inspect",
        help="diagnose a running Python process tree: is it hung, where, and why",
        description="Attach to a running process and all its descendants (predlint did not start "
        "it), sample them for --sample seconds as repro's watchdog judges progress, take every "
        "process's Python stacks with py-spy and each thread's kernel wait channel, and print the "
        "same verdict and report as repro. Nothing in the target changes unless --kill is given.",
        epilog=f"exit status: 0 not hung (making progress), {EXIT_HUNG} hung, 2 usage error "
        "(no such process, not Python)",
    )
    inspect.add_argument("pid", type=_pid, metavar="PID", help="the process to inspect (with its descendants)")
    inspect.add_argument("--sample", type=_seconds, default=DEFAULT_SAMPLE_S, metavar="S",
                         help=f"seconds to watch for progress before judging (default {DEFAULT_SAMPLE_S:g})")
    inspect.add_argument("--kill", action="store_true",
                         help="after the diagnosis, end the whole tree and verify that nothing is left")
    inspect.add_argument("--native", action="store_true", help="include native frames (py-spy --native; slower)")
    inspect.add_argument("--output-format", choices=OUTPUT_FORMATS, default="full",
                         help="full: rich terminal report; json: the JSON report on stdout")
    inspect.add_argument("--report-dir", type=Path, default=Path("reports"),
                         help="where the JSON and HTML reports go (default reports/)")
    inspect.set_defaults(func=run_inspect)

    scenarios = subparsers.add_parser("scenarios", help="list the shipped hang/crash scenarios and their fixed twins")
    scenarios.set_defaults(func=run_scenarios)


def run_repro(args: argparse.Namespace) -> int:
    """Run the target under the harness, print and write the report, return the exit status."""
    from diagnose.harness.target import resolve

    script, target_args = args.script, list(args.target_args)
    if script is not None and args.scenario:
        raise UsageError(f"--scenario runs a shipped script that takes no arguments: remove {script!r}")
    if script is not None and args.module:
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
    if args.scenario and args.python == sys.executable:
        _require_scenario_packages()
    return _run_target(target, args)


def _require_scenario_packages() -> None:
    """The shipped scenarios run TensorFlow and NumPy: say which extra brings them, before running one."""
    from importlib.util import find_spec

    missing = [name for name in ("numpy", "tensorflow") if find_spec(name) is None]
    if missing:
        raise UsageError(f"the scenarios need {' and '.join(missing)}: pip install 'predlint[scenarios]'")


def _run_target(target: Target, args: argparse.Namespace) -> int:
    import signal

    from diagnose.harness.exitcodes import EXIT_HARNESS_ERROR
    from diagnose.harness.session import ReproOptions, run, stdio_sinks

    options = ReproOptions(args.quiet, args.timeout or None, args.stacks, args.native)
    for number in (signal.SIGTERM, signal.SIGHUP):  # unwind through the tree killer, as Ctrl-C does
        signal.signal(number, _raise_interrupt)
    try:
        report = run(target, options, *stdio_sinks(args.output_format == "json"))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the target's tree is already killed; say what broke in one line
        sys.stderr.write(f"predlint: harness error: {type(exc).__name__}: {exc}\n")
        return EXIT_HARNESS_ERROR
    return _publish(report, args, target.name)


def run_inspect(args: argparse.Namespace) -> int:
    """Diagnose the running tree of ``args.pid``; print and write the report."""
    try:
        import psutil  # noqa: F401 - fail early with an install hint
    except ImportError:
        raise UsageError("predlint inspect needs psutil: pip install 'predlint[harness]'") from None
    from diagnose.harness.attach import InspectOptions, inspect, target_process

    if args.sample < MIN_SAMPLE_S:
        raise UsageError(f"--sample must be at least {MIN_SAMPLE_S:g} s: progress is judged between samples")
    target_process(args.pid)  # a bad pid is a usage error before any work
    report = inspect(args.pid, InspectOptions(args.sample, args.kill, native=args.native))
    return _publish(report, args, f"pid{args.pid}")


def _publish(report: ReproReport, args: argparse.Namespace, name: str) -> int:
    """Write the JSON and HTML reports, print the report, return its exit status."""
    import json

    from rich.console import Console

    from diagnose.report.repro import print_paths, render, report_json, write_report

    try:
        write_report(report, args.report_dir, name)
    except OSError as exc:
        sys.stderr.write(f"predlint: cannot write the report to {args.report_dir}: {exc}\n")
    if args.output_format == "json":
        sys.stdout.write(json.dumps(report_json(report), indent=2) + "\n")
    else:
        # in a pipe: lines unwrapped, tables wide enough not to cut at 80 columns
        console = Console() if sys.stdout.isatty() else Console(width=PIPE_WIDTH, soft_wrap=True)
        render(report, console)
        if report.report_path:
            print_paths(report, console)
    return report.exit_code


def run_scenarios(args: argparse.Namespace) -> int:
    """Print the shipped scenarios as aligned plain lines: names are never cut, and the output is
    the same in a pipe (a bold header on a terminal)."""
    from diagnose.harness.scenarios import load_scenarios, scenario_dir

    columns = ("name", "family", "rule", "outcome", "fixed twin")
    rows = [(s.name, s.family, s.rule or "none", s.outcome, s.twin or "") for s in load_scenarios()]
    widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [columns, *rows]]
    header = f"\033[1m{lines[0]}\033[0m" if sys.stdout.isatty() and "NO_COLOR" not in os.environ else lines[0]
    sys.stdout.write(f"scenarios in {scenario_dir().resolve()}\n{header}\n")
    sys.stdout.write("".join(f"{line}\n" for line in lines[1:]))
    return 0


def _warn_misplaced_options(target_args: list[str]) -> None:
    """Everything after the script goes to the script; say so when that looks unintended."""
    ours = [a for a in target_args if a.split("=", 1)[0] in REPRO_OPTIONS]
    if ours:
        sys.stderr.write(f"predlint: note: {' '.join(ours)} after the script is passed to the script; "
                         "put predlint options before it\n")


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _pid(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"not a process id: {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("seconds must be >= 0")
    return value
