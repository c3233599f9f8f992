"""Render a ``predlint repro`` or ``predlint inspect`` report: the verdict and the fix first, then what
each process is blocked in, the process tree, every stack, the static findings, the output tail and the
cleanup; write the JSON report and an HTML export (with a title) of the same terminal output."""

from __future__ import annotations

import html
import io
import json
import os
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from diagnose.harness.evidence import ProcessRecord, ReproReport, ThreadStack
from diagnose.report.formats.paths import display_path
from diagnose.report.lint_output import render_json

VERDICT_STYLES = {"completed": "bold green", "not hung": "bold green", "hung": "bold red", "crashed": "bold red",
                  "timeout": "bold yellow", "interrupted": "bold yellow"}
TAIL_LINES = 15
MAX_FRAMES = 60
# rich's HTML page with a title
_HTML_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>{title}</title>
<style>
{stylesheet}
body {{
    color: {foreground};
    background-color: {background};
}}
</style>
</head>
<body>
    <pre style="font-family:Menlo,'DejaVu Sans Mono',consolas,'Courier New',monospace"><code style="font-family:inherit">{code}</code></pre>
</body>
</html>
"""


def render(report: ReproReport, console: Console) -> None:
    """Print the whole report to ``console``: the verdict and what to do first, then what each
    process is blocked in, the tree, every stack, the static findings, the output and the cleanup."""
    verdict = report.verdict
    console.print(Text(verdict.summary, style=VERDICT_STYLES.get(verdict.kind, "bold")))
    if report.fix or verdict.cause:
        console.print(_fix_line(report))
    if verdict.evidence:
        console.print(Text(f"evidence: {verdict.evidence}"))
    for hint in report.hints:
        console.print(Text(f"hint: {hint}", style="yellow"))
    for note in _denied(report):
        console.print(Text(f"stacks: {note}", style="yellow"))
    console.print(_timing_line(report))
    if report.reading:
        console.print(Text("what each process is blocked in:", style="bold"))
        for line in report.reading:
            console.print(Text(f"  {line}"))
    console.print(_process_table(report.processes))
    for process in report.processes:
        if process.threads:
            console.print(_stack_panel(process))
    for note in report.stack_notes:
        if note not in _denied(report):
            console.print(Text(f"stacks: {note}", style="dim"))
    if report.findings:
        console.print(Text("static findings on the files in the stacks (predlint check):", style="bold"))
        for finding in report.findings:
            console.print(Text(f"  {display_path(finding.path)}:{finding.row}:{finding.column}: "
                               f"{finding.code} {finding.message}"))
    if report.verdict.kind != "completed" and report.output_tail.strip():
        console.print(Panel(Text(_last_lines(report.output_tail)), title="output tail", border_style="dim"))
    console.print(_cleanup_line(report))


def report_json(report: ReproReport) -> dict[str, Any]:
    """The documented JSON report; ``findings`` are the objects ``predlint check --output-format
    json`` prints."""
    return {
        "command": report.command,
        "verdict": report.verdict.kind,
        "cause": report.verdict.cause,
        "summary": report.verdict.summary,
        "evidence": report.verdict.evidence,
        "fix": report.fix,
        "rule_help": f"predlint rule {report.verdict.cause}" if report.verdict.cause else None,
        "findings": _findings_json(report),
        "reading": report.reading,
        "hints": report.hints,
        "elapsed_s": round(report.elapsed_s, 3),
        "detected_after_s": _rounded(report.detected_after_s),
        "last_progress_s": _rounded(report.last_progress_s),
        "stack_method": report.stack_method,
        "processes": [_process_json(p) for p in report.processes],
        "killed": report.killed,
        "survivors": report.survivors,
        "report_path": report.report_path,
        "html_path": report.html_path,
        "exit_code": report.exit_code,
        "target": report.target,
        "stack_collection_s": _rounded(report.stack_collection_s),
        "stack_notes": report.stack_notes,
        "cleaned_ipc": report.cleaned_ipc,
        "output_tail": report.output_tail,
    }


def _findings_json(report: ReproReport) -> list[dict[str, Any]]:
    """Exactly what ``predlint check --output-format json`` prints for these findings."""
    stream = io.StringIO()
    render_json(report.findings, stream)
    return json.loads(stream.getvalue())


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _process_json(process: ProcessRecord) -> dict[str, Any]:
    return {
        "pid": process.pid,
        "ppid": process.ppid,
        "role": process.role,
        "status": process.status,
        "exitcode": process.exitcode,
        "ended": None if process.alive else process.how_it_ended(),
        "cpu_s": round(process.cpu_s, 3),
        "rss_bytes": process.rss_bytes,
        "cmdline": process.cmdline,
        "threads": [asdict(t) for t in process.threads],
    }


def write_report(report: ReproReport, report_dir: Path, name: str, console_width: int = 120) -> None:
    """Write ``<timestamp>-<name>.json`` and ``.html`` into ``report_dir`` (never overwriting) and
    set the report's paths."""
    report_dir.mkdir(parents=True, exist_ok=True)
    json_file, stem = _create_unique(report_dir, f"{time.strftime('%Y%m%d-%H%M%S')}-{_safe(name)}")
    report.report_path = str(report_dir / f"{stem}.json")
    report.html_path = str(report_dir / f"{stem}.html")
    with json_file:
        json.dump(report_json(report), json_file, indent=2)
        json_file.write("\n")
    recorder = Console(record=True, file=io.StringIO(), width=console_width)
    render(report, recorder)
    recorder.print(f"report: {report.report_path}")
    title = html.escape(f"predlint {report.command}: {report.verdict.summary}").replace("{", "{{").replace("}", "}}")
    page = recorder.export_html(code_format=_HTML_PAGE.replace("{title}", title))
    _write_atomic(Path(report.html_path), page)


