"""Import resolution of whole-project analysis (diagnose/lint/project.py) on real trees written to disk."""

from __future__ import annotations

from pathlib import Path

from diagnose.lint.project import Project, project_for

FILES = {
    "requirements.txt": "tensorflow==2.15.0\n",
    "lib/pkg/__init__.py": "from .core import load\n__all__ = ['load']\n",
    "lib/pkg/core.py": "from tensorflow import keras\nfrom . import helpers\n\ndef load(p):\n    return keras.models.load_model(p)\n",
    "lib/pkg/helpers.py": "from .core import load  # a cycle with core\nfrom .stars import *\n\nMODEL_PATH = 'm.keras'\n",
    "lib/pkg/stars.py": "from multiprocessing import Pool\n__all__ = ['shared']\n\ndef shared():\n    return Pool(2)\n\n"
                        "def hidden():\n    return Pool(2)\n",
    "scripts/run.py": "import multiprocessing\nimport sibling\nfrom pkg import load\n",
    "scripts/sibling.py": "import multiprocessing\n\ndef work(x):\n    return x\n",
    "src/ignored.py": "import multiprocessing\n",
}


def make(root: Path) -> None:
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_package_roots_from_src_setting_replace_the_defaults(tmp_path: Path) -> None:
    make(tmp_path)
    project = project_for(str(tmp_path), (str(tmp_path / "lib"),))
    script = str(tmp_path / "scripts" / "run.py")
    assert project.locate("pkg.core.load", script) == (str(tmp_path / "lib/pkg/core.py"), ["load"])
    assert project.locate("ignored", script) is None  # src/ is a default root only without a setting
    assert project_for(str(tmp_path), ()).locate("ignored", script) == (str(tmp_path / "src/ignored.py"), [])


def test_a_scripts_directory_holds_its_siblings_but_a_package_does_not(tmp_path: Path) -> None:
    make(tmp_path)
    project = Project(str(tmp_path), (str(tmp_path / "lib"),))
    assert project.locate("sibling.work", str(tmp_path / "scripts/run.py"))[0].endswith("scripts/sibling.py")
    assert project.locate("helpers", str(tmp_path / "lib/pkg/core.py")) is None  # only `.helpers` is


def test_reexports_relative_imports_and_cycles(tmp_path: Path) -> None:
    make(tmp_path)
    project = Project(str(tmp_path), (str(tmp_path / "lib"),))
    script = str(tmp_path / "scripts/run.py")
    member = project.member("pkg.load", script)  # __init__ re-exports core.load
    assert member is not None and member.function is not None and member.module.path.endswith("pkg/core.py")
    again = project.member(".core.load", str(tmp_path / "lib/pkg/helpers.py"))
    assert again is not None and again.function is member.function  # parsed once
    assert project.member("pkg.nothing", script) is None


def test_star_imports_carry_what_all_names(tmp_path: Path) -> None:
    make(tmp_path)
    project = Project(str(tmp_path), (str(tmp_path / "lib"),))
    helpers = project.find("pkg.helpers", None)[0]
    assert project.star_names(helpers.index) == {"shared": ".stars.shared"}
    assert project.attribute(helpers, "shared").function.name == "shared"
    assert project.attribute(helpers, "hidden") is None


def test_modelled_libraries_are_never_project_modules(tmp_path: Path) -> None:
    make(tmp_path)
    (tmp_path / "lib" / "multiprocessing").mkdir()
    (tmp_path / "lib" / "multiprocessing" / "__init__.py").write_text("def Pool():\n    pass\n")
    project = Project(str(tmp_path), (str(tmp_path / "lib"),))
    assert project.locate("multiprocessing.Pool", str(tmp_path / "scripts/run.py")) is None
    assert project.locate(".Pool", str(tmp_path / "lib/multiprocessing/__init__.py")) is None


def test_a_plain_folder_named_like_a_library_holds_the_project_s_scripts(tmp_path: Path) -> None:
    """``keras/train.py`` beside ``keras/utils.py`` with no ``__init__.py``: ``import keras`` is still the
    library, but the sibling ``utils`` is the project's own module (a vendored package stays modelled)."""
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "utils.py").write_text("def batches():\n    yield 1\n")
    script = str(tmp_path / "keras" / "train.py")
    project = Project(str(tmp_path), ())
    assert project.locate("keras", script) is None
    assert project.locate("utils.batches", script) == (str(tmp_path / "keras" / "utils.py"), ["batches"])
    (tmp_path / "keras" / "__init__.py").write_text("")
    assert Project(str(tmp_path), ()).locate(".utils.batches", script) is None  # a copy of the library


def test_a_sub_package_named_like_a_library_is_the_project_s_own(tmp_path: Path) -> None:
    """``mltu/tensorflow/`` is imported as ``mltu.tensorflow``: the project's code, not a copy of TensorFlow."""
    (tmp_path / "mltu" / "tensorflow").mkdir(parents=True)
    for package in ("mltu", "mltu/tensorflow"):
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "mltu" / "tensorflow" / "data.py").write_text("class Provider:\n    pass\n")
    script = str(tmp_path / "train.py")
    assert Project(str(tmp_path), ()).locate("mltu.tensorflow.data.Provider", script) \
        == (str(tmp_path / "mltu" / "tensorflow" / "data.py"), ["Provider"])


def test_a_tree_without_a_project_marker_is_rooted_where_the_check_runs(tmp_path: Path) -> None:
    """No .git, pyproject or requirements anywhere (an exported snapshot): as in ruff, the directory the
    check runs in is the project root, so `from lib import data` in lib/train.py finds lib/data.py."""
    from lint_support import predlint

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "data.py").write_text("def batches(rows):\n    while True:\n        yield rows\n")
    (tmp_path / "lib" / "train.py").write_text(
        "import keras\nfrom lib import data\n\n\ndef train(model, rows):\n"
        "    model.fit_generator(data.batches(rows), steps_per_epoch=1, workers=4, use_multiprocessing=True)\n")
    result = predlint("check", "--no-cache", "--keras-version", "2", "--output-format", "concise", ".", cwd=tmp_path)
    assert "lib/train.py:6:5: DLK302" in result.stdout, result.stdout + result.stderr
