"""A notebook runs as ``__main__`` and is never imported: its top level is not import time (no DLK501),
while its real hazards are still found."""

from __future__ import annotations

import json
from pathlib import Path

from lint_support import predlint


def notebook(path: Path, *cells: str) -> Path:
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": cell.splitlines(keepends=True)} for cell in cells],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_top_level_pool_in_a_notebook_is_not_import_time(tmp_path: Path) -> None:
    path = notebook(tmp_path / "explore.ipynb",
                    "import multiprocessing\nfrom tensorflow import keras\ndef score(x):\n    return model.predict(x)\n",
                    "pool = multiprocessing.Pool(2)\nprint(pool.map(abs, [-1]))\npool.close()\n",
                    "model = keras.models.load_model('m.keras')\nwith multiprocessing.Pool(2) as p:\n"
                    "    p.map(score, [[[0.0]]])\n")
    result = predlint("check", "--no-cache", "--output-format", "json", str(path), cwd=tmp_path)
    found = sorted((f["code"], f["cell"], f["location"]["row"]) for f in json.loads(result.stdout))
    assert found == [("DLK201", 3, 2)], result.stdout


def test_shell_line_continued_with_backslashes_is_not_python(tmp_path: Path) -> None:
    path = notebook(tmp_path / "datagen.ipynb", "!t2t-datagen \\\n  --data_dir=$DATA_DIR \\\n  --problem=$PROBLEM\n",
                    "import multiprocessing\nprint(multiprocessing.cpu_count())\n")
    result = predlint("check", "--no-cache", "--output-format", "json", str(path), cwd=tmp_path)
    assert json.loads(result.stdout) == [], result.stdout


def test_ipython_syntax_that_is_not_a_syntax_error(tmp_path: Path) -> None:
    """``??obj`` help, a cell indented as a whole (IPython strips it), and ``%`` as modulo on a continued line."""
    path = notebook(tmp_path / "explore.ipynb", "import multiprocessing\n??multiprocessing.Pool\n",
                    " total = (7\n % 3)\n print(total)\n", "x = 10 \\\n% 4\n")
    result = predlint("check", "--no-cache", "--output-format", "json", str(path), cwd=tmp_path)
    assert json.loads(result.stdout) == [], result.stdout
