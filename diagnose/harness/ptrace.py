"""Why py-spy may not attach to a process, and what the user can do about it: it needs ptrace
permission, which the kernel refuses to another user's process, under Yama ``ptrace_scope``
(1: only descendants, 2: only with ``CAP_SYS_PTRACE``, 3: never) and, in a container, without the
``SYS_PTRACE`` capability."""

from __future__ import annotations

import os

_YAMA = "/proc/sys/kernel/yama/ptrace_scope"
_CAP_SYS_PTRACE = 19
_DENIED = ("permission denied", "operation not permitted", "os error 1)", "os error 13)")


def attach_problem(pid: int, error: str) -> str:
    """py-spy's error for ``pid``, followed by the reason and the remedy when it is a permission
    problem."""
    if not any(word in error.lower() for word in _DENIED):
        return error
    reasons = _reasons(pid)
    return f"permission denied: {'; '.join(reasons)}"


def _reasons(pid: int) -> list[str]:
    found = []
    owner = _owner(pid)
    if owner is not None and owner != os.geteuid() and os.geteuid() != 0:
        found.append(f"the process belongs to uid {owner} and predlint runs as uid {os.geteuid()}: "
                     "run predlint as that user, or as root (sudo)")
    scope = _ptrace_scope()
    if scope and scope > 0:
        what = {1: "only a parent may trace its descendants", 2: "only a process with CAP_SYS_PTRACE may trace",
                3: "no process may trace"}.get(scope, "tracing is restricted")
        fix = ("reboot after lowering it" if scope == 3
               else "run predlint as root (sudo), or allow it once with `echo 0 | sudo tee " + _YAMA + "`")
        found.append(f"kernel.yama.ptrace_scope is {scope} ({what}): {fix}")
    if os.geteuid() == 0 and not _has_sys_ptrace():
        found.append("predlint runs as root without CAP_SYS_PTRACE (a container): start the container with "
                     "`--cap-add SYS_PTRACE` (docker) or the SYS_PTRACE capability in the pod's securityContext")
    return found or ["the kernel refused ptrace: run predlint as root (sudo) or as the process's user"]


def _owner(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def _ptrace_scope() -> int | None:
    try:
        with open(_YAMA, encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def _has_sys_ptrace() -> bool:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            line = next(ln for ln in handle if ln.startswith("CapEff:"))
        return bool(int(line.split()[1], 16) >> _CAP_SYS_PTRACE & 1)
    except (OSError, StopIteration, ValueError, IndexError):
        return True  # cannot tell: do not blame a capability
