"""One repro run end to end: watch the target, dump stacks of whatever is still alive, diagnose,
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
from diagnose.harness.classifier import Evidence
from diagnose.harness.diagnosis import diagnose
from diagnose.harness.evidence import ProcessRecord, ReproReport
from diagnose.harness.exitcodes import exit_code_for
from diagnose.harness.hookfiles import HookHeader, hooked_processes, recorded_exit
from diagnose.harness.roles import assign_roles
from diagnose.harness.target import Target
from diagnose.harness.tree import MARKER_ENV
from diagnose.harness.treekill import kill_tree
from diagnose.harness.watchdog import Watchdog, WatchResult

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
    """Run ``target`` under the watchdog and return the full report (not yet written to disk).
    Ctrl-C while it runs takes the stacks first, then kills: the user stopped it because it looked
    stuck. A second Ctrl-C goes straight to the kill."""
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
            cleanup = kill_tree(watchdog.sampler, watchdog.popen)
            watchdog.finish_output()
        processes = _records(watchdog, dump, result, hooked, dump_dir, gone)
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
    script = None if target.argv[1:2] == ["-m"] else target.argv[1]
    found = diagnose(evidence, script, os.getcwd(), "--quiet")
    return ReproReport(
        command="repro",
        target=target.argv,
        verdict=found.verdict,
        elapsed_s=watchdog.elapsed(),
        detected_after_s=result.detected_after_s,
        last_progress_s=result.quiet_since_s,
        stack_method=dump.method if dump else "none",
        processes=processes,
        survivors=cleanup.survivors,
        stack_collection_s=dump.elapsed_s if dump else None,
        stack_notes=dump.notes if dump else [],
        cleaned_ipc=cleanup.cleaned_ipc,
        output_tail=evidence.output_tail,
        exit_code=exit_code_for(found.verdict.kind, result.returncode),
        findings=found.findings,
        fix=found.fix,
        reading=found.reading,
        hints=found.hints,
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
    result: WatchResult,
    hooked: dict[int, HookHeader],
    dump_dir: str,
    gone: set[int] = frozenset(),
) -> list[ProcessRecord]:
    """The sampled tree plus the Python processes too short-lived to be sampled (known from their
    hook files), with stacks attached and, for those that ended, how (the root's exit code, else
    what the hook recorded). After a completed run nothing is left to reap: no zombie rows."""
    records = watchdog.sampler.records()
    root_pid = watchdog.popen.pid
    if not any(r.pid == root_pid for r in records):  # exited before the first sample
        records.insert(0, ProcessRecord(root_pid, os.getpid(), list(watchdog.popen.args), "exited", 0.0, 0))
    sampled = {r.pid for r in records}
    unsampled = [h for pid, h in sorted(hooked.items()) if pid not in sampled]
    records += [ProcessRecord(h.pid, h.ppid, h.cmdline, "exited", 0.0, 0) for h in unsampled]
    for record in records:
        if record.pid in gone or (result.state == "completed" and record.status == "zombie"):
            record.status = "exited"
        if record.pid == root_pid:
            record.exitcode = result.returncode
        elif not record.alive and record.exitcode is None and record.pid in hooked:
            _exit_from_hook(record, recorded_exit(dump_dir, record.pid))
        if dump is not None:
            record.threads = dump.threads.get(record.pid, [])
    assign_roles(records, root_pid)
    return records


def _exit_from_hook(record: ProcessRecord, recorded: str | None) -> None:
    """What a Python process's hook file says about its end: an ``os._exit`` code, a normal
    interpreter exit, or nothing (killed by a signal before any exit code ran)."""
    if recorded is None:
        record.exit_note = "killed by a signal before any exit code ran (SIGKILL, as the OOM killer sends, or a crash)"
    elif recorded == "?":
        record.exit_note = "exited through interpreter shutdown (code not recorded)"
    elif recorded.lstrip("-").isdigit():
        record.exitcode = int(recorded)


def stdio_sinks(json_output: bool) -> tuple[BinaryIO, BinaryIO]:
    """Where the target's stdout and stderr go: with JSON output, stdout is kept for the report."""
    return (sys.stderr.buffer if json_output else sys.stdout.buffer), sys.stderr.buffer
