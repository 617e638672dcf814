"""One student's burst of slow submissions waits behind its own, not in front of other students' submissions."""

from __future__ import annotations

import asyncio
import json

import pytest

from codementor.api.errors import GradingLineFull, status_of
from codementor.api.grader import Grader

EXERCISE = "sum-of-evens"
CORRECT = "def sum_of_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)\n"


def slow(n: int) -> str:
    """A submission that holds its slot until the grading timeout (as `import time; time.sleep(30)` did)."""
    return f"# alice {n}\nimport time\ntime.sleep(30)\n"


@pytest.fixture
async def grader(bank):
    g = Grader(timeout=1.5, concurrency=1, per_user_jobs=1, per_user_waiting=3, answer_step=0)
    exercise = bank.get(EXERCISE)
    assert (await g.grade(exercise, exercise.solution)).passed  # the reference run, done once
    yield g
    await g.aclose()


def record_job_starts(grader, monkeypatch) -> list[str]:
    """Whose job took a slot, in the order they took one (the first line of the submitted code)."""
    started: list[str] = []
    run_in_slot = grader._run_in_slot

    async def recording(slot, inputs, counts, timeout=None):
        started.append(json.loads(inputs[0])["code"].splitlines()[0])
        return await run_in_slot(slot, inputs, counts, timeout)

    monkeypatch.setattr(grader, "_run_in_slot", recording)
    return started


async def until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def finish(tasks) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_another_students_submission_runs_before_the_rest_of_a_burst(grader, bank, monkeypatch):
    exercise = bank.get(EXERCISE)
    started = record_job_starts(grader, monkeypatch)
    alice = [asyncio.ensure_future(grader.grade(exercise, slow(n), owner="alice")) for n in range(4)]
    try:
        await until(lambda: len(started) >= 1)  # alice's first submission holds the only slot
        bob = await grader.grade(exercise, "# bob\n" + CORRECT, owner="bob")
        assert bob.passed, bob.to_dict()
        # bob's job took the slot that alice's first one freed, before any of her later ones
        assert started[:2] == ["# alice 0", "# bob"], started
        assert grader._turns.waiting("alice") >= 2  # her others still wait in her own line
    finally:
        await finish(alice)
    assert len(grader._turns) == 0  # nothing kept per student once idle


async def test_more_than_a_few_waiting_of_one_student_is_refused_with_retry_after(grader, bank, monkeypatch):
    exercise = bank.get(EXERCISE)
    started = record_job_starts(grader, monkeypatch)
    alice = [asyncio.ensure_future(grader.grade(exercise, slow(n), owner="alice")) for n in range(4)]
    try:
        await until(lambda: len(started) >= 1)
        with pytest.raises(GradingLineFull) as refused:  # 1 grading + 3 waiting: the fifth is turned away
            await grader.grade(exercise, slow(4), owner="alice")
        assert status_of(refused.value) == 429 and refused.value.code == "rate_limited"
        assert refused.value.retry_after == 2  # the grading timeout, rounded up
        assert grader._turns.waiting("alice") == 3
        assert (await grader.grade(exercise, "# bob\n" + CORRECT, owner="bob")).passed  # others are not refused
    finally:
        await finish(alice)
    assert "# alice 4" not in started


async def test_without_an_owner_or_with_the_limit_off_nothing_waits_per_student(bank):
    exercise = bank.get(EXERCISE)
    g = Grader(timeout=1.5, concurrency=2, per_user_jobs=0, answer_step=0)
    try:
        results = await asyncio.gather(*(g.grade(exercise, CORRECT, owner="alice") for _ in range(6)))
        assert all(r.passed for r in results)
        assert len(g._turns) == 0
    finally:
        await g.aclose()
