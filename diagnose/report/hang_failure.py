"""What a test failed by the pytest hang guard shows in pytest's report, as plain text: the verdict
first, the fix and the evidence, one line per process, then each process's stacks trimmed to the
frames that matter (the user's own code and the innermost library frames), the cleanup and where
the full report is (JSON and HTML with every frame)."""

from __future__ import annotations

from diagnose.harness.evidence import Frame, ProcessRecord, ReproReport, ThreadStack
from diagnose.harness.reading import is_library, short_path
from diagnose.harness.roles import is_helper

LIBRARY_FRAMES = 3
COMMAND_CHARS = 100


def failure_text(report: ReproReport, phase: str) -> str:
    """The report section of a test the guard failed in ``phase`` (setup, call or teardown)."""
    verdict = report.verdict
    lines = [f"predlint hang guard ({phase}): {verdict.summary}"]
    if report.fix or verdict.cause:
        details = f"; details: predlint rule {verdict.cause}" if verdict.cause else ""
        lines.append(f"fix: {report.fix or 'see the rule page'}{details}")
    if verdict.evidence:
        lines.append(f"evidence: {verdict.evidence}")
    lines += [f"hint: {hint}" for hint in report.hints]
    if report.last_progress_s is not None and report.detected_after_s is not None:
        quiet = report.detected_after_s - report.last_progress_s
        lines.append(f"last progress at {report.last_progress_s:.1f} s, declared at {report.detected_after_s:.1f} s "
                     f"(quiet for {quiet:.1f} s); stacks: {report.stack_method} in {report.stack_collection_s:.2f} s")
    if report.reading:
        lines.append("what each process is blocked in:")
        lines += [f"  {line}" for line in report.reading]
    lines.append("process tree (as sampled before the kill):")
    lines += _tree_lines(report.processes)
    lines.append(f"stacks (your code and the innermost {LIBRARY_FRAMES} library frames; every frame in the report):")
    for process in sorted(report.processes, key=lambda p: (p.role != "main", p.pid)):
        lines += _process_lines(process)
    lines += [f"stacks: {note}" for note in report.stack_notes]
    lines.append(_cleanup_line(report))
    if report.report_path:
        lines.append(f"full report: {report.report_path} (html: {report.html_path})")
    return "\n".join(lines)


def _tree_lines(processes: list[ProcessRecord]) -> list[str]:
    """Each process under its parent: pid, role, status and CPU time (or how it ended)."""
    pids = {p.pid for p in processes}
    children: dict[int | None, list[ProcessRecord]] = {}
    for process in processes:
        children.setdefault(process.ppid if process.ppid in pids else None, []).append(process)
    lines: list[str] = []

    def add(process: ProcessRecord, depth: int) -> None:
        state = f"{process.status}, {process.cpu_s:.2f} s CPU" if process.alive else process.how_it_ended()
        lines.append(f"{'  ' * (depth + 1)}{process.pid} {process.role}: {state}")
        for child in children.get(process.pid, []):
            add(child, depth + 1)

    for top in children.get(None, []):
        add(top, 0)
    return lines


def _process_lines(process: ProcessRecord) -> list[str]:
    command = " ".join(process.cmdline)[:COMMAND_CHARS]
    if not process.alive:
        return [f"  pid {process.pid} ({process.role}): {process.how_it_ended()}"]
    lines = [f"  pid {process.pid} ({process.role}, parent {process.ppid}): {command}"]
    for thread in process.python_threads:
        lines += _thread_lines(thread)
    native = len(process.threads) - len(process.python_threads)
    if native:
        lines.append(f"    + {native} thread(s) without Python frames")
    return lines


def _thread_lines(thread: ThreadStack) -> list[str]:
    state = " ".join(filter(None, [thread.state, thread.wchan]))
    lines = [f"    thread {thread.os_thread_id or thread.thread_id} {thread.name or ''}"
             + (f" [{state}]" if state else "")]
    skipped = 0
    for index, frame in enumerate(thread.own_frames()):
        if index < LIBRARY_FRAMES or not is_library(frame.file):
            if skipped:
                lines.append(f"      ... {skipped} library frame(s)")
                skipped = 0
            lines.append(f"      {_frame(frame)}")
        else:
            skipped += 1
    if skipped:
        lines.append(f"      ... {skipped} library frame(s)")
    return lines


def _frame(frame: Frame) -> str:
    return f"{frame.function} ({short_path(frame.file)}:{frame.line})"


def _cleanup_line(report: ReproReport) -> str:
    if report.survivors:
        return f"cleanup FAILED: still alive: {', '.join(str(s['pid']) for s in report.survivors)}"
    killed = sum(1 for p in report.processes if p.alive and p.role != "main" and not is_helper(p.cmdline))
    if not killed:
        return "cleanup: the test had no process of its own left to kill; pytest goes on"
    return (f"cleanup: the test's {killed} running process(es) were killed, none survived (pytest's own "
            "multiprocessing helpers are left to it); pytest goes on")
