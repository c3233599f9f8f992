"""The evidence a repro run gathers, as plain data: frames, threads, processes, the run's result.

Frames are stored innermost first, as both py-spy and faulthandler print them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
    """What happened and why: ``kind`` is completed, hung, crashed or timeout."""

    kind: str
    cause: str | None
    summary: str


@dataclass
class ReproReport:
    """Everything one run produced; ``to_json`` gives the documented JSON shape."""

    target: list[str]
    verdict: Verdict
    elapsed_s: float
    detected_after_s: float | None
    stack_method: str
    stack_collection_s: float | None
    processes: list[ProcessRecord]
    survivors: list[dict[str, Any]]
    stack_notes: list[str]
    cleaned_ipc: list[str]
    output_tail: str
    exit_code: int
    report_path: str | None = None
    html_path: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON report: the issue's fields first, then a few extras that explain them."""
        return {
            "verdict": self.verdict.kind,
            "cause": self.verdict.cause,
            "summary": self.verdict.summary,
            "elapsed_s": round(self.elapsed_s, 3),
            "detected_after_s": None if self.detected_after_s is None else round(self.detected_after_s, 3),
            "stack_method": self.stack_method,
            "processes": [_process_json(p) for p in self.processes],
            "survivors": self.survivors,
            "report_path": self.report_path,
            "html_path": self.html_path,
            "exit_code": self.exit_code,
            "target": self.target,
            "stack_collection_s": None if self.stack_collection_s is None else round(self.stack_collection_s, 3),
            "stack_notes": self.stack_notes,
            "cleaned_ipc": self.cleaned_ipc,
            "output_tail": self.output_tail,
        }


def _process_json(process: ProcessRecord) -> dict[str, Any]:
    return {
        "pid": process.pid,
        "ppid": process.ppid,
        "role": process.role,
        "status": process.status,
        "exitcode": process.exitcode,
        "cpu_s": round(process.cpu_s, 3),
        "rss_bytes": process.rss_bytes,
        "cmdline": process.cmdline,
        "threads": [asdict(t) for t in process.threads],
    }
