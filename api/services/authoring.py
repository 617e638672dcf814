"""An instructor's authoring notebook, imported through the API: validated in the sandbox, stored, published.

Nothing of the uploaded exercise runs in the API process: the notebook is parsed (JSON and
TOML), the solution is mutated as a syntax tree, and every piece of code that runs (the
reference, the starter, the mutants, the notebook's solution and visible-test cells, code a
hint may hold) runs in the grader's sandbox. The checks are the bank's validator
(exercise_bank/validate.py); only the notebook check differs from `codementor exercises
validate`, which runs nbval on the operator's machine: here the notebook's code cells run in
the sandbox as one program.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from ...exercise_bank.authoring import AuthoringError, exercise_from_notebook, read_notebook
from ...exercise_bank.courses import read_course
from ...exercise_bank.loader import exercise_from_files
from ...exercise_bank.model import Exercise
from ...exercise_bank.render import render_notebook
from ...exercise_bank.validate import validate_bank
from ..errors import Conflict, InvalidRequest
from . import course_bank


class ImportRefused(InvalidRequest):
    """The exercise did not validate; the message is the validator's first problem."""


def course_listing(bank, version: int) -> dict:
    """What `bank` (a viewer's view) serves, each exercise's origin ('builtin' or its course folder), the course
    folders with their groups, and the hidden built-ins."""
    items = [{**ex.summary(), "origin": bank.origins.get(ex.id, "builtin")} for ex in bank.all()]
    courses = [{"path": path, "groups": groups} for path, groups in bank.courses.items()]
    return {"bank_version": version, "exercises": items, "hidden_builtin": bank.hidden(), "courses": courses}


def import_folder(ctx, who) -> str:
    """The course folder `who`'s import goes to: admins, and everyone while no course names groups,
    c.CourseBank.import_dir; an instructor, a course folder of a group they teach (import_dir first when it is one),
    else import_dir when it is for everyone."""
    target = ctx.courses.import_dir
    if who.role == "admin" or not ctx.bank.scoped:
        return target
    taught = set(ctx.roster.taught_groups(who))
    groups = ctx.bank.courses
    own = [p for p in ctx.courses.course_dirs if groups.get(p) and taught & set(groups[p])]
    if own:
        return target if target in own else own[0]
    if target and groups.get(target) is None:
        return target
    raise Conflict(f"no course folder takes imports for your groups ({', '.join(sorted(taught)) or 'none'}): "
                   "the operator adds one of them to `groups` in a course folder's course.toml")


def _check_id_free(ctx, course_dir: str, ex_id: str) -> None:
    """An exercise id belongs to one course folder (submissions and progress know exercises by id alone)."""
    origin = ctx.bank.origins.get(ex_id)
    if origin is not None and origin != str(course_dir):
        raise Conflict(f"{ex_id} is already an exercise of another course on this hub: choose another id")


def notebook_program(exercise: Exercise) -> str:
    """The code cells of the student notebook with the solution filled in, as one program."""
    nb = render_notebook(exercise, with_solution=True)
    return "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


def sandbox_notebooks(grade):
    """The validator's notebook check, run in the grader's sandbox instead of a kernel on this machine."""

    async def run(exercises: list[Exercise], workdir: Path) -> dict[str, str]:
        problems = {}
        for ex in exercises:
            result = await grade(ex, notebook_program(ex))
            problems[ex.id] = "" if result.status == "graded" else f"the notebook stops: {result.message or result.status}"[:200]
        return problems

    return run


def one_at_a_time(grade):
    """`grade`, one call at a time: a validation waits its turn instead of filling the students' queue."""
    turn = asyncio.Semaphore(1)

    async def graded(exercise, code):
        async with turn:
            return await grade(exercise, code, feedback=False)

    return graded


def hint_check(gateway):
    """The tutor's own leak filter on each authored hint ('' when it would be shown)."""

    async def check(exercise, hint: str) -> str:
        verdict = await gateway.judge(exercise, hint)
        return f"{verdict.reason}: similarity {verdict.similarity:.2f}, walkthrough {verdict.walkthrough:.2f}" if verdict.leaking else ""

    return check