def print_paths(report: ReproReport, console: Console) -> None:
    console.print(f"report: [bold]{report.report_path}[/bold] (html: {report.html_path})")


def _write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same directory, then rename it into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


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


def _denied(report: ReproReport) -> list[str]:
    """Notes saying py-spy may not attach and what to do: shown right under the verdict."""
    return [note for note in report.stack_notes if "permission denied" in note]


def _fix_line(report: ReproReport) -> Text:
    line = Text("fix: ", style="bold green")
    line.append(report.fix or "see the rule's page")
    if report.verdict.cause:
        line.append(f"; details: predlint rule {report.verdict.cause}")
    return line


def _timing_line(report: ReproReport) -> Text:
    if report.command == "inspect":
        parts = [f"sampled for {report.elapsed_s:.1f} s"]
    else:
        parts = [f"run time {report.elapsed_s:.1f} s"]
    if report.command == "repro" and report.detected_after_s is not None:
        ended = "interrupted" if report.verdict.kind == "interrupted" else "hang declared"
        if report.last_progress_s is not None:
            quiet = report.detected_after_s - report.last_progress_s
            parts.append(f"last progress at {report.last_progress_s:.1f} s, {ended} at "
                         f"{report.detected_after_s:.1f} s (quiet for {quiet:.1f} s)")
        else:
            parts.append(f"{ended} at {report.detected_after_s:.1f} s")
    if report.stack_collection_s is not None:
        parts.append(f"stacks: {report.stack_method} in {report.stack_collection_s:.2f} s")
    parts.append(f"exit status {report.exit_code}")
    return Text(" · ".join(parts), style="dim")


def _process_table(processes: list[ProcessRecord]) -> Table:
    table = Table(title="process tree (threads: Python/all)", title_justify="left", expand=False)
    for column in ("pid", "ppid", "role", "status", "CPU s", "RSS MB", "exit", "threads", "main thread in"):
        justify = "left" if column in ("role", "status", "main thread in") else "right"
        table.add_column(column, justify=justify, overflow="fold")  # a narrow terminal folds, never cuts
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
            Text(_wait_label(main)),
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
    native = Counter((t.name, t.wchan or t.state) for t in process.threads if not t.frames)
    if native:
        summary = ", ".join(f"{name} x{n} [{wait}]" for (name, wait), n in native.items())
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
    if not report.killed:
        return Text("nothing was changed: the tree is still running (--kill ends it)", style="green")
    if report.survivors:
        pids = ", ".join(str(s["pid"]) for s in report.survivors)
        return Text(f"cleanup FAILED: still alive: {pids}", style="bold red")
    killed = sum(1 for p in report.processes if p.alive)
    line = f"cleanup: no process survived ({killed} still running at the end were killed)"
    if report.cleaned_ipc:
        line += f"; removed {len(report.cleaned_ipc)} leaked /dev/shm entries"
    return Text(line, style="green")
