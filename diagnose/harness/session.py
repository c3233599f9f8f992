"""One repro run end to end: watch the target, dump stacks of whatever is still alive, classify,
kill the tree (always, even on Ctrl-C), and assemble the report."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import psutil

from diagnose.harness import stacks
from diagnose.harness.classifier import Evidence, classify
from diagnose.harness.evidence import ProcessRecord, ReproReport, Verdict
from diagnose.harness.exitcodes import exit_code_for
from diagnose.harness.hookfiles import HookHeader, hooked_processes
from diagnose.harness.roles import assign_roles
from diagnose.harness.target import Target
from diagnose.harness.tree import MARKER_ENV
from diagnose.harness.treekill import kill_tree
from diagnose.harness.watchdog import Watchdog

HOOK_DIR = Path(__file__).resolve().parent / "hook"
LEFTOVER_GRACE_S = 1.0


@dataclass(frozen=True)
class ReproOptions:
    quiet_s: float
    timeout_s: float | None
    stack_method: str = "auto"
    native: bool = False


def harness_env(run_id: str, dump_dir: str) -> dict[str, str]:
    """The caller's environment plus only what the harness needs: the run marker, the faulthandler
    hook on ``PYTHONPATH`` with its dump directory, and unbuffered output so nothing is lost at
    the kill."""
    env = dict(os.environ)
    env[MARKER_ENV] = run_id
    env["PREDLINT_DUMP_DIR"] = dump_dir
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HOOK_DIR), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(target: Target, options: ReproOptions, stdout_sink: BinaryIO, stderr_sink: BinaryIO) -> ReproReport:
    """Run ``target`` under the watchdog and return the full report (not yet written to disk)."""
    run_id = uuid.uuid4().hex
    dump_dir = tempfile.mkdtemp(prefix="predlint-stacks-")
    try:
        env = harness_env(run_id, dump_dir)
        watchdog = Watchdog(
            target.argv, env, run_id, dump_dir, options.quiet_s, options.timeout_s, stdout_sink, stderr_sink
        )
        try:
            result = watchdog.watch()
            if result.state == "completed":
                _wait_for_leftovers(watchdog)
            live = watchdog.sampler.live_pids()
            dump = stacks.collect(live, dump_dir, options.stack_method, options.native) if live else None
            # the tree as it was: processes forked while it is being killed are not part of the evidence
            hooked = hooked_processes(dump_dir)
            gone = _gone_before_dump(watchdog, dump)
        finally:
            cleanup = kill_tree(watchdog.popen, watchdog.sampler)
            watchdog.finish_output()
        processes = _records(watchdog, dump, result.returncode, hooked, gone)
    finally:
        shutil.rmtree(dump_dir, ignore_errors=True)
    evidence = Evidence(
        state=result.state,
        returncode=result.returncode,
        root=next(p for p in processes if p.pid == watchdog.popen.pid),
        processes=processes,
        output_tail=watchdog.output_tail(),
        quiet_s=options.quiet_s,
    )
    verdict = _with_quiet_start(classify(evidence), result.quiet_since_s)
    return ReproReport(
        target=target.argv,
        verdict=verdict,
        elapsed_s=watchdog.elapsed(),
        detected_after_s=result.detected_after_s,
        stack_method=dump.method if dump else "none",
        processes=processes,
        survivors=cleanup.survivors,
        stack_collection_s=dump.elapsed_s if dump else None,
        stack_notes=dump.notes if dump else [],
        cleaned_ipc=cleanup.cleaned_ipc,
        output_tail=evidence.output_tail,
        exit_code=exit_code_for(verdict.kind, result.returncode),
    )


def _wait_for_leftovers(watchdog: Watchdog) -> None:
    """After the root exits, give helpers (resource tracker, exiting workers) a moment to finish."""
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while watchdog.sampler.live_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
        watchdog.sampler.sample()


def _gone_before_dump(watchdog: Watchdog, dump: stacks.StackDump | None) -> set[int]:
    """Processes sampled alive that exited before their stack could be taken (a worker of a
    respawn loop dies within a second): they are exited, not live processes without a stack."""
    if dump is None:
        return set()
    gone = set()
    for pid, threads in dump.threads.items():
        entry = watchdog.sampler.seen.get(pid)
        if entry is None or any(t.frames for t in threads):
            continue
        try:
            running = entry.process.is_running() and entry.process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            running = False
        if not running:
            gone.add(pid)
    return gone


def _records(
    watchdog: Watchdog,
    dump: stacks.StackDump | None,
    returncode: int | None,
    hooked: dict[int, HookHeader],
    gone: set[int] = frozenset(),
) -> list[ProcessRecord]:
    """The sampled tree plus the Python processes too short-lived to be sampled (known from their
    hook files), with stacks attached; only a root that exited by itself has an exit code."""
    records = watchdog.sampler.records()
    root_pid = watchdog.popen.pid
    if not any(r.pid == root_pid for r in records):  # exited before the first sample
        records.insert(0, ProcessRecord(root_pid, os.getpid(), list(watchdog.popen.args), "exited", 0.0, 0))
    sampled = {r.pid for r in records}
    unsampled = [h for pid, h in sorted(hooked.items()) if pid not in sampled]
    records += [ProcessRecord(h.pid, h.ppid, h.cmdline, "exited", 0.0, 0) for h in unsampled]
    for record in records:
        if record.pid in gone:
            record.status = "exited"
        if record.pid == root_pid:
            record.exitcode = returncode
        if dump is not None:
            record.threads = dump.threads.get(record.pid, [])
    assign_roles(records, root_pid)
    return records


def _with_quiet_start(verdict: Verdict, quiet_since_s: float | None) -> Verdict:
    if quiet_since_s is None or verdict.kind != "hung":
        return verdict
    return Verdict(verdict.kind, verdict.cause, f"{verdict.summary}; no progress since {quiet_since_s:.1f} s")


def stdio_sinks(json_output: bool) -> tuple[BinaryIO, BinaryIO]:
    """Where the target's stdout and stderr go: with JSON output, stdout is kept for the report."""
    return (sys.stderr.buffer if json_output else sys.stdout.buffer), sys.stderr.buffer
