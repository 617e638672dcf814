"""`codementor bench grading`: how fast is grading, against a floor and against notebook graders.

In one run, on the reference solutions of the same exercises, three ways to grade:

- ``sandbox``: the real ``Grader`` (zygote pool, every isolation layer this machine allows; two
  jobs per submission, the visible and the hidden tests, run at once);
- ``bare``: a plain ``python worker.py`` subprocess per job, no isolation at all (the floor);
- ``nbclient``: the rendered notebook with the solution and every test appended as asserts,
  executed by nbclient in a fresh kernel per job (how notebook graders work).

Each is driven by 1 and then 2 closed-loop clients (a client submits its next job when the
previous verdict is back); latency is enqueue -> verdict of each job as a client sees it.

For ``sandbox`` it also prints the grader's own CPU per job (a submission is one job of two phases): the API
process's (this process: sending the job, reading observations, the verdict), the keepers' own (from /proc:
preparing, handing over and reaping jobs, the fork included) and the job's (from its keeper's record). CPU time, unlike latency, does not grow with the
machine's other load.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass

from ..api.grader import Grader
from ..api.grader.grader import WORKER
from ..api.grader.verdict import judge
from ..exercise_bank import Bank, Exercise
from ..exercise_bank.render import render_notebook, render_test
from .classroom import _children, _cpu

GOAL_P95_MS = 100.0
GOAL_RATE = 50.0
GOAL_SPEEDUP = 10.0


@dataclass
class Row:
    mode: str
    concurrency: int
    jobs: int
    passed: int
    p50_ms: float
    p95_ms: float
    grades_per_s: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def closed_loop(grade_one, jobs: list[Exercise], concurrency: int) -> tuple[list[float], int, float]:
    """Run `jobs` with `concurrency` clients; return (latencies in ms, how many passed, wall seconds)."""
    queue = list(jobs)
    latencies: list[float] = []
    passed = 0

    async def client():
        nonlocal passed
        while queue:
            exercise = queue.pop()
            started = time.perf_counter()
            ok = await grade_one(exercise)
            latencies.append((time.perf_counter() - started) * 1000)
            passed += bool(ok)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, passed, time.perf_counter() - started


class Bare:
    """The floor: one unconfined interpreter per job, the same worker and the same verdict."""

    def __init__(self, grader: Grader):
        self.grader = grader

    async def grade(self, exercise: Exercise) -> bool:
        expectations = await self.grader._expectations(exercise)
        payload = json.dumps({"code": exercise.solution, "tests": [t.job_spec() for t in exercise.tests]}).encode()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-S", "-B", str(WORKER),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await proc.communicate(payload)
        observed = {m.get("index"): m for m in map(json.loads, out.splitlines()) if m.get("event") == "test"}
        return all(judge(t.check, e, observed.get(i), t.hidden)[0] for i, (t, e) in enumerate(zip(exercise.tests, expectations)))


def notebook_with_tests(exercise: Exercise):
    """The rendered notebook with the solution, plus one cell asserting every test (hidden ones too)."""
    import nbformat

    nb = render_notebook(exercise, with_solution=True)
    namespace: dict = {}
    exec(compile(exercise.solution, "<solution>", "exec"), namespace)  # trusted: the author's reference
    checks = []
    for test in exercise.tests:
        if test.expect is None:
            env = dict(namespace)
            if test.setup:
                exec(test.setup, env)
            test = type(test)(**{**asdict(test), "expect": repr(eval(test.call, env))})
        checks.append(render_test(test))
    nb.cells.append(nbformat.v4.new_code_cell("\n\n".join(checks)))
    return nb


async def nbclient_grade(exercise: Exercise, notebooks: dict) -> bool:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = notebooks[exercise.id]
    client = NotebookClient(json.loads(json.dumps(nb), object_hook=_node), kernel_name="python3", timeout=60)
    try:
        await client.async_execute()
    except CellExecutionError:
        return False
    return True


def _node(d):
    import nbformat

    return nbformat.NotebookNode(d)


def cpu_snapshot(grader: Grader) -> tuple[float, dict]:
    """This process's CPU seconds; the jobs so far, their CPU (ms, as reported) and the keepers' own (ms, from /proc)."""
    zygote = grader._zygote
    if zygote is None or zygote.proc is None:
        return time.process_time(), {"jobs": 0, "keeper": 0.0, "job": 0.0}
    keepers = 1000 * sum(_cpu(pid, False) for pid in _children(zygote.proc.pid))
    return time.process_time(), {**zygote.cpu_ms, "keeper": keepers}


def cpu_per_job(before: tuple[float, dict], after: tuple[float, dict]) -> dict:
    """CPU ms per job between two snapshots: this (the API's) process, the keepers, the jobs."""
    jobs = after[1]["jobs"] - before[1]["jobs"]
    if jobs <= 0:
        return {}
    return {
        "jobs": jobs,
        "api_process_ms": round((after[0] - before[0]) * 1000 / jobs, 3),
        "keeper_ms": round((after[1]["keeper"] - before[1]["keeper"]) / jobs, 3),
        "job_ms": round((after[1]["job"] - before[1]["job"]) / jobs, 3),
    }


async def measure(jobs_per_level: int, notebook_jobs: int) -> tuple[list[Row], dict, dict]:
    exercises = Bank().all()
    grader = Grader(concurrency=2, answer_step=0)  # the grading's cost, not the answer's hold (c.Grader.answer_step)
    await grader.start()
    try:
        for exercise in exercises:  # warm-up: reference expectations cached, zygote hot
            await grader.grade(exercise, exercise.solution)
        bare = Bare(grader)
        notebooks = {ex.id: notebook_with_tests(ex) for ex in exercises}
        modes = {
            "sandbox": (lambda ex: _passed(grader.grade(ex, ex.solution)), jobs_per_level),
            "bare": (bare.grade, jobs_per_level),
            "nbclient": (lambda ex: nbclient_grade(ex, notebooks), notebook_jobs),
        }
        rows, cost = [], {}
        for mode, (grade_one, count) in modes.items():
            if count <= 0:  # --jobs 0 or --notebook-jobs 0: that way of grading is left out
                continue
            for concurrency in (1, 2):
                jobs = [exercises[i % len(exercises)] for i in range(count)]
                before = cpu_snapshot(grader)
                latencies, passed, wall = await closed_loop(grade_one, jobs, concurrency)
                if mode == "sandbox":
                    cost[f"sandbox at {concurrency}"] = cpu_per_job(before, cpu_snapshot(grader))
                rows.append(Row(mode, concurrency, count, passed, round(percentile(latencies, 0.5), 1),
                                round(percentile(latencies, 0.95), 1), round(count / wall, 1)))
        return rows, grader.isolation_report(), cost
    finally:
        await grader.aclose()


async def _passed(result) -> bool:
    return (await result).passed


def goals(rows: list[Row]) -> dict:
    by = {(r.mode, r.concurrency): r for r in rows}
    if ("sandbox", 2) not in by or ("nbclient", 2) not in by:
        return {}  # a way of grading was left out (--jobs 0 or --notebook-jobs 0): nothing to compare
    sandbox, notebook = by[("sandbox", 2)], by[("nbclient", 2)]
    speedup = sandbox.grades_per_s / notebook.grades_per_s if notebook.grades_per_s else float("inf")
    latency_speedup = by[("nbclient", 1)].p50_ms / by[("sandbox", 1)].p50_ms
    return {
        "p95_ms_at_2": {"value": sandbox.p95_ms, "goal": f"<= {GOAL_P95_MS:g}", "met": sandbox.p95_ms <= GOAL_P95_MS},
        "grades_per_s_at_2": {"value": sandbox.grades_per_s, "goal": f">= {GOAL_RATE:g}", "met": sandbox.grades_per_s >= GOAL_RATE},
        "speedup_vs_nbclient_throughput": {"value": round(speedup, 1), "goal": f">= {GOAL_SPEEDUP:g}x", "met": speedup >= GOAL_SPEEDUP},
        "speedup_vs_nbclient_p50": {"value": round(latency_speedup, 1), "goal": f">= {GOAL_SPEEDUP:g}x", "met": latency_speedup >= GOAL_SPEEDUP},
    }


def print_table(rows: list[Row], checks: dict, isolation: dict, cost: dict) -> None:
    print(f"{'mode':<10} {'conc':>4} {'jobs':>5} {'passed':>6} {'p50 ms':>8} {'p95 ms':>8} {'grades/s':>9}")
    for r in rows:
        print(f"{r.mode:<10} {r.concurrency:>4} {r.jobs:>5} {r.passed:>6} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.grades_per_s:>9.1f}")
    print()
    for level, c in cost.items():
        if c:
            print(f"grader CPU per job, {level}: API process {c['api_process_ms']:.2f} ms, keeper {c['keeper_ms']:.2f} ms, "
                  f"job {c['job_ms']:.2f} ms ({c['jobs']} jobs)")
    print()
    for name, check in checks.items():
        print(f"{name:<32} {check['value']!s:>8}  goal {check['goal']:<8} {'met' if check['met'] else 'NOT MET'}")
    print()
    for layer, state in isolation.items():
        print(f"isolation {layer}: {state}")


def run(as_json: bool = False, jobs: int = 300, notebook_jobs: int = 8) -> None:
    # the unconfined baselines run the exercises' code where they stand: give them a scratch
    # folder (some tests write files) and keep what they print out of the table
    import contextlib
    import io
    import os
    import tempfile

    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="codementor-bench-") as scratch, contextlib.redirect_stdout(io.StringIO()):
        os.chdir(scratch)
        try:
            rows, isolation, cost = asyncio.run(measure(jobs, notebook_jobs))
        finally:
            os.chdir(here)
    checks = goals(rows)
    if as_json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "goals": checks, "isolation": isolation, "cpu_per_job": cost}, indent=2))
    else:
        print_table(rows, checks, isolation, cost)
