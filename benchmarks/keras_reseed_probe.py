"""Which standalone Keras releases reseed NumPy's global generator in each worker process of a generator's
enqueuer (``fit_generator(gen, workers=n, use_multiprocessing=True)``).

A release that reseeds before forking each worker gives every worker its own ``np.random`` stream, so a
generator that draws its rows from ``np.random`` is not replayed; one that does not (2.2.3 and later: the
seed is applied only when the caller passes one) forks every worker with the parent's state, and each
replays the same rows. predlint's DLK302 stays quiet for a NumPy-random generator only when a project's
declarations allow nothing newer than the last reseeding release
(``FIRST_KERAS_NOT_RESEEDING`` in ``diagnose/lint/project_keras.py``).

Reads the published sources (``pip download``, no install, nothing imported)::

    python benchmarks/keras_reseed_probe.py            # the default releases
    python benchmarks/keras_reseed_probe.py 2.1.3 2.2.5
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

RELEASES = ("2.0.5", "2.0.8", "2.1.6", "2.2.0", "2.2.2", "2.2.3", "2.2.4", "2.3.1")
SOURCES = ("keras/utils/data_utils.py", "keras/engine/training.py")
# ``np.random.seed(...)`` right before a worker process is created, in the same loop
RESEED_THEN_FORK = re.compile(r"np\.random\.seed\([^)]*\)\s*\n(?:[^\n]*\n){0,2}?[^\n]*multiprocessing\.Process\(")


def sources(archive: Path) -> dict[str, str]:
    """The enqueuer's source files in a downloaded wheel or sdist."""
    out: dict[str, str] = {}
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            for name in SOURCES:
                if name in wheel.namelist():
                    out[name] = wheel.read(name).decode("utf-8", "replace")
        return out
    with tarfile.open(archive) as sdist:
        for member in sdist.getmembers():
            for name in SOURCES:
                if member.name.endswith("/" + name):
                    handle = sdist.extractfile(member)
                    if handle is not None:
                        out[name] = handle.read().decode("utf-8", "replace")
    return out


def reseeds(release: str, folder: Path) -> str:
    """"reseeds", "does not reseed", or why it could not be read."""
    done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(folder),
                           f"keras=={release}"], capture_output=True, text=True, check=False)
    archives = [p for p in folder.iterdir() if p.name.lower().startswith(f"keras-{release}")]
    if done.returncode != 0 or not archives:
        return "not downloadable here"
    found = sources(archives[0])
    if not found:
        return "no enqueuer source found"
    return "reseeds" if any(RESEED_THEN_FORK.search(text) for text in found.values()) else "does not reseed"


def main(argv: list[str]) -> int:
    releases = argv or list(RELEASES)
    with tempfile.TemporaryDirectory() as folder:
        for release in releases:
            print(f"keras {release:8} {reseeds(release, Path(folder))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
