"""Check every exercise of a bank: format, notebook, starter code and the strength of its tests.

For each exercise (one row of the table `codementor exercises validate` prints):

1. **schema**: the folder follows the format (the loader's checks), and the reference
   solution passes every test when graded;
2. **notebook**: the student notebook, with the reference solution in the solution cell,
   runs clean in a real kernel under nbval (all notebooks in one pytest process);
3. **starter**: the starter code fails at least one hidden test;
4. **hints**: no authored hint would be blocked by the tutor's leak filter (when the command
   hands a `check_hint` function in: the filter is the API's, the bank does not import it);
5. **mutants**: the hidden tests kill at least `min_score` of the mutants of the reference
   solution (see `mutation.py`); every mutant is graded by the real grader.

Grading is done by the function the caller hands over (`codementor exercises validate` hands
the API grader's `grade`, run concurrently): the bank itself imports none of the runtimes.
"""

from __future__ import annotations

import asyncio
import importlib.util
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

import nbformat

from .loader import ExerciseFormatError, default_bank_dir, load_exercise
from .model import Exercise
from .mutation import Mutant, mutants_of
from .render import render_notebook

# what grading returns: `.status` ("graded" or why not), `.passed`, `.message` and `.tests`,
# each with `.name`, `.hidden` and `.passed` (the API grader's GradeResult)
Grade = Callable[[Exercise, str], Awaitable[Any]]
# check_hint(exercise, hint) -> '' when the tutor would show the hint, else why it would block it
CheckHint = Callable[[Exercise, str], Awaitable[str]]
# run_notebooks(exercises, workdir) -> exercise id -> problem ('' when the notebook runs clean)
NotebookRunner = Callable[[list[Exercise], Path], Awaitable[dict[str, str]]]

MIN_SCORE = 0.9
MAX_MUTANTS = 40
MUTANT_TIMEOUT = 3.0  # seconds; a mutant that loops forever is stopped (and counts as killed)


@dataclass
class Row:
    """The validation result of one exercise."""

    id: str
    schema: bool = False
    notebook: bool | None = None
    starter: bool | None = None
    hints: bool | None = None
    killed: int = 0
    mutants: int = 0
    survivors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        return self.killed / self.mutants if self.mutants else None

    def passed(self, min_score: float) -> bool:
        score_ok = self.score is not None and self.score >= min_score
        return self.schema and bool(self.notebook) and bool(self.starter) and score_ok and self.hints is not False

    def to_dict(self, min_score: float) -> dict:
        return {**asdict(self), "score": self.score, "passed": self.passed(min_score)}


@dataclass
class Report:
    rows: list[Row]
    seconds: float
    min_score: float

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(r.passed(self.min_score) for r in self.rows)

    def to_dict(self) -> dict:
        return {
            "passed": self.passed,
            "min_score": self.min_score,
            "wall_seconds": round(self.seconds, 2),
            "exercises": [r.to_dict(self.min_score) for r in self.rows],
        }


def exercise_folders(bank_dir: Path, ids: list[str]) -> list[Path]:
    """The exercise folders to check: all of them, or the named ones (unknown names raise)."""
    folders = {p.name: p for p in sorted(bank_dir.iterdir()) if p.is_dir() and not p.name.startswith((".", "_"))}
    missing = [i for i in ids if i not in folders]
    if missing:
        raise LookupError(f"no exercise folder named {', '.join(missing)} in {bank_dir}")
    return [folders[i] for i in ids] if ids else list(folders.values())


# --- notebooks under nbval -------------------------------------------------------------

