"""The evidence a repro run gathers, as plain data: frames, threads, processes, the run's result.

Frames are stored innermost first, as both py-spy and faulthandler print them.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import Any

from diagnose.lint.finding import Finding


@dataclass(frozen=True)
class Frame:
    """One Python frame: ``function`` is the qualified name when the dumper knows it; ``args`` maps
    each argument to py-spy's short repr of it (``<Sequential at 0x...>``), when py-spy ran."""

    function: str
    file: str
    line: int | None
    args: dict[str, str] | None = None

    @property
    def short_name(self) -> str:
        """The bare function name (py-spy says ``Pool.map``, faulthandler says ``map``)."""
        return self.function.rsplit(".", 1)[-1]


@dataclass
class ThreadStack:
    """One OS thread: its Python frames (empty for native-only threads) and kernel wait state."""

    thread_id: int | None
    os_thread_id: int | None
    name: str | None
    frames: list[Frame] = field(default_factory=list)
    state: str | None = None
    wchan: str | None = None

    def own_frames(self) -> list[Frame]:
        """The frames this process ran itself: below ``BaseProcess._bootstrap`` a forked child's
        stack still shows the parent's frames that led to the fork."""
        for index, frame in enumerate(self.frames):
            if frame.short_name == "_bootstrap" and "multiprocessing" in frame.file:
                return self.frames[:index]
        return self.frames

    def innermost_python_frame(self) -> Frame | None:
        """The frame executing now, skipping native frames (``--native``)."""
        return next((f for f in self.frames if f.file.endswith(".py")), None)

    def calls(self, function: str, file_part: str = "") -> bool:
        """Whether any frame runs ``function`` (bare name) in a file whose path contains ``file_part``."""
        return any(f.short_name == function and file_part in f.file for f in self.frames)

    def in_file(self, file_part: str) -> bool:
        """Whether any frame's file path contains ``file_part``."""
        return any(file_part in f.file for f in self.frames)


@dataclass
class ProcessRecord:
    """One process of the target's tree as last seen, with its threads once stacks were dumped."""

    pid: int
    ppid: int | None
    cmdline: list[str]
    status: str
    cpu_s: float
    rss_bytes: int
    exitcode: int | None = None
    role: str = "other"
    threads: list[ThreadStack] = field(default_factory=list)
    exit_note: str | None = None  # how it ended when the exit code is not known

    def how_it_ended(self) -> str:
        """``exited with code 1``, ``killed by SIGKILL``, or what else is known."""
        if self.exitcode is None:
            return self.exit_note or "exit status not known"
        if self.exitcode >= 0:
            return f"exited with code {self.exitcode}"
        try:
            return f"killed by {signal.Signals(-self.exitcode).name}"
        except ValueError:
            return f"killed by signal {-self.exitcode}"

    @property
    def alive(self) -> bool:
        return self.status not in ("exited", "zombie", "dead")

    @property
    def python_threads(self) -> list[ThreadStack]:
        return [t for t in self.threads if t.frames]

    def main_thread(self) -> ThreadStack | None:
        """The thread whose OS id is the pid, else the first Python thread."""
        for thread in self.threads:
            if thread.os_thread_id == self.pid and thread.frames:
                return thread
        named = [t for t in self.python_threads if t.name == "MainThread"]
        return (named or self.python_threads or [None])[0]

    def calls(self, function: str, file_part: str = "") -> bool:
        return any(t.calls(function, file_part) for t in self.threads)


@dataclass(frozen=True)
class Verdict:
    """What happened and why. ``kind``: completed, hung, crashed, timeout, interrupted (Ctrl-C on
    ``repro``) or not hung (``inspect`` saw progress); ``cause``: the DLK rule, when one names it;
    ``what``: the verdict's words; ``evidence``: what showed it; ``pointer``: the static finding
    on the user's line, once known."""

    kind: str
    cause: str | None
    what: str
    evidence: str = ""
    pointer: str = ""

    @property
    def summary(self) -> str:
        """The one-line verdict: ``hung: <what>; DLKnnn — <file:line: finding>``."""
        line = f"{self.what}; {self.cause}" if self.cause else self.what
        return f"{line} — {self.pointer}" if self.pointer else line


@dataclass
class ReproReport:
    """Everything one ``repro`` run or ``inspect`` produced (rendered by ``report.repro``).

    ``findings`` are the static checker's findings on the user's files in the stacks, the one
    matching the cause first; ``fix`` the cause's one-line remedy; ``reading`` one line per process
    saying what it is blocked in; ``hints`` what to change when the verdict may be wrong;
    ``killed`` whether the tree was ended (always for repro, with ``--kill`` for inspect)."""

    command: str
    target: list[str]
    verdict: Verdict
    elapsed_s: float
    detected_after_s: float | None
    last_progress_s: float | None
    stack_method: str
    stack_collection_s: float | None
    processes: list[ProcessRecord]
    survivors: list[dict[str, Any]]
    stack_notes: list[str]
    cleaned_ipc: list[str]
    output_tail: str
    exit_code: int
    killed: bool = True
    findings: list[Finding] = field(default_factory=list)
    fix: str | None = None
    reading: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    report_path: str | None = None
    html_path: str | None = None
