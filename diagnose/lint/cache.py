"""Per-file results from earlier runs, so an unchanged tree is re-checked in a fraction of the time.

One JSON file per (tool build, effective settings) under ``.predlint_cache/`` in the settings root maps
each file's absolute path to its stamp (mtime, size, content hash) and findings. A file whose mtime and
size are unchanged is not read at all; one whose stamp changed is hashed, and re-checked only when its
content did. The same file keeps the last discoveries (see :mod:`diagnose.lint.discovery_cache`).
Anything unreadable or malformed in the cache is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from diagnose import __version__
from diagnose.lint.config import Settings
from diagnose.lint.finding import Finding

DIRECTORY = ".predlint_cache"
KEEP_FILES = 8  # cache files for other settings/builds kept beside the current one
KEEP_DISCOVERIES = 8  # discoveries remembered per cache file (one per list of paths checked)
RACY_NS = 2_000_000_000  # a file modified this recently may change again within the same mtime tick


@dataclass(frozen=True)
class Stamp:
    """What identifies one version of a file: its stat and a hash of its bytes."""

    mtime_ns: int
    size: int
    digest: str


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stamp(path: str) -> Stamp | None:
    """Stat, then hash, one file (stat first: a change after it shows as a stale stamp next run)."""
    try:
        info = os.stat(path)
        with open(path, "rb") as handle:
            return Stamp(info.st_mtime_ns, info.st_size, digest(handle.read()))
    except OSError:
        return None


def _build_key() -> str:
    """The tool version plus the stat of the checker's sources, so an edited checker never reads old results."""
    package = Path(__file__).resolve().parent
    parts = [__version__]
    for source in sorted(package.rglob("*.py")):
        info = source.stat()
        parts.append(f"{source.relative_to(package)}:{info.st_mtime_ns}:{info.st_size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _unchanged(path: str, mtime_ns: int, size: int, content: str) -> bool:
    """Whether a file is still the version stamped (stat first, then its hash)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    if (info.st_mtime_ns, info.st_size) == (mtime_ns, size):
        return True
    current = stamp(path)
    return current is not None and current.digest == content


class Cache:
    """The cache file of one run; :meth:`save` writes it back atomically when something changed."""

    def __init__(self, directory: Path, settings: Settings) -> None:
        self.directory = directory
        self.path = directory / f"{_build_key()}-{settings.fingerprint()}.json"
        stored = self._load()
        self._entries: dict[str, list] = stored["files"]
        self._discovery: dict[str, list] = stored["discovery"]
        self._seen: set[str] = set()
        self._dirty = False

    @classmethod
    def for_settings(cls, settings: Settings, directory: Path | None = None) -> Cache:
        """The cache under ``directory`` (default ``.predlint_cache`` in the settings root)."""
        return cls(directory or settings.root / DIRECTORY, settings)

    def _load(self) -> dict[str, dict[str, list]]:
        empty: dict[str, dict[str, list]] = {"files": {}, "discovery": {}}
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return empty
        if not isinstance(data, dict) or not all(isinstance(data.get(k), dict) for k in empty):
            return empty
        return data

    def discovered(self, key: str) -> tuple[list, list[str]] | None:
        """The layout and files of the last discovery with these arguments (see discovery_cache)."""
        entry = self._discovery.get(key)
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, list) for part in entry) \
                and all(isinstance(p, str) for p in entry[1]):
            return entry[0], entry[1]
        return None

    def remember_discovery(self, key: str, layout: list, files: list[str]) -> None:
        """Keep what a discovery found and what it depended on (the most recent few argument lists only)."""
        self._discovery.pop(key, None)
        self._discovery[key] = [layout, files]
        while len(self._discovery) > KEEP_DISCOVERIES:
            del self._discovery[next(iter(self._discovery))]
        self._dirty = True

    def lookup(self, path: str) -> list[Finding] | None:
        """Cached findings of an unchanged file (reported at ``path``) whose project modules it used are
        unchanged too, or None for a miss."""
        key = os.path.abspath(path)
        self._seen.add(key)
        entry = self._entries.get(key)
        try:
            mtime_ns, size, content, rows, depends = entry  # type: ignore[misc]
            if not all(_unchanged(other, *stamped) for other, stamped in depends.items()):
                return None
            info = os.stat(key)
            if (info.st_mtime_ns, info.st_size) != (mtime_ns, size):
                current = stamp(key)
                if current is None or current.digest != content:
                    return None
                self._entries[key] = [*self._stat_key(current), content, rows, depends]
                self._dirty = True
            return [Finding.from_dict({**row, "path": path}) for row in rows]
        except (TypeError, ValueError, KeyError, OSError):
            return None

    def store(self, path: str, file_stamp: Stamp, findings: list[Finding],
              depends: dict[str, tuple[int, int, str]] | None = None) -> None:
        """Remember the findings of the file version ``file_stamp`` describes, and the versions of the other
        project modules they were computed from."""
        rows = [{k: v for k, v in f.to_dict().items() if k != "path"} for f in findings]
        key = os.path.abspath(path)
        self._seen.add(key)
        used = {other: [*self._stat_key(Stamp(*stamped)), stamped[2]] for other, stamped in (depends or {}).items()
                if other != key}
        self._entries[key] = [*self._stat_key(file_stamp), file_stamp.digest, rows, used]
        self._dirty = True

    @staticmethod
    def _stat_key(file_stamp: Stamp) -> tuple[int, int]:
        """The stat to trust next time; none (forcing a hash) for a file modified within the last moments."""
        if time.time_ns() - file_stamp.mtime_ns < RACY_NS:
            return -1, -1
        return file_stamp.mtime_ns, file_stamp.size

    def save(self) -> None:
        """Write the cache if it changed, dropping entries of deleted files; failures are ignored."""
        stale = [key for key in self._entries if key not in self._seen and not os.path.exists(key)]
        for key in stale:
            del self._entries[key]
        if not (self._dirty or stale):
            return
        import tempfile

        try:
            self._prepare_directory()
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"files": self._entries, "discovery": self._discovery}, out, separators=(",", ":"))
            os.replace(temporary, self.path)
            self._prune()
        except OSError:
            Path(temporary).unlink(missing_ok=True)

    def _prepare_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Automatically created by predlint.\n*\n", encoding="utf-8")

    def _prune(self) -> None:
        """Keep the newest few cache files of other settings or builds, delete the rest."""
        others = sorted((p for p in self.directory.glob("*.json") if p != self.path),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[KEEP_FILES:]:
            old.unlink(missing_ok=True)