async def run_notebooks(exercises: list[Exercise], workdir: Path, shards: int = 1, cell_timeout: int = 60) -> dict[str, str]:
    """Run each rendered notebook (solution filled in) under nbval; exercise id -> problem ('' if clean).

    The notebooks are split over `shards` pytest processes run side by side (each notebook
    starts a fresh kernel, which is most of the time spent).
    """
    if not exercises:
        return {}
    if importlib.util.find_spec("nbval") is None:
        return {ex.id: "nbval is not installed here: pip install 'codementor-hub[authoring]' (in [all])" for ex in exercises}
    groups = [exercises[i::shards] for i in range(max(1, shards))]
    results = await asyncio.gather(*(_run_shard(group, workdir / f"shard-{i}", cell_timeout) for i, group in enumerate(groups) if group))
    problems = {ex_id: problem for result in results for ex_id, problem in result.items()}
    # a kernel that died or did not answer while starting says nothing about the notebook (a port taken between
    # jupyter_client's choice and the kernel's bind, a loaded machine): those notebooks get one more run, in a kernel
    # of their own
    unstarted = [ex for ex in exercises if kernel_did_not_start(problems[ex.id])]
    if unstarted:
        problems.update(await _run_shard(unstarted, workdir / "again", cell_timeout))
    return problems


KERNEL_DID_NOT_START = ("Kernel died before replying to kernel_info", "Kernel didn't respond in")


def kernel_did_not_start(problem: str) -> bool:
    """Does a notebook's problem say only that its kernel never came up (jupyter_client's messages)?"""
    return any(sign in problem for sign in KERNEL_DID_NOT_START)


async def _run_shard(exercises: list[Exercise], folder: Path, cell_timeout: int) -> dict[str, str]:
    folder.mkdir(parents=True)
    for ex in exercises:
        nbformat.write(render_notebook(ex, with_solution=True), folder / f"{ex.id}.ipynb")
    report = folder.parent / f"{folder.name}.xml"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "--nbval-lax", f"--nbval-cell-timeout={cell_timeout}", "-p", "no:cacheprovider",
        "-o", "addopts=", "-q", f"--junitxml={report}", str(folder),
        cwd=folder, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    return _notebook_problems(exercises, report, output.decode(errors="replace"))


def _notebook_problems(exercises: list[Exercise], report: Path, output: str) -> dict[str, str]:
    try:
        cases = ElementTree.parse(report).getroot().iter("testcase")
    except (OSError, ElementTree.ParseError):
        tail = output.strip().splitlines()[-1:] or ["no output"]
        return {ex.id: f"nbval did not run: {tail[0]}" for ex in exercises}
    seen: dict[str, int] = {}
    problems: dict[str, str] = {}
    for case in cases:
        ex_id = case.get("classname", "").removesuffix(".ipynb")  # pytest runs in the notebooks' folder
        seen[ex_id] = seen.get(ex_id, 0) + 1
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None and ex_id not in problems:
            message = (failure.get("message") or failure.text or "failed").strip().splitlines()[0]
            problems[ex_id] = f"{case.get('name')}: {message}"[:200]
    return {ex.id: problems.get(ex.id, "" if seen.get(ex.id) else "nbval ran no cell of this notebook") for ex in exercises}


# --- grading: reference, starter, mutants ----------------------------------------------

async def check_grading(grade: Grade, exercise: Exercise, mutants: list[Mutant], row: Row) -> None:
    """Reference passes everything, starter fails a hidden test, mutants are killed."""
    try:
        reference = await grade(exercise, exercise.solution)
    except Exception as exc:  # a grader refuses to grade against a reference that does not run
        row.schema = False
        row.problems.append(f"the reference solution does not run: {getattr(exc, 'problem', exc)}")
        return
    if not reference.passed:
        failing = [t.name for t in reference.tests if not t.passed]
        row.schema = False
        row.problems.append(f"the reference solution fails: {reference.message or ', '.join(failing)}")
        return
    results = await asyncio.gather(grade(exercise, exercise.starter), *(grade(exercise, m.source) for m in mutants))
    starter, graded = results[0], results[1:]
    row.starter = _fails_hidden(starter)
    if not row.starter:
        row.problems.append("the starter code passes every hidden test")
    row.mutants = len(mutants)
    for mutant, result in zip(mutants, graded):
        if _fails_hidden(result):
            row.killed += 1
        else:
            row.survivors.append(f"line {mutant.line}: {mutant.kind} {mutant.description}")


