"""Which files are analysed for what the project modules they import can do (``diagnose/lint/reach.py``): the
closure follows the modules the walker may enter, and only what those can make counts. Each case is a small
project; ``reached`` is whether the checked file ``main.py`` is analysed on its imports' behalf."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose.lint.prefilter import traits
from diagnose.lint.project import Project
from diagnose.lint.reach import reaches

MAIN = "import helpers\n\nhelpers.tidy()\n"
FORKS = "import os\n\n\ndef split():\n    return os.fork()\n"
POOL = "import multiprocessing\n\n\ndef run(f, xs):\n    return multiprocessing.Pool(2).map(f, xs)\n"

CASES = {
    # a helper that names no library the rules model is never parsed: what it imports cannot make an event
    "plain helper hides its imports": ({"main.py": MAIN, "helpers.py": "import forks\n\n\ndef tidy():\n    pass\n",
                                        "forks.py": FORKS}, False),
    # glue in front of a module that creates processes is followed to it
    "glue helper is followed": ({"main.py": MAIN, "pooling.py": POOL,
                                 "helpers.py": "import pooling\n\n\ndef tidy():\n    pooling.run(print, [1])\n"}, True),
    # an ``except queue.Empty`` is judged in its own module (DLK404), not in the modules importing it
    "queue.Empty handler stays in its module": ({"main.py": MAIN, "helpers.py": (
        "import queue\n\n\ndef tidy(q):\n    try:\n        q.get_nowait()\n    except queue.Empty:\n        pass\n")},
        False),
    # ``import pkg`` reaches the modules below it that the code names: ``pkg.tools.run``
    "package module named by its dotted path": ({"main.py": "import pkg\n\npkg.tools.run(print, [1])\n",
                                                 "pkg/__init__.py": "", "pkg/tools.py": POOL,
                                                 "pkg/other.py": ""}, True),
    "package module the code never names": ({"main.py": "import pkg\n\npkg.other.run(print, [1])\n",
                                             "pkg/__init__.py": "", "pkg/tools.py": POOL,
                                             "pkg/other.py": "def run(f, xs):\n    pass\n"}, False),
    # an aliased package (``import pkg as p``) stands for every module below it
    "aliased package stands for all below": ({"main.py": "import pkg as p\n\np.tools.run(print, [1])\n",
                                              "pkg/__init__.py": "", "pkg/tools.py": POOL}, True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_closure(name: str, tmp_path: Path) -> None:
    files, reached = CASES[name]
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    main = tmp_path / "main.py"
    source = main.read_bytes()
    consulted: set[str] = set()
    assert reaches(Project(str(tmp_path), (str(tmp_path),)), source, str(main), traits(source), consulted) is reached
    if not reached and "helpers.py" in files:  # a no rests on every module read to decide it (the cache's)
        assert {str(tmp_path / name) for name in files if name != "main.py"} <= consulted
