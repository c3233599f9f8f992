"""Cold vs warm ``predlint check`` on one tree (default: this Python's standard library).

Each round empties a fresh cache directory, runs the real command once (cold: every file checked and
cached), then again (warm: nothing changed). Prints the best time of each, the warm/cold ratio, and
checks that both runs reported the same findings. Python's bytecode cache is on, as in an installed
package (PYTHONDONTWRITEBYTECODE is dropped; an untimed run compiles predlint's modules first), so
neither run pays for compiling predlint itself.

    python benchmarks/cache_speed.py [PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 0.10


def run(path: str, cache: Path, cwd: Path) -> tuple[float, str]:
    """Wall time and concise output of one ``predlint check``."""
    command = [sys.executable, "-m", "diagnose", "check", path, "--cache-dir", str(cache),
               "--output-format", "concise", "--exit-zero", "-q"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - start, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    cold_times, warm_times = [], []
    with tempfile.TemporaryDirectory() as scratch:
        cwd, cache = Path(scratch), Path(scratch) / "cache"
        run(args.path, cache, cwd)  # compiles every module the timed runs import
        for _ in range(args.rounds):
            shutil.rmtree(cache, ignore_errors=True)
            cold, cold_out = run(args.path, cache, cwd)
            warm, warm_out = run(args.path, cache, cwd)
            if cold_out != warm_out:
                print("warm run reported different findings from the cold run", file=sys.stderr)
                return 1
            cold_times.append(cold)
            warm_times.append(warm)
    cold, warm = min(cold_times), min(warm_times)
    ratio = warm / cold
    print(f"tree:  {args.path} ({len(cold_out.splitlines())} findings)")
    print(f"cold:  {cold:.3f} s")
    print(f"warm:  {warm:.3f} s")
    print(f"ratio: {ratio:.1%} (target <= {TARGET_RATIO:.0%}) {'OK' if ratio <= TARGET_RATIO else 'MISSED'}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