async def validate_files(ctx, ex_id: str, files: dict[str, str]) -> None:
    """Run the validator on one exercise's files (in a private temporary folder); ImportRefused if it fails."""
    grade = one_at_a_time(ctx.grader.grade)
    with tempfile.TemporaryDirectory(prefix="codementor-import-") as tmp:
        write_exercise(Path(tmp), ex_id, files)
        report = await validate_bank(grade, Path(tmp), [ex_id], concurrency=1, check_hint=hint_check(ctx.gateway),
                                     notebook_runner=sandbox_notebooks(grade))
    row = report.rows[0]
    problems = [p.replace(str(tmp) + "/", "") for p in row.problems]
    if not report.passed:
        raise ImportRefused(f"{ex_id}: {(problems or ['did not validate'])[0]}", problems=problems,
                            mutants={"killed": row.killed, "total": row.mutants})


def write_exercise(folder: Path, ex_id: str, files: dict[str, str]) -> None:
    """Write (or replace) `folder/ex_id` whole: the new files appear at once, never half-written."""
    staging = Path(tempfile.mkdtemp(prefix=f".{ex_id}-", dir=folder))
    for name, text in files.items():
        (staging / name).write_text(text, encoding="utf-8")
        os.chmod(staging / name, 0o644)
    os.chmod(staging, 0o755)
    target = folder / ex_id
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{ex_id}-old-", dir=folder))
        os.rename(target, old / ex_id)
        os.rename(staging, target)
        shutil.rmtree(old)
    else:
        os.rename(staging, target)


def _base_snapshot(course_dirs: list[str], previous: dict | None) -> dict:
    if previous is not None and course_bank.snapshot_fits(previous, course_dirs):
        return previous
    courses = [read_course(p) for p in course_dirs]
    return {"courses": [{"path": str(p), "hide": c.hide, "groups": c.groups, "files": {}} for p, c in zip(course_dirs, courses)]}


async def publish_one(ctx, user_id: int | None, course_dir: str, ex_id: str, files: dict[str, str]) -> int:
    """The newest published version with this one exercise replaced; the other exercises stay as published."""
    async with ctx.sessionmaker() as session, session.begin():
        await course_bank.lock_publishing(session)
        row = await course_bank.latest(session)
        snapshot = _base_snapshot(ctx.courses.course_dirs, row.snapshot if row else None)
        courses = [dict(c, files=dict(c["files"])) for c in snapshot["courses"]]
        for course in courses:
            if course["path"] == str(course_dir):
                course["files"][ex_id] = files
        version = await course_bank.store(session, {"courses": courses}, user_id, f"import {ex_id}")
    await course_bank.announce(ctx.redis, version)
    return version


def _check_version(course_dir: str, exercise: Exercise, files: dict[str, str]) -> None:
    course = read_course(course_dir)
    before = course.files.get(exercise.id)
    if before is not None and before != files and exercise_from_files(before, exercise.id).version == exercise.version:
        raise Conflict(f"{exercise.id} version {exercise.version} is already in the course with other content: "
                       f"raise version to {exercise.version + 1} so that students who have it get the new one")


async def import_notebook(ctx, who, user_id: int, notebook) -> dict:
    """Validate an uploaded authoring notebook in the sandbox, store it in `who`'s course folder, publish it."""
    course_dir = import_folder(ctx, who)
    if not course_dir or course_dir not in ctx.courses.course_dirs:
        raise Conflict("no course folder takes imports here: the operator sets c.CourseBank.course_dirs (and import_dir)")
    try:
        exercise, files = exercise_from_notebook(read_notebook(notebook))
    except AuthoringError as err:
        raise InvalidRequest(f"the notebook is not an exercise: {err}") from None
    _check_id_free(ctx, course_dir, exercise.id)
    _check_version(course_dir, exercise, files)
    await validate_files(ctx, exercise.id, files)
    write_exercise(Path(course_dir), exercise.id, files)
    version = await publish_one(ctx, user_id, course_dir, exercise.id, files)
    await course_bank.BankFollower(ctx.bank, ctx.sessionmaker, ctx.redis, ctx.courses.course_dirs, on_change=ctx.gateway.use_bank).catch_up()
    return {"exercise": exercise.summary(), "course": course_dir, "bank_version": version}
