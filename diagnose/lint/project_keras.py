"""Which Keras (and whether TF1) a project runs, from its own declarations and code.

Order of trust: a pin in the project's requirement files (``requirements*.txt``, ``setup.py``,
``setup.cfg``, ``pyproject.toml``, ``environment.yml``, ``Pipfile``, Dockerfiles and their
``tensorflow/tensorflow:X.Y`` base images), then the names its code uses
(:mod:`diagnose.lint.keras_signals`: names Keras 3 or TF 2 do not have). When neither says, the version
is unknown and rules that depend on it say what they assume.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from diagnose.lint.config import DEFAULT_EXCLUDE, Settings
from diagnose.lint.keras_signals import (
    KEYWORDS_NOT_IN_KERAS3,
    is_tf1_only,
    keras_path_version,
)
from diagnose.lint.names import keras_member

MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "Pipfile", "environment.yml")
DECLARATION_GLOBS = ("requirements*.txt", "requirements/*.txt", "*/requirements*.txt", "*/*/requirements*.txt",
                     "setup.py", "setup.cfg", "pyproject.toml", "*.yml", "*.yaml", "Pipfile", "Dockerfile*",
                     "*/Dockerfile*")
NAMED_REQUIREMENTS = re.compile(r"""["']([\w./-]*requirements[\w.-]*\.txt)["']""")  # files setup.py reads
SKIP_DIRS = {*DEFAULT_EXCLUDE, "env", "__pycache__"}
MAX_SCANNED_FILES = 5000
MAX_FILE_BYTES = 2_000_000
EVIDENCE_PER_KIND = 3

Version = tuple[int, ...]
REQUIREMENT = re.compile(
    r"""(?<![\w.-])(?P<name>tensorflow(?:[-_](?:gpu|cpu))?|tf[-_]keras|keras(?:[-_](?:applications|preprocessing))?)
        (?![\w.-]) ["']?\s*(?:=\s*["'])?  # Pipfile / poetry: name = "spec"
        (?P<spec>(?:[<>=!~^]=?\s*[\d*][\w.*]*\s*,?\s*)*)""", re.VERBOSE | re.IGNORECASE)
# ``FROM tensorflow/tensorflow:2.9.3-gpu``: the TF release a Docker image of the project runs
DOCKER_TF_IMAGE = re.compile(r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*(?:docker\.io/)?tensorflow/tensorflow:(\d+(?:\.\d+)+)",
                             re.MULTILINE | re.IGNORECASE)
PYTHON_REQUIRES = re.compile(r"""(?:python_requires|requires-python)\s*=\s*["']([^"']+)["']""")
SPECIFIER = re.compile(r"([<>=!~^]=?)\s*(\d[\w.*]*)")
COMMENT = re.compile(r"(?m)(?:^|(?<=\s))#.*$")  # a comment, not a URL fragment (``...#egg=``)
TRAVIS_PYTHONS = re.compile(r"""(?<![\w.])["']?([23]\.\d+)["']?(?![\w.])""")
IMPORT_FROM = re.compile(r"^[ \t]*from[ \t]+((?:keras|tensorflow|tf_keras)[\w.]*)[ \t]+import[ \t]+\(?([\w \t,]+)",
                         re.MULTILINE)
IMPORT = re.compile(r"^[ \t]*import[ \t]+((?:keras|tensorflow|tf_keras)[\w.]*)", re.MULTILINE)
TF1_USE = re.compile(r"tf\.((?:train\.|summary\.|layers\.)?\w+)[ \t]*\(")
BACKEND_SESSION = re.compile(r"K\.(?:get_session|set_session)[ \t]*\(")
KERAS3_USE = re.compile(r"keras\.(?:ops|config|random)\.\w+[ \t]*\(")
OWN_GENERATOR_METHOD = re.compile(r"def[ \t]+((?:fit|predict|evaluate)_generator)[ \t]*\(")
# ``lr=`` counts in an optimizer's call; the other old keywords are telling wherever they appear.
OLD_KEYWORD = re.compile(r"\b(?:SGD|Adam|RMSprop|Adagrad|Adadelta|Adamax|Nadam)\([^()]*?\b(lr)\s*=|\b("
                         + "|".join(k for k in KEYWORDS_NOT_IN_KERAS3 if k != "lr") + r")\s*=")
CODE_WORDS = (b"keras", b"tensorflow", b"nb_epoch", b"samples_per_epoch", b"nb_worker", b"pickle_safe",
              b"nb_val_samples")
COMPAT_V1_AS_TF = re.compile(r"import\s+tensorflow\.compat\.v1\s+as\s+tf\b|from\s+tensorflow\.compat\s+import\s+v1\s+as\s+tf\b")


@dataclass(frozen=True)
class KerasInference:
    """What a project runs: Keras 2 or 3 (None: nothing says), TF1 or not, and why."""

    version: int | None
    tf1: bool
    evidence: tuple[str, ...]


def project_root(path: Path) -> Path:
    """The nearest directory at or above ``path`` that holds a project marker; else, as in ruff, the
    working directory the check runs in when ``path`` lies below it (a tree with no marker at all, such as
    an exported snapshot); else ``path``'s directory."""
    start = path if path.is_dir() else path.parent
    marked = _marked(str(start))
    if marked is not None:
        return Path(marked)
    cwd = Path.cwd()
    return cwd if start == cwd or cwd in start.parents else start


@lru_cache(maxsize=4096)
def _marked(directory: str) -> str | None:
    """The nearest directory at or above this one that holds a project marker (each asked once: the files
    of a tree share their parents)."""
    if any(os.path.exists(os.path.join(directory, marker)) for marker in MARKERS):
        return directory
    parent = os.path.dirname(directory)
    return _marked(parent) if parent != directory else None


@lru_cache(maxsize=64)
def declared(root: Path) -> KerasInference:
    """What the project's requirement files at ``root`` say (cheap: a few small files)."""
    pins = _declarations(root)
    tf1 = any(pin.tf1 for pin in pins)
    versions = {pin.version for pin in pins if pin.version}
    if len(versions) > 1:  # the project's own files say more than a sub-tool's requirements in a sub-folder
        top = min(pin.depth for pin in pins if pin.version)
        pins = [pin for pin in pins if pin.depth == top]
        versions = {pin.version for pin in pins if pin.version}
    why = tuple(pin.evidence for pin in pins if pin.version)[:EVIDENCE_PER_KIND]
    if len(versions) == 1:
        return KerasInference(versions.pop(), tf1, why)
    return KerasInference(2 if tf1 else None, tf1, why)


# Keras releases up to 2.2.2 reseed NumPy's global generator before forking each worker of a generator's
# enqueuer (2.0.5: engine/training.py; 2.0.8-2.2.2: utils/data_utils.py); from 2.2.3 on they do not.
# Measured on the published sources by benchmarks/keras_reseed_probe.py.
FIRST_KERAS_NOT_RESEEDING = (2, 2, 3)


@lru_cache(maxsize=64)
def reseeds_numpy_per_worker(root: Path) -> bool:
    """Whether every release of standalone Keras the project's declarations allow reseeds NumPy's global
    generator in each worker process (``keras==2.0.8``, ``keras<2.2.3``): then a generator that draws its
    rows from ``np.random`` gives every worker its own stream instead of replaying one."""
    highs = [_bounds(spec, conda=path.suffix in (".yml", ".yaml"))[1]
             for path, text in _declaration_texts(root) if _declares_packages(path, text)
             for name, spec, _ in _requirements(path, text) if name == "keras"]
    return bool(highs) and all(high is not None and high <= FIRST_KERAS_NOT_RESEEDING for high in highs)


@lru_cache(maxsize=64)
def from_code(root: Path) -> KerasInference:
    """What the names used by the project's Python files say. It reads the project's files, so it is
    asked only where the declarations do not settle it and a finding depends on the answer."""
    code, _ = _scan(root)
    versions = {v for v, _ in code.signals}
    evidence = tuple(w for _, w in code.signals)
    return KerasInference(versions.pop() if len(versions) == 1 else None, code.tf1, evidence)


@lru_cache(maxsize=64)
def own_generator_methods(root: Path) -> frozenset[str]:
    """``fit_generator``-like method names the project defines itself (its own trainer classes, or a copy
    of Keras): a call of one on an object of unknown type may be the project's own method."""
    return _scan(root)[1]


# ----- declarations ---------------------------------------------------------------------------------
class Pin(NamedTuple):
    """What one line of a declaration file says: the Keras version it implies (None: only TF1), why (the file
    and the line), whether it pins TF1, and how many folders below the project root its file lies."""

    version: int | None
    evidence: str
    tf1: bool
    depth: int


def _declarations(root: Path) -> list[Pin]:
    """Every pin of tensorflow / keras / tf_keras (or of Python) the project declares."""
    out = []
    for path, text in _declaration_texts(root):
        relative = path.relative_to(root)
        depth = len(relative.parts) - 1
        if path.name == ".travis.yml":
            out.extend(_ci_pythons(text, relative.as_posix(), depth))
        if not _declares_packages(path, text):
            continue
        for name, spec, written in _requirements(path, text):
            version, tf1 = _pin_meaning(name, spec, conda=path.suffix in (".yml", ".yaml"))
            if version or tf1:
                where = f"{relative.as_posix()}: {written}"
                out.append(Pin(version, f"{where} (Keras {version})" if version else where, tf1, depth))
        for spec in PYTHON_REQUIRES.findall(text):
            _, high = _bounds(spec, conda=False)
            if high is not None and high <= (3, 9):  # Keras 3 and TF >= 2.16 need Python >= 3.9
                out.append(Pin(2, f"{relative.as_posix()}: Python {spec} (Keras 3 needs >= 3.9)", False, depth))
    return out


def _declaration_texts(root: Path):
    """(file, text without comments) of each readable declaration file of the project."""
    for path in _declaration_files(root):
        try:
            yield path, COMMENT.sub("", _decoded(path.read_bytes()))
        except OSError:
            continue


def _declares_packages(path: Path, text: str) -> bool:
    """Whether a declaration file can state package requirements (a YAML file only as a conda environment)."""
    return path.suffix not in (".yml", ".yaml") or "dependencies:" in text


def _requirements(path: Path, text: str):
    """(package, version spec, as written) of each tensorflow / keras / tf_keras requirement in a file; in a
    Dockerfile also the TF release of a ``tensorflow/tensorflow:X.Y`` base image."""
    if path.name.startswith("Dockerfile"):
        for tag in DOCKER_TF_IMAGE.findall(text):
            yield "tensorflow", f"=={tag}", f"FROM tensorflow/tensorflow:{tag}"
    for match in REQUIREMENT.finditer(text):
        spec = " ".join(match.group("spec").split()).rstrip(",")
        yield match.group("name").lower().replace("_", "-"), spec, f"{match.group('name')}{spec}"


def _decoded(data: bytes) -> str:
    """A declaration file's text: UTF-16 when it starts with a UTF-16 byte-order mark (as pip reads it)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _ci_pythons(text: str, where: str, depth: int) -> list[Pin]:
    """Keras 2 when every Python version a Travis CI file tests is older than 3.9 (Keras 3 needs 3.9)."""
    versions = [tuple(int(p) for p in v.split(".")) for v in TRAVIS_PYTHONS.findall(_travis_python_block(text))]
    if versions and all(v < (3, 9) for v in versions):
        listed = ", ".join(".".join(map(str, v)) for v in versions)
        return [Pin(2, f"{where}: CI runs Python {listed} (Keras 3 needs >= 3.9)", False, depth)]
    return []


def _travis_python_block(text: str) -> str:
    """The value of the top-level ``python:`` key of a Travis file, inline or as the list below it."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("python:"):
            block = [line[len("python:"):]]
            for below in lines[i + 1:]:
                if below.strip() and not below.lstrip().startswith("-"):
                    break
                block.append(below)
            return "\n".join(block)
    return ""


def _declaration_files(root: Path) -> list[Path]:
    """The project's requirement files, and those its ``setup.py`` names (``docker/.../requirements.txt``)."""
    files = sorted({path for pattern in DECLARATION_GLOBS for path in root.glob(pattern) if path.is_file()})
    setup = root / "setup.py"
    if setup.is_file():
        named = NAMED_REQUIREMENTS.findall(setup.read_text(encoding="utf-8", errors="replace"))
        files += [root / name for name in named if (root / name).is_file() and root / name not in files]
    return files


def _pin_meaning(name: str, spec: str, conda: bool) -> tuple[int | None, bool]:
    """What one requirement says: (Keras version or None, whether it means TF1)."""
    if name in ("tf-keras", "keras-applications", "keras-preprocessing"):
        return 2, False
    low, high = _bounds(spec, conda)
    if name.startswith("tensorflow"):
        if name == "tensorflow-gpu":  # published up to TF 2.11: never Keras 3
            return 2, high is not None and high <= (2, 0)
        if high is not None and high <= (2, 16):
            return 2, high <= (2, 0)
        return (3 if low is not None and low >= (2, 16) else None), False
    if high is not None and high <= (3,):
        return 2, False
    return (3 if low is not None and low >= (3,) else None), False


def _bounds(spec: str, conda: bool) -> tuple[Version | None, Version | None]:
    """(lowest allowed version, exclusive upper bound) of a specifier such as ``>=1.15,<2`` or ``==2.4.*``."""
    low: Version | None = None
    high: Version | None = None
    for op, text in SPECIFIER.findall(spec):
        parts = [int(p) for p in re.findall(r"\d+", text.split("*")[0])]
        if not parts:
            continue
        while len(parts) > 1 and parts[-1] == 0:  # 2.16.0 is 2.16
            parts.pop()
        version = tuple(parts)
        wildcard = "*" in text or (op == "=" and conda)
        if op in ("==", "=", "~=", "^", ">=", ">"):
            low = max(low or version, version)
        if op in ("==", "="):
            upper = _bump(version, len(version) - 1) if wildcard else version + (0, 1)
        elif op == "<":
            upper = version
        elif op == "<=":
            upper = version + (0, 1)
        elif op == "~=":
            upper = _bump(version, max(len(version) - 2, 0))
        elif op == "^":
            upper = _bump(version, next((i for i, p in enumerate(version) if p), len(version) - 1))
        else:
            continue
        high = min(high or upper, upper)
    return low, high


def _bump(version: Version, position: int) -> Version:
    return (*version[:position], version[position] + 1)


# ----- code -----------------------------------------------------------------------------------------
@dataclass
class CodeSignals:
    signals: list[tuple[int, str]]
    tf1: bool


@lru_cache(maxsize=64)
def _scan(root: Path) -> tuple[CodeSignals, frozenset[str]]:
    """One read of the project's Python files: the Keras 2/3 and TF1 evidence of the names they use, and the
    ``*_generator`` methods they define."""
    signals: dict[int, list[str]] = {2: [], 3: []}
    tf1 = False
    own: set[str] = set()
    for path, text in _sources(root, (*CODE_WORDS, b"_generator")):  # code without these tells nothing
        text = COMMENT.sub("", text)  # a commented-out ``RMSprop(lr=...)`` is not what the project runs
        own.update(OWN_GENERATOR_METHOD.findall(text))
        where = Path(path).relative_to(root).as_posix()
        for version, why in _file_signals(text):
            if len(signals[version]) < EVIDENCE_PER_KIND:
                signals[version].append(f"{where}: {why}")
            tf1 = tf1 or "TF1" in why
    return CodeSignals([(v, w) for v in (2, 3) for w in signals[v]], tf1), frozenset(own)


def _file_signals(text: str):
    """(Keras version, why) for each telling name one file uses."""
    for module, names in IMPORT_FROM.findall(text):
        for name in re.findall(r"\w+", names):
            version = _keras_version_of(f"{module}.{name}")
            if version:
                yield version, f"imports {module}.{name} ({'absent from' if version == 2 else 'only in'} Keras 3)"
    for module in IMPORT.findall(text):
        version = _keras_version_of(module)
        if version:
            yield version, f"imports {module} ({'absent from' if version == 2 else 'only in'} Keras 3)"
        elif module.startswith("tensorflow.") and is_tf1_only(module[len("tensorflow."):]):
            yield 2, f"imports {module} (TF1 only, absent from TF 2)"
    if not COMPAT_V1_AS_TF.search(text):
        for name in TF1_USE.findall(text):
            if is_tf1_only(name):
                yield 2, f"calls tf.{name}() (TF1 only, absent from TF 2)"
                break
    old = OLD_KEYWORD.search(text)
    if old:
        yield 2, f"passes {old.group(1) or old.group(2)}= (Keras 3 rejects it)"
    if BACKEND_SESSION.search(text):
        yield 2, "calls K.get_session()/set_session() (absent from Keras 3)"
    use = KERAS3_USE.search(text)
    if use:
        yield 3, f"uses {use.group(0).rstrip('(').strip()} (only in Keras 3)"
    elif "PyDataset" in text:
        yield 3, "uses PyDataset (only in Keras 3)"


def _keras_version_of(qualname: str) -> int | None:
    """2 or 3 when a name lies in a Keras namespace and only one Keras has it (tf_keras is always 2)."""
    member = keras_member(qualname)
    if member is None:
        return None
    path, version = member
    return version or keras_path_version(path, qualname.startswith("tensorflow.keras."))


def _sources(root: Path, words: tuple[bytes, ...]):
    """(path, text) of the project's Python files that mention one of ``words``."""
    for path in python_files(str(root)):
        try:
            with open(path, "rb") as handle:
                source = handle.read(MAX_FILE_BYTES)
        except OSError:
            continue
        if any(word in source for word in words):
            yield path, source.decode("utf-8", errors="replace")


def python_files(root: str):
    """Python files at or below ``root`` (a bounded number, skipping virtualenvs and build output)."""
    if os.path.isfile(root):
        yield root
        return
    count = 0
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(directory, name)
                count += 1
                if count >= MAX_SCANNED_FILES:
                    return


def with_project_keras(settings: Settings, paths: list[str], read_code: bool = False) -> Settings:
    """Settings with what the projects of ``paths`` declare (Keras version, TF1), unless set.

    With ``read_code`` (``--show-settings``) also what their code says when declarations do not; a check
    asks :func:`from_code` itself, only for files whose findings depend on it. Projects that disagree
    leave the settings as they are (and the project's other files unread)."""
    roots = {project_root(Path(p).resolve()) for p in paths} or {project_root(Path(settings.root).resolve())}
    found = {_project(root, read_code) for root in roots}
    if len(found) != 1:
        return settings
    inferred = found.pop()
    if settings.keras_version is not None:
        return replace(settings, tf1=inferred.tf1, read_project=True)
    evidence = inferred.evidence or (("neither the project's pins nor its code settle which Keras it runs",) if read_code else
                                     ("not declared: read from the project's code where a finding depends on it",))
    return replace(settings, keras_version=inferred.version, tf1=inferred.tf1, keras_evidence=evidence,
                   read_project=True)


def _project(root: Path, read_code: bool) -> KerasInference:
    pins = declared(root)
    if pins.version is not None or not read_code:
        return pins
    code = from_code(root)
    return KerasInference(code.version, pins.tf1 or code.tf1, pins.evidence + code.evidence)
