"""Course banks: the built-in exercises plus each course's own folder, served as one bank.

A course folder holds exercise folders in the bank's format (see README.md) and, optionally,
``course.toml``:

    hide_builtin = ["sum-of-evens", "leap-year"]   # or `true`: hide every built-in exercise

A hidden built-in exercise is never chosen for delivery again, but it stays known: a student
can still submit the notebook they already have. A course exercise with the id of a built-in
one replaces it. When two course folders hold the same id, the first folder in the setting wins.

What the API serves is a *published snapshot*: the course exercises' files as they were
when they last validated (``codementor exercises reload``, or an instructor's import). A
change on disk is served only after it has been validated and published, and a broken
exercise keeps its previous published version (or stays out if it never had one). This
module reads folders and builds the served bank from a snapshot; publishing and validating
are done by the callers (the command and the API), which the bank does not import.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from traitlets import List, Unicode, default, validate
from traitlets.config import LoggingConfigurable

from .loader import REQUIRED_FILES, Bank, ExerciseFormatError, ExerciseNotFound, exercise_from_files, read_exercise_files
from .model import Exercise

COURSE_FILE = "course.toml"
ALL = "*"


class CourseBank(LoggingConfigurable):
    """Where the course banks are, and which built-in exercises are hidden."""

    course_dirs = List(
        Unicode(), help="Course folders whose exercises are served beside the built-in bank ($CODEMENTOR_COURSE_DIRS, "
        "paths separated by ':'), for example a git checkout the course keeps. Changes are served after "
        "`codementor exercises reload` validates them.",
    ).tag(config=True)
    hide_builtin = List(
        Unicode(), help="Built-in exercise ids never delivered to students (['*']: all of them); each course folder's "
        "course.toml can add its own (hide_builtin = [...] or true).",
    ).tag(config=True)
    import_dir = Unicode(
        help="The course folder that `codementor exercises import` and instructors' imports through the API write to "
        "(default: the first of course_dirs).",
    ).tag(config=True)

    @default("course_dirs")
    def _default_course_dirs(self):
        return [p for p in os.environ.get("CODEMENTOR_COURSE_DIRS", "").split(os.pathsep) if p]

    @default("import_dir")
    def _default_import_dir(self):
        return self.course_dirs[0] if self.course_dirs else ""

    # one spelling per folder: a published snapshot names its folders, and workers compare them
    @validate("course_dirs")
    def _absolute_dirs(self, proposal):
        return [str(Path(p).expanduser().resolve()) for p in proposal.value]

    @validate("import_dir")
    def _absolute_import_dir(self, proposal):
        return str(Path(proposal.value).expanduser().resolve()) if proposal.value else ""


@dataclass
class CourseFolder:
    """One course folder as read from disk: its exercises' files, what it hides, and what could not be read."""

    path: str
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    hide: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def _hidden_in(folder: Path) -> list[str]:
    path = folder / COURSE_FILE
    if not path.is_file():
        return []
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get("hide_builtin", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ExerciseFormatError(path, f"not valid TOML: {err}") from None
    if value is True:
        return [ALL]
    if value is False:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExerciseFormatError(path, "hide_builtin must be true or a list of exercise ids")
    return value


def read_course(path: str | Path) -> CourseFolder:
    """Read one course folder (no grading): files of every exercise folder, problems by id."""
    folder = Path(path)
    if not folder.is_dir():
        raise ExerciseFormatError(folder, "the course folder does not exist (c.CourseBank.course_dirs)")
    course = CourseFolder(str(folder), hide=_hidden_in(folder))
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if not any((sub / name).exists() for name in REQUIRED_FILES):
            continue  # not an exercise folder (docs, CI files)
        try:
            files = read_exercise_files(sub)
            exercise_from_files(files, sub)
            course.files[sub.name] = files
        except ExerciseFormatError as err:
            course.problems[sub.name] = str(err)
    return course


def snapshot_of(courses: list[CourseFolder]) -> dict:
    """What gets published: each course folder's path, hidden ids and exercise files (JSON-ready)."""
    return {"courses": [{"path": c.path, "hide": list(c.hide), "files": dict(c.files)} for c in courses]}


def merge_snapshot(previous: dict | None, current: list[CourseFolder], refused: dict[str, str]) -> dict:
    """The snapshot to publish: `current`, except that a refused exercise keeps its previous files (or stays out)."""
    before = {c["path"]: c["files"] for c in (previous or {}).get("courses", [])}
    merged = []
    for course in current:
        files = {}
        for ex_id in sorted(set(course.files) | set(course.problems) | set(before.get(course.path, {}))):
            key = f"{course.path}:{ex_id}"
            if key in refused or ex_id in course.problems:
                if ex_id in before.get(course.path, {}):
                    files[ex_id] = before[course.path][ex_id]
            elif ex_id in course.files:
                files[ex_id] = course.files[ex_id]
        merged.append({"path": course.path, "hide": list(course.hide), "files": files})
    return {"courses": merged}


def changed_exercises(previous: dict | None, current: list[CourseFolder]) -> list[tuple[str, str]]:
    """(course path, exercise id) of every exercise whose files differ from the published ones."""
    before = {c["path"]: c["files"] for c in (previous or {}).get("courses", [])}
    return [(c.path, ex_id) for c in current for ex_id, files in c.files.items() if before.get(c.path, {}).get(ex_id) != files]


def versions_not_raised(previous: dict | None, current: list[CourseFolder]) -> dict[str, str]:
    """(course:id) -> why, for each published exercise whose content changed but whose version did not.

    Students who have an exercise get a changed one only when its version is higher (see README),
    so a change under the same version is refused like a broken exercise."""
    refused = {}
    for path, ex_id in changed_exercises(previous, current):
        before = {c["path"]: c["files"] for c in previous["courses"]}.get(path, {}).get(ex_id) if previous else None
        if before is None:
            continue
        old = exercise_from_files(before, ex_id).version
        new = exercise_from_files(next(c for c in current if c.path == path).files[ex_id], ex_id).version
        if new <= old:
            refused[f"{path}:{ex_id}"] = f"the content changed but version is still {new}: raise it to {old + 1} so that students who have it get the new one"
    return refused


class ServedBank:
    """The bank the API serves: built-in plus course exercises, swapped whole on a reload.

    `all()` is what may be delivered (hidden built-ins left out); `get()` also finds a hidden
    built-in, so a notebook a student already has can still be graded."""

    def __init__(self, builtin: Bank, hide_builtin: list[str] = (), snapshot: dict | None = None, version: int = 0):
        self.builtin = builtin
        self.hide_setting = list(hide_builtin)
        self.version = 0
        self.origins: dict[str, str] = {}
        self._known: dict[str, Exercise] = {}
        self._served: dict[str, Exercise] = {}
        self.replace(snapshot or {"courses": []}, version)

    def replace(self, snapshot: dict, version: int) -> None:
        """Serve `snapshot` (course files already validated) from now on, as `version`."""
        course_exercises, origins, hidden = {}, {}, set(self.hide_setting)
        for course in snapshot.get("courses", []):
            hidden.update(course.get("hide", ()))
            for ex_id, files in course.get("files", {}).items():
                if ex_id in course_exercises:
                    continue
                try:
                    course_exercises[ex_id] = exercise_from_files(files, ex_id)
                except ExerciseFormatError:  # published under older rules: left out rather than stopping the rest
                    continue
                origins[ex_id] = course["path"]
        builtin = {ex.id: ex for ex in self.builtin.all()}
        known = {**builtin, **course_exercises}
        served = {i: ex for i, ex in known.items() if i in course_exercises or not (ALL in hidden or i in hidden)}
        self._known, self._served, self.origins, self.version = known, served, origins, version

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self._known[exercise_id]
        except KeyError:
            raise ExerciseNotFound(exercise_id) from None

    def all(self) -> list[Exercise]:
        return list(self._served.values())

    def hidden(self) -> list[str]:
        return sorted(set(self._known) - set(self._served))

    def __len__(self) -> int:
        return len(self._served)

    def __contains__(self, exercise_id: str) -> bool:
        return exercise_id in self._known
