"""Render a ``predlint repro`` report: a verdict first, then the process tree, every stack, the
output tail and the cleanup; write the JSON report and an HTML export of the same terminal output."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from diagnose.harness.evidence import ProcessRecord, ReproReport, ThreadStack

VERDICT_STYLES = {"completed": "bold green", "hung": "bold red", "crashed": "bold red", "timeout": "bold yellow"}
TAIL_LINES = 15
MAX_FRAMES = 60


def render(report: ReproReport, console: Console) -> None:
    """Print the whole report to ``console``."""
    style = VERDICT_STYLES.get(report.verdict.kind, "bold")
    console.print(Text(report.verdict.summary, style=style))
    console.print(_timing_line(report))
    console.print(_process_table(report.processes))
    for process in report.processes:
        if process.threads:
            console.print(_stack_panel(process))
    for note in report.stack_notes:
        console.print(f"[dim]stacks: {escape(note)}[/dim]")
    if report.verdict.kind != "completed" and report.output_tail.strip():
        console.print(Panel(Text(_last_lines(report.output_tail)), title="output tail", border_style="dim"))
    console.print(_cleanup_line(report))


def write_report(report: ReproReport, report_dir: Path, name: str, console_width: int = 120) -> None:
    """Write ``<timestamp>-<name>.json`` and ``.html`` into ``report_dir`` (never overwriting) and
    set the report's paths."""
    report_dir.mkdir(parents=True, exist_ok=True)
    json_file, stem = _create_unique(report_dir, f"{time.strftime('%Y%m%d-%H%M%S')}-{_safe(name)}")
    report.report_path = str(report_dir / f"{stem}.json")
    report.html_path = str(report_dir / f"{stem}.html")
    with json_file:
        json.dump(report.to_json(), json_file, indent=2)
        json_file.write("\n")
    recorder = Console(record=True, file=io.StringIO(), width=console_width)
    render(report, recorder)
    recorder.print(f"report: {report.report_path}")
    Path(report.html_path).write_text(recorder.export_html(), encoding="utf-8")


def print_paths(report: ReproReport, console: Console) -> None:
    console.print(f"report: [bold]{report.report_path}[/bold] (html: {report.html_path})")


def _create_unique(directory: Path, stem: str) -> tuple[TextIO, str]:
    """Open ``stem.json`` exclusively, adding ``-2``, ``-3``... when a run already used the name."""
    for attempt in range(1, 1000):
        candidate = stem if attempt == 1 else f"{stem}-{attempt}"
        try:
            return (directory / f"{candidate}.json").open("x", encoding="utf-8"), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"too many reports named {stem} in {directory}")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "run"


def _timing_line(report: ReproReport) -> Text:
    parts = [f"run time {report.elapsed_s:.1f} s"]
    if report.detected_after_s is not None:
        parts.append(f"hang declared after {report.detected_after_s:.1f} s")
    if report.stack_collection_s is not None:
        parts.append(f"stacks: {report.stack_method} in {report.stack_collection_s:.2f} s")
    parts.append(f"exit status {report.exit_code}")
    return Text(" · ".join(parts), style="dim")


def _process_table(processes: list[ProcessRecord]) -> Table:
    table = Table(title="process tree (threads: Python/all)", title_justify="left", expand=False)
    for column in ("pid", "ppid", "role", "status", "CPU s", "RSS MB", "exit", "threads", "main thread in"):
        table.add_column(column, justify="left" if column in ("role", "status", "main thread in") else "right")
    for p in processes:
        main = p.main_thread()
        table.add_row(
            str(p.pid),
            str(p.ppid or ""),
            p.role,
            p.status,
            f"{p.cpu_s:.2f}",
            f"{p.rss_bytes / 2**20:.0f}",
            "" if p.exitcode is None else str(p.exitcode),
            f"{len(p.python_threads)}/{len(p.threads)}" if p.threads else "",
            _wait_label(main),
        )
    return table


def _wait_label(thread: ThreadStack | None) -> str:
    if thread is None or not thread.frames:
        return ""
    wchan = f" [{thread.wchan}]" if thread.wchan else ""
    return f"{thread.frames[0].function}{wchan}"


def _stack_panel(process: ProcessRecord) -> Panel:
    parts: list[Text] = []
    for thread in process.python_threads:
        header = f"Thread {thread.os_thread_id or hex(thread.thread_id or 0)} {thread.name or ''}"
        state = " ".join(filter(None, [thread.state, thread.wchan]))
        parts.append(Text(f"{header} ({state})" if state else header, style="bold"))
        for frame in thread.frames[:MAX_FRAMES]:
            parts.append(Text(f"    {frame.function} ({_short_path(frame.file)}:{frame.line})"))
        if len(thread.frames) > MAX_FRAMES:
            parts.append(Text(f"    ... {len(thread.frames) - MAX_FRAMES} more frames", style="dim"))
    native = Counter((t.name, t.wchan) for t in process.threads if not t.frames)
    if native:
        summary = ", ".join(f"{name} x{n} [{wchan}]" for (name, wchan), n in native.items())
        parts.append(Text(f"native threads: {summary}", style="dim"))
    title = f"pid {process.pid} ({process.role}) {' '.join(process.cmdline)[:80]}"
    return Panel(Group(*parts), title=escape(title), title_align="left", border_style="cyan")


def _short_path(path: str) -> str:
    for marker in ("site-packages/", "lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1].split("/", 1)[-1] if marker == "lib/python3" else path.split(marker, 1)[1]
    return path


def _last_lines(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[-TAIL_LINES:])


def _cleanup_line(report: ReproReport) -> Text:
    if report.survivors:
        pids = ", ".join(str(s["pid"]) for s in report.survivors)
        return Text(f"cleanup FAILED: still alive: {pids}", style="bold red")
    killed = sum(1 for p in report.processes if p.alive)
    line = f"cleanup: no process survived ({killed} still running at the end were killed)"
    if report.cleaned_ipc:
        line += f"; removed {len(report.cleaned_ipc)} leaked /dev/shm entries"
    return Text(line, style="green")
