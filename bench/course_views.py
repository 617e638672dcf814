"""`codementor bench course-views`: what per-course scope costs a request, in one API process.

Assumptions, stated so the numbers can be judged:
- each of `courses` course folders is for its own Hub group, holds `per_course` exercises
  (copies of built-ins under new ids) and hides one built-in; the bank is the built-in one;
- `students` students ask, in random order, as requests would arrive; each is in the general
  group, one course's group and one of 50 team groups (so up to 50 x courses distinct group
  lists, each remembered once); each request looks up its view and one of its course's
  exercises in it, as the submission path does (`ctx.bank_for(who).get(id)`);
- the reference row is the same lookup without any scope (`bank.get(id)`), what a request paid
  before course folders could name groups;
- "first request" is the cost of building one view after a reload (once per combination of
  courses, then remembered per group list), measured on a fresh bank each time.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from codementor.exercise_bank import Bank
from codementor.exercise_bank.courses import ServedBank, read_course, snapshot_of


def make_courses(root: Path, bank: Bank, courses: int, per_course: int) -> list[Path]:
    """`courses` course folders under `root`, course k for group `course-k`."""
    builtins = [ex.id for ex in bank.all()]
    folders = []
    for k in range(courses):
        folder = root / f"course-{k}"
        folder.mkdir()
        (folder / "course.toml").write_text(f'groups = ["course-{k}"]\nhide_builtin = ["{builtins[k % len(builtins)]}"]\n')
        for i in range(per_course):
            source = builtins[(k * per_course + i) % len(builtins)]
            new_id = f"c{k}-{source}"
            shutil.copytree(bank.root / source, folder / new_id)
            toml = folder / new_id / "exercise.toml"
            toml.write_text(toml.read_text().replace(f'id = "{source}"', f'id = "{new_id}"', 1))
        folders.append(folder)
    return folders


def best_us(run, calls: int) -> float:
    """Microseconds per call of `run()` (which makes `calls` calls), best of three runs (the least disturbed)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        run()
        best = min(best, (time.perf_counter() - started) / calls)
    return best * 1e6


def main(courses: int = 4, per_course: int = 10, students: int = 2000, calls: int = 200_000) -> None:
    bank = Bank()
    with tempfile.TemporaryDirectory(prefix="codementor-bench-") as tmp:
        snapshot = snapshot_of([read_course(p) for p in make_courses(Path(tmp), bank, courses, per_course)])
    served = ServedBank(bank, snapshot=snapshot, version=1)
    rng = random.Random(1)
    who = [("students", f"course-{rng.randrange(courses)}", f"team-{rng.randrange(50)}") for _ in range(students)]
    asked = [(groups, f"c{groups[1].rsplit('-', 1)[1]}-") for groups in who]
    asked = [(g, next(ex.id for ex in served.for_groups(g).all() if ex.id.startswith(prefix))) for g, prefix in asked]
    order = [asked[rng.randrange(students)] for _ in range(calls)]
    builtin_ids = [ex.id for ex in bank.all()]
    plain_order = [builtin_ids[k % len(builtin_ids)] for k in range(calls)]

    def scoped():
        for groups, ex_id in order:
            served.for_groups(groups).get(ex_id)

    def plain():
        for ex_id in plain_order:
            served.get(ex_id)

    builds = []
    for _ in range(50):
        fresh = ServedBank(bank, snapshot=snapshot, version=1)
        started = time.perf_counter()
        fresh.for_groups(who[0])
        builds.append((time.perf_counter() - started) * 1e6)
    print(f"{len(bank)} built-in exercises, {courses} courses x {per_course} exercises, {students} students, {calls} requests")
    print(f"{'row':<46} {'us':>8}")
    print(f"{'view lookup + get (per-course scope)':<46} {best_us(scoped, calls):>8.2f}")
    print(f"{'reference: bank.get, no scope':<46} {best_us(plain, calls):>8.2f}")
    print(f"{'first request per combination (median of 50)':<46} {statistics.median(builds):>8.1f}")
    print(f"views built: {len(served._by_courses)}, group lists remembered: {len(served._by_groups)}")
