"""`codementor exercises new|export|import|reload`: authoring notebooks and course banks.

`new` and `export` write an authoring notebook; `import` validates one (the bank's validator:
schema, the notebook under nbval, the starter fails, the mutation score, the hints against the
tutor's leak filter) and only then writes the exercise into a course folder; `reload`
validates what changed in the course folders (the same checks, with the notebook's code run in
the grader's sandbox rather than in a kernel on the server) and publishes it to every API
worker (see api/services/course_bank.py); a broken exercise is refused and its previous
version keeps serving.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import time
from pathlib import Path


def _fail(action: str, message: str):
    sys.exit(f"codementor exercises {action}: {message}")


def course_settings(args):
    """c.CourseBank from --config (the API's config file), with --course folders taking precedence."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from codementor.exercise_bank.courses import CourseBank

    config = Config()
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            _fail(args.action, f"--config {path}: no such file")
        config = PyFileConfigLoader(path.name, str(path.parent)).load_config()
    courses = CourseBank(config=config)
    if args.course:
        courses.course_dirs = list(args.course)
        courses.import_dir = courses.course_dirs[0]
    return courses


def _all_exercises(course_dirs: list[str]) -> dict:
    """Built-in and course exercises as they are on disk now (course ones win), by id."""
    from codementor.exercise_bank import Bank
    from codementor.exercise_bank.courses import read_course
    from codementor.exercise_bank.loader import exercise_from_files

    found = {ex.id: ex for ex in Bank().all()}
    for folder in reversed(course_dirs):
        for ex_id, files in read_course(folder).files.items():  # those that load; the validator reports the rest
            found[ex_id] = exercise_from_files(files, ex_id)
    return found


def listing(args, bank) -> list[dict]:
    """The built-in exercises and, on disk, those of the course folders: origin and the groups a course is for
    (None: everyone); a built-in is `hidden` for everyone, or `hidden_for` the groups of the courses that hide it."""
    from codementor.exercise_bank.courses import ALL, read_course
    from codementor.exercise_bank.loader import exercise_from_files

    courses = course_settings(args)
    rows = {ex.id: {**ex.summary(), "origin": "builtin", "groups": None} for ex in bank.all()}
    hidden, hidden_for = set(courses.hide_builtin), {}
    for folder in reversed(courses.course_dirs):
        course = read_course(folder)
        if course.groups is None:
            hidden.update(course.hide)
        for ex_id in course.hide if course.groups is not None else ():
            hidden_for.setdefault(ex_id, set()).update(course.groups)
        for ex_id, files in course.files.items():
            rows[ex_id] = {**exercise_from_files(files, ex_id).summary(), "origin": folder, "groups": course.groups}
    for row in rows.values():
        builtin = row["origin"] == "builtin"
        row["hidden"] = builtin and (ALL in hidden or row["id"] in hidden)
        groups = hidden_for.get(row["id"], set()) | hidden_for.get(ALL, set())
        row["hidden_for"] = sorted(groups) if builtin and not row["hidden"] else []
    return list(rows.values())


def _write_notebook(nb, path: Path, action: str, force: bool = False) -> None:
    """An authoring notebook, the owner's only (0600): it holds, or will hold, the solution and the hidden tests."""
    import nbformat

    from codementor.hub_config.stack import write_private

    if path.exists() and not force:
        _fail(action, f"{path} exists already (remove it, or name another file with -o)")
    write_private(path, nbformat.writes(nb).encode())
    print(f"wrote {path} (mode 0600: the reference solution and hidden tests are yours only)")


def warn_if_open(folder) -> None:
    """Say so when others of this machine may read a course folder (its solutions and hidden tests)."""
    if os.path.isdir(folder) and os.stat(folder).st_mode & 0o005:
        print(f"warning: {folder} is open to every user of this machine; it holds solutions and hidden tests: "
              "chmod o-rx it where students have accounts (the classroom profile)")


def cmd_new(args) -> None:
    from codementor.exercise_bank.authoring import AuthoringError, new_notebook_for

    if len(args.ids) != 1:
        _fail("new", "name one new exercise id, e.g. codementor exercises new count-vowels")
    try:
        nb = new_notebook_for(args.ids[0])
    except AuthoringError as err:
        _fail("new", str(err))
    _write_notebook(nb, Path(args.output or f"{args.ids[0]}.ipynb"), "new")


def cmd_export(args) -> None:
    from codementor.exercise_bank.authoring import export_notebook

    if len(args.ids) != 1:
        _fail("export", "name one exercise id")
    exercises = _all_exercises(course_settings(args).course_dirs)
    if args.ids[0] not in exercises:
        _fail("export", f"no exercise named {args.ids[0]!r} in the built-in bank or the course folders")
    _write_notebook(export_notebook(exercises[args.ids[0]]), Path(args.output or f"{args.ids[0]}.ipynb"), "export", args.force)


def _grader():
    from codementor.api.grader import Grader
    from codementor.api.grader.grader import tool_uid_offset
    from codementor.exercise_bank.validate import MUTANT_TIMEOUT

    grader = Grader(timeout=MUTANT_TIMEOUT, queue_limit=1_000_000)
    grader.uid_offset = tool_uid_offset(grader.concurrency)  # uids of its own, not a running API's
    return grader


async def _validate(folder: Path, ids: list[str], grader, solutions: list[str], sandboxed: bool = False):
    """The bank's validator; `sandboxed`: the notebook check too runs in the grader's sandbox, not in a kernel here."""
    from codementor.api.services.authoring import sandbox_notebooks
    from codementor.exercise_bank.validate import validate_bank

    from .bank import hint_checker

    runner = sandbox_notebooks(grader.grade) if sandboxed else None
    return await validate_bank(grader.grade, folder, ids, check_hint=hint_checker(solutions, grader.grade), notebook_runner=runner)


async def _validate_once(folder: Path, ids: list[str], solutions: list[str]):
    """`_validate` with a grader of its own, stopped after."""
    grader = _grader()
    try:
        return await _validate(folder, ids, grader, solutions)
    finally:
        await grader.aclose()


def cmd_import(args) -> None:
    from codementor.exercise_bank.authoring import AuthoringError, exercise_from_notebook, read_notebook
    from codementor.exercise_bank.validate import format_table
    from codementor.api.services.authoring import write_exercise

    if len(args.ids) != 1:
        _fail("import", "name one authoring notebook, e.g. codementor exercises import count-vowels.ipynb")
    started = time.perf_counter()
    path = Path(args.ids[0])
    try:
        exercise, files = exercise_from_notebook(read_notebook(path.read_bytes()))
    except OSError as err:
        _fail("import", f"{path}: {err.strerror}")
    except AuthoringError as err:
        _fail("import", f"{path}: {err}")
    courses = course_settings(args)
    course_dir = courses.import_dir
    if not course_dir:
        _fail("import", "no course folder: give --course DIR or set c.CourseBank.course_dirs ($CODEMENTOR_COURSE_DIRS)")
    _refuse_taken_id(courses.course_dirs, course_dir, exercise.id)
    _refuse_same_version(course_dir, exercise, files)
    solutions = [ex.solution for ex in _all_exercises([course_dir]).values() if ex.id != exercise.id] + [exercise.solution]
    with tempfile.TemporaryDirectory(prefix="codementor-import-") as tmp:
        write_exercise(Path(tmp), exercise.id, files)
        report = asyncio.run(_validate_once(Path(tmp), [exercise.id], solutions))
    print(format_table(report).replace(tmp + "/", ""))
    if not report.passed:  # the validator's first problem, worded as the API (and %exercise_import) words it
        first = next((p for row in report.rows for p in row.problems), "did not validate").replace(tmp + "/", "")
        _fail("import", f"{exercise.id}: {first}; nothing was written")
    write_exercise(Path(course_dir), exercise.id, files)
    warn_if_open(course_dir)
    print(f"imported {exercise.id} into {course_dir} in {time.perf_counter() - started:.1f} s; "
          "`codementor exercises reload` serves it")


def _refuse_taken_id(course_dirs: list[str], course_dir: str, ex_id: str) -> None:
    """An exercise id belongs to one course folder (a reload would refuse the second one)."""
    for folder in course_dirs:
        if folder != course_dir and (Path(folder) / ex_id).is_dir():
            _fail("import", f"{ex_id} is already an exercise of the course folder {folder}: choose another id")


def _refuse_same_version(course_dir: str, exercise, files: dict) -> None:
    from codementor.exercise_bank.courses import read_course
    from codementor.exercise_bank.loader import exercise_from_files

    before = read_course(course_dir).files.get(exercise.id)
    if before is not None and before != files and exercise_from_files(before, exercise.id).version == exercise.version:
        _fail("import", f"{exercise.id} version {exercise.version} is already in {course_dir} with other content: "
              f"raise version to {exercise.version + 1} so that students who have it get the new one")


# --- reload ----------------------------------------------------------------------------------

def cmd_reload(args) -> None:
    from codementor.exercise_bank.loader import ExerciseFormatError

    courses = course_settings(args)
    if not courses.course_dirs:
        _fail("reload", "no course folders: set c.CourseBank.course_dirs ($CODEMENTOR_COURSE_DIRS) or give --course DIR")
    for folder in courses.course_dirs:
        warn_if_open(folder)
    from .data import NotReady

    try:
        code = asyncio.run(_reload(args, courses.course_dirs))
    except (ExerciseFormatError, OSError, NotReady) as err:
        _fail("reload", str(err))
    sys.exit(code)


async def _reload(args, course_dirs: list[str]) -> int:
    from codementor.api.services import course_bank
    from codementor.exercise_bank.courses import changed_exercises, duplicate_ids, merge_snapshot, read_course, versions_not_raised

    from .data import _backends

    started = time.perf_counter()
    current = [read_course(p) for p in course_dirs]
    _, engine, sessionmaker, redis = _backends(args, with_redis=True)
    try:
        async with sessionmaker() as session:
            row = await course_bank.latest(session)
        previous = row.snapshot if row and course_bank.snapshot_fits(row.snapshot, course_dirs) else None
        refused = {f"{c.path}:{i}": problem for c in current for i, problem in c.problems.items()}
        refused.update(duplicate_ids(previous, current))
        refused.update(versions_not_raised(previous, current))
        changed = [(p, i) for p, i in changed_exercises(previous, current) if f"{p}:{i}" not in refused]
        refused.update(await _validate_changed(changed, current))
        for key, problem in refused.items():
            print(f"refused {key.rsplit(':', 1)[1]}: {problem}")
        snapshot = merge_snapshot(previous, current, refused)
        if previous is not None and snapshot == previous:
            print(f"nothing new to publish: version {row.id} serves ({time.perf_counter() - started:.1f} s)")
            return 1 if refused else 0
        async with sessionmaker() as session, session.begin():
            await course_bank.lock_publishing(session)
            version = await course_bank.store(session, snapshot, None, "codementor exercises reload")
        await course_bank.announce(redis, version)
        served = await _wait_served(redis, version, args.wait)
        count = sum(len(c["files"]) for c in snapshot["courses"])
        print(f"published version {version}: {count} course exercises, {len(refused)} refused; "
              f"{served} in {time.perf_counter() - started:.1f} s")
        return 1 if refused else 0
    finally:
        await redis.aclose()
        await engine.dispose()


async def _validate_changed(changed: list[tuple[str, str]], current) -> dict[str, str]:
    """Validate each changed exercise in its folder; (course:id) -> the validator's first problem for those that fail."""
    from codementor.exercise_bank.validate import format_table

    if not changed:
        return {}
    solutions = [ex.solution for ex in _all_exercises([c.path for c in current]).values()]
    grader = _grader()
    refused = {}
    try:
        for path in dict.fromkeys(p for p, _ in changed):
            ids = [i for p, i in changed if p == path]
            # course folders may hold anyone's code (a git checkout): on the server, all of it runs in the sandbox
            report = await _validate(Path(path), ids, grader, solutions, sandboxed=True)
            print(format_table(report))
            refused.update({f"{path}:{r.id}": (r.problems or ["did not validate"])[0] for r in report.rows if not r.passed(report.min_score)})
    finally:
        await grader.aclose()
    return refused


async def _wait_served(redis, version: int, wait: float) -> str:
    """Wait up to `wait` seconds for the workers to say they serve `version`; a one-line account."""
    from codementor.api.services.course_bank import SERVED_KEY, served_versions

    deadline = time.monotonic() + wait
    while True:
        served = await served_versions(redis)
        for name in [n for n in served if _gone(n)]:  # a worker of this machine that died without saying so
            await redis.hdel(SERVED_KEY, name)
            served.pop(name)
        behind = sorted(n for n, v in served.items() if v < version)
        if not behind or time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.1)
    done = len(served) - len(behind)
    return f"{done} API worker(s) serve it" + (f"; not yet: {', '.join(behind)}" if behind else "")


def _gone(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return not os.path.exists(f"/proc/{pid}")


def run(args) -> None:
    {"new": cmd_new, "export": cmd_export, "import": cmd_import, "reload": cmd_reload}[args.action](args)
