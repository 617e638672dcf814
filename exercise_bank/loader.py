"""Read exercises from their folders and check that they follow the file format."""

from __future__ import annotations

import ast
import os
import re
import tomllib
from pathlib import Path

from .model import CHECKS, Exercise, TestCase, content_digest
from .topics import DIFFICULTIES, TOPICS

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
REQUIRED_FILES = ("exercise.toml", "statement.md", "starter.py", "solution.py")


class ExerciseNotFound(LookupError):
    """No exercise with this id in the bank."""

    def __init__(self, exercise_id: str):
        super().__init__(f"no exercise named {exercise_id!r}")
        self.exercise_id = exercise_id


class ExerciseFormatError(ValueError):
    """An exercise folder does not follow the format in exercise_bank/README.md."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


def default_bank_dir() -> Path:
    """The bank to serve: $CODEMENTOR_BANK_DIR, or the exercises shipped with the package."""
    configured = os.environ.get("CODEMENTOR_BANK_DIR")
    return Path(configured) if configured else Path(__file__).parent / "exercises"


def _require(meta: dict, key: str, kind: type, where: Path):
    value = meta.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ExerciseFormatError(where, f"'{key}' must be a {kind.__name__}")
    return value


def _check_python(source: str, where: Path, what: str, mode: str = "exec") -> None:
    try:
        ast.parse(source, mode=mode)
    except SyntaxError as err:
        raise ExerciseFormatError(where, f"{what} is not valid Python: {err.msg} (line {err.lineno})") from None


def _load_test(raw: dict, hidden: bool, where: Path) -> TestCase:
    name, call = raw.get("name"), raw.get("call")
    if not isinstance(name, str) or not name.strip():
        raise ExerciseFormatError(where, "every test needs a 'name'")
    if not isinstance(call, str):
        raise ExerciseFormatError(where, f"test {name!r} needs a 'call' expression")
    _check_python(call, where, f"test {name!r} call", mode="eval")
    setup = raw.get("setup", "")
    _check_python(setup, where, f"test {name!r} setup")
    check = raw.get("check", "value")
    if check not in CHECKS:
        raise ExerciseFormatError(where, f"test {name!r}: check must be one of {', '.join(CHECKS)}")
    expect = raw.get("expect")
    if expect is None and not hidden:
        raise ExerciseFormatError(where, f"visible test {name!r} needs an 'expect'")
    if expect is not None:
        if check == "raises":
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(expect)):
                raise ExerciseFormatError(where, f"test {name!r}: expect must name an exception class")
        else:
            try:
                ast.literal_eval(expect)
            except (ValueError, SyntaxError, TypeError):
                raise ExerciseFormatError(where, f"test {name!r}: expect must be a Python literal") from None
    return TestCase(name=name, call=call, setup=setup, check=check, expect=expect, hidden=hidden)


def _load_tests(meta: dict, where: Path) -> tuple[TestCase, ...]:
    tests = meta.get("tests", {})
    visible = [_load_test(t, False, where) for t in tests.get("visible", [])]
    hidden = [_load_test(t, True, where) for t in tests.get("hidden", [])]
    if not visible or not hidden:
        raise ExerciseFormatError(where, "needs at least one visible and one hidden test")
    names = [t.name for t in visible + hidden]
    if len(names) != len(set(names)):
        raise ExerciseFormatError(where, "test names must be unique")
    return tuple(visible + hidden)


def read_exercise_files(folder: Path) -> dict[str, str]:
    """The four files of an exercise folder as texts, by file name."""
    folder = Path(folder)
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            raise ExerciseFormatError(folder, f"missing {name}")
    try:
        return {name: (folder / name).read_text(encoding="utf-8") for name in REQUIRED_FILES}
    except UnicodeDecodeError as err:
        raise ExerciseFormatError(folder, f"a file is not UTF-8 text ({err.reason})") from None


def load_exercise(folder: Path) -> Exercise:
    """Load one exercise folder, raising ExerciseFormatError with the first problem found."""
    folder = Path(folder)
    return exercise_from_files(read_exercise_files(folder), folder)


def exercise_from_files(files: dict[str, str], folder: Path | str) -> Exercise:
    """Build an exercise from its four file texts; `folder` (its path or name) gives the id it must have."""
    folder = Path(folder)
    toml_path = folder / "exercise.toml"
    try:
        meta = tomllib.loads(files["exercise.toml"])
    except tomllib.TOMLDecodeError as err:
        raise ExerciseFormatError(toml_path, f"not valid TOML: {err}") from None
    texts = {name: files[name] for name in REQUIRED_FILES[1:]}
    ex_id = _require(meta, "id", str, toml_path)
    if ex_id != folder.name or not ID_PATTERN.match(ex_id):
        raise ExerciseFormatError(toml_path, f"id {ex_id!r} must equal the folder name and use a-z, 0-9 and dashes")
    topic = _require(meta, "topic", str, toml_path)
    if topic not in TOPICS:
        raise ExerciseFormatError(toml_path, f"unknown topic {topic!r}; known: {', '.join(TOPICS)}")
    difficulty = _require(meta, "difficulty", str, toml_path)
    if difficulty not in DIFFICULTIES:
        raise ExerciseFormatError(toml_path, f"difficulty must be one of {', '.join(DIFFICULTIES)}")
    hints = _require(meta, "hints", list, toml_path)
    if len(hints) < 3 or not all(isinstance(h, str) and h.strip() for h in hints):
        raise ExerciseFormatError(toml_path, "the hint ladder needs at least three non-empty rungs")
    for what in ("starter.py", "solution.py"):
        _check_python(texts[what], folder / what, what)
    return Exercise(
        id=ex_id,
        title=_require(meta, "title", str, toml_path),
        topic=topic,
        difficulty=difficulty,
        version=_require(meta, "version", int, toml_path),
        estimated_minutes=_require(meta, "estimated_minutes", int, toml_path),
        statement=texts["statement.md"].strip() + "\n",
        starter=texts["starter.py"],
        solution=texts["solution.py"],
        hints=tuple(hints),
        tests=_load_tests(meta, toml_path),
        prerequisites=tuple(meta.get("prerequisites", ())),
        entry_points=tuple(meta.get("entry_points", ())),
        digest=content_digest({"meta": meta, **texts}),
    )


class Bank:
    """All exercises of one bank folder, loaded once and looked up by id."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root else default_bank_dir()
        if not self.root.is_dir():
            raise ExerciseFormatError(self.root, "the exercise bank folder does not exist (set CODEMENTOR_BANK_DIR)")
        self._exercises = {
            ex.id: ex
            for ex in (load_exercise(p) for p in sorted(self.root.iterdir()) if p.is_dir() and not p.name.startswith((".", "_")))
        }

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self._exercises[exercise_id]
        except KeyError:
            raise ExerciseNotFound(exercise_id) from None

    def all(self) -> list[Exercise]:
        return list(self._exercises.values())

    def __len__(self) -> int:
        return len(self._exercises)

    def __contains__(self, exercise_id: str) -> bool:
        return exercise_id in self._exercises
