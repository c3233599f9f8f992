"""Whether this Python's bytecode cache proves that a source file compiles.

A ``__pycache__/<name>.<tag>.pyc`` written by this interpreter (same magic number) for these very bytes
(the modification time and size it records match the file, or the source hash it records matches them)
exists only because CPython compiled the file without error: the file parses and its scopes are sound,
which is all DLK000 asks. pip writes such files for every module it installs, and Python for every module
it imports, so a syntax check of an installed tree or of a project that has run costs a 16-byte read per file.
"""

from __future__ import annotations

import importlib.util
import os

HEADER_SIZE = 16  # magic, flags, then (mtime, size) or the 8-byte source hash
HASH_BASED = 0b1


def proves_compiles(path: str, source: bytes, stat: os.stat_result) -> bool:
    """Whether the bytecode cached for ``path`` (whose bytes ``source`` and metadata ``stat`` were read
    together) was compiled from exactly these bytes by this interpreter."""
    try:
        with open(importlib.util.cache_from_source(path), "rb") as handle:
            header = handle.read(HEADER_SIZE)
    except (OSError, ValueError, NotImplementedError):
        return False
    if len(header) < HEADER_SIZE or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags & HASH_BASED:
        return header[8:16] == importlib.util.source_hash(source)
    if flags:
        return False  # a flag this version does not know
    mtime = int.from_bytes(header[8:12], "little")
    size = int.from_bytes(header[12:16], "little")
    return (mtime == int(stat.st_mtime) & 0xFFFFFFFF and size == stat.st_size & 0xFFFFFFFF
            and len(source) == stat.st_size)
