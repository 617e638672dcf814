"""Course banks: the built-in exercises plus each course's own folder, served as one bank.

A course folder holds exercise folders in the bank's format (see README.md) and, optionally,
``course.toml``:

    hide_builtin = ["sum-of-evens", "leap-year"]   # or `true`: hide every built-in exercise
    groups = ["cs101-a", "cs101-b"]                # the Hub groups it is for (left out: everyone)

A student sees the built-in exercises minus those hidden by the courses of their groups, plus
those courses' own exercises; another course's exercise does not exist for them. A hidden
built-in exercise is never chosen for delivery again, but it stays known: a student can still
submit the notebook they already have. A course exercise with the id of a built-in one
replaces it (for that course's students). An exercise id belongs to one course folder: a
reload refuses the same id in a second folder (`duplicate_ids`), because submissions,
progress and the dashboards know an exercise by its id alone.

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
    groups: list[str] | None = None  # the Hub groups it is for; None: everyone


def _course_settings(folder: Path) -> dict:
    path = folder / COURSE_FILE
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ExerciseFormatError(path, f"not valid TOML: {err}") from None


def _groups_in(folder: Path, settings: dict) -> list[str] | None:
    if "groups" not in settings:
        return None
    value = settings["groups"]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ExerciseFormatError(folder / COURSE_FILE, 'groups must be a list of Hub group names, e.g. groups = ["cs101-a"] '
                                  "(leave it out: the course is for everyone)")
    return sorted({v.strip() for v in value})


def _hidden_in(folder: Path, settings: dict) -> list[str]:
    path = folder / COURSE_FILE
    value = settings.get("hide_builtin", [])
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
    settings = _course_settings(folder)
    course = CourseFolder(str(folder), hide=_hidden_in(folder, settings), groups=_groups_in(folder, settings))
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
    return {"courses": [{"path": c.path, "hide": list(c.hide), "groups": c.groups, "files": dict(c.files)} for c in courses]}


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
        merged.append({"path": course.path, "hide": list(course.hide), "groups": course.groups, "files": files})
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


def duplicate_ids(previous: dict | None, current: list[CourseFolder]) -> dict[str, str]:
    """(course:id) -> why, for each exercise whose id another course folder holds too.

    The folder that published the id keeps it; between folders new to it, the first one in the setting."""
    published: dict[str, str] = {}
    for course in (previous or {}).get("courses", []):
        for ex_id in course.get("files", {}):
            published.setdefault(ex_id, course["path"])  # the one served (an older snapshot may hold two)
    holders: dict[str, list[str]] = {}
    for course in current:
        for ex_id in sorted({*course.files, *course.problems}):
            holders.setdefault(ex_id, []).append(course.path)
    refused = {}
    for ex_id, paths in holders.items():
        if len(paths) < 2:
            continue
        owner = published.get(ex_id) if published.get(ex_id) in paths else paths[0]
        for path in paths:
            if path != owner:
                refused[f"{path}:{ex_id}"] = (f"the id {ex_id!r} is already an exercise of the course folder {owner}: ids are shared by "
                                              "the whole hub (submissions, progress, dashboards); rename this one (folder and id)")
    return refused


class BankView:
    """The exercises one set of courses gives: `get` finds every one of them (hidden built-ins too,
    so a notebook a student already has is still graded), `all` is what may be delivered."""

    def __init__(self, known: dict[str, Exercise], served: dict[str, Exercise], origins: dict[str, str], version: int,
                 courses: dict[str, list[str] | None] | None = None):
        self._known, self._served, self.origins, self.version = known, served, origins, version
        self.courses = courses or {}  # each course folder of the view and the groups it is for (None: everyone)

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


@dataclass(frozen=True)
class _Course:
    path: str
    groups: frozenset[str] | None
    hide: frozenset[str]
    exercises: dict[str, Exercise]


MAX_REMEMBERED_GROUPS = 10_000  # distinct group lists whose view is remembered (then forgotten all at once)


class ServedBank(BankView):
    """The bank the API serves: built-in plus course exercises, swapped whole on a reload.

    As a BankView it is everything (what admins see). `for_groups` is what members of some Hub
    groups see: the courses for everyone and for one of those groups. Views are built on first
    use and remembered by group list until the next reload: a request costs one dict lookup."""

    def __init__(self, builtin: Bank, hide_builtin: list[str] = (), snapshot: dict | None = None, version: int = 0):
        self.builtin = builtin
        self.hide_setting = list(hide_builtin)
        self.replace(snapshot or {"courses": []}, version)

    def replace(self, snapshot: dict, version: int) -> None:
        """Serve `snapshot` (course files already validated) from now on, as `version`."""
        courses, seen = [], set()
        for course in snapshot.get("courses", []):
            exercises = {}
            for ex_id, files in course.get("files", {}).items():
                if ex_id in seen:  # a reload refuses a second folder's copy; an older snapshot may hold one
                    continue
                try:
                    exercises[ex_id] = exercise_from_files(files, ex_id)
                except ExerciseFormatError:  # published under older rules: left out rather than stopping the rest
                    continue
                seen.add(ex_id)
            groups = course.get("groups")
            courses.append(_Course(course["path"], frozenset(groups) if groups is not None else None, frozenset(course.get("hide", ())), exercises))
        self._builtin = {ex.id: ex for ex in self.builtin.all()}
        self._courses = courses
        self.scoped = any(c.groups is not None for c in courses)
        everything = self._view_of(tuple(courses), version)
        self._known, self._served, self.origins, self.courses = everything._known, everything._served, everything.origins, everything.courses
        self.version = version
        self._by_courses: dict[frozenset[int], BankView] = {}
        self._by_groups: dict[tuple[str, ...], BankView] = {}

    def _view_of(self, courses: tuple[_Course, ...], version: int) -> BankView:
        hidden = set(self.hide_setting).union(*(c.hide for c in courses))
        own = {ex_id: ex for c in courses for ex_id, ex in c.exercises.items()}
        origins = {ex_id: c.path for c in courses for ex_id in c.exercises}
        known = {**self._builtin, **own}
        served = {i: ex for i, ex in known.items() if i in own or not (ALL in hidden or i in hidden)}
        return BankView(known, served, origins, version, {c.path: sorted(c.groups) if c.groups is not None else None for c in courses})

    def courses_for(self, groups) -> frozenset[int]:
        """Which course folders (by position) members of `groups` have: those for everyone and for one of the groups."""
        mine = set(groups)
        return frozenset(i for i, c in enumerate(self._courses) if c.groups is None or c.groups & mine)

    def for_groups(self, groups) -> BankView:
        """What members of these Hub groups see (the whole bank when no course names groups)."""
        if not self.scoped:
            return self
        key = tuple(groups)
        view = self._by_groups.get(key)
        if view is None:
            chosen = self.courses_for(key)
            view = self._by_courses.get(chosen)
            if view is None:
                view = self._by_courses[chosen] = self._view_of(tuple(c for i, c in enumerate(self._courses) if i in chosen), self.version)
            if len(self._by_groups) >= MAX_REMEMBERED_GROUPS:
                self._by_groups.clear()
            self._by_groups[key] = view
        return view