async def check_hints(check_hint: CheckHint, exercise: Exercise, row: Row) -> None:
    """Every authored hint must pass the leak filter the tutor applies to its own answers."""
    row.hints = True
    for rung, hint in enumerate(exercise.hints, start=1):
        problem = await check_hint(exercise, hint)
        if problem:
            row.hints = False
            row.problems.append(f"hint {rung}: the tutor would block it as a leak ({problem})")


def _fails_hidden(result) -> bool:
    return result.status != "graded" or any(t.hidden and not t.passed for t in result.tests)


async def validate_bank(grade: Grade, bank_dir: Path | None = None, ids: list[str] | None = None, *,
                        min_score: float = MIN_SCORE, max_mutants: int = MAX_MUTANTS, concurrency: int = 2,
                        check_hint: CheckHint | None = None, notebook_runner: NotebookRunner | None = None) -> Report:
    """Validate the exercises of `bank_dir` (all, or those in `ids`), grading with `grade`.

    `grade(exercise, code)` is awaited once per reference, starter and mutant, up to
    `concurrency` exercises at a time; it should stop a mutant that loops (see MUTANT_TIMEOUT).
    `notebook_runner` replaces the nbval run of the notebooks (the API runs them in its sandbox)."""
    started = time.perf_counter()
    rows, exercises = [], []
    for folder in exercise_folders(Path(bank_dir or default_bank_dir()), ids or []):
        row = Row(id=folder.name)
        rows.append(row)
        try:
            exercises.append((load_exercise(folder), row))
            row.schema = True
        except ExerciseFormatError as err:
            row.problems.append(str(err))
    in_flight = asyncio.Semaphore(max(1, concurrency))  # exercises graded at once (each runs its reference first)

    async def check(ex, row):
        async with in_flight:
            await check_grading(grade, ex, mutants_of(ex.solution, max_mutants), row)
            if check_hint is not None:
                await check_hints(check_hint, ex, row)

    with tempfile.TemporaryDirectory(prefix="codementor-validate-") as tmp:
        shards = concurrency if len(exercises) >= 10 else 1  # below that, a second pytest start costs more than it saves
        runner = notebook_runner or (lambda exs, folder: run_notebooks(exs, folder, shards))
        notebooks = asyncio.ensure_future(runner([ex for ex, _ in exercises], Path(tmp)))
        await asyncio.gather(*(check(ex, row) for ex, row in exercises))
        for ex, row in exercises:
            problem = (await notebooks)[ex.id]
            row.notebook = not problem
            if problem:
                row.problems.append(f"notebook: {problem}")
    for row in rows:
        if row.score is not None and row.score < min_score:
            row.problems.append(f"mutation score {row.score:.0%} is below {min_score:.0%}; surviving: " + "; ".join(row.survivors[:5]))
    return Report(rows, time.perf_counter() - started, min_score)


def _mark(value: bool | None) -> str:
    return "-" if value is None else "ok" if value else "FAIL"


def format_table(report: Report) -> str:
    """The report as a plain-text table, one row per exercise, problems underneath."""
    width = max([len(r.id) for r in report.rows] + [8])
    lines = [f"{'exercise':<{width}}  schema  notebook  starter  hints  mutants  score  result"]
    for r in report.rows:
        score = "-" if r.score is None else f"{r.score:.0%}"
        mutants = f"{r.killed}/{r.mutants}" if r.mutants else "-"
        result = "ok" if r.passed(report.min_score) else "FAIL"
        lines.append(f"{r.id:<{width}}  {_mark(r.schema):<6}  {_mark(r.notebook):<8}  {_mark(r.starter):<7}  {_mark(r.hints):<5}  {mutants:>7}  {score:>5}  {result}")
        lines.extend(f"    {p}" for p in r.problems)
    scores = [r.score for r in report.rows if r.score is not None]
    failed = sum(not r.passed(report.min_score) for r in report.rows)
    summary = f"{len(report.rows)} exercises, {failed} failing"
    if scores:
        summary += f"; mutation score lowest {min(scores):.0%}, median {statistics.median(scores):.0%}"
    lines.append(f"{summary}; wall time {report.seconds:.1f} s")
    return "\n".join(lines)
