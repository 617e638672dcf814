"""The leak filter's sandbox runs are no oracle on hidden tests.

The filter runs code read out of an answer against every test of an exercise and holds the answer back when it
passes too many hidden ones. Whether an answer was held back (and when it came) is then a channel out of those
tests: a student who tunes a probe (`... if n > K else ...`) and watches `leak_blocked` reads the hidden inputs
by binary search. Bounded here: runs counted per student, exercise and course day, past that the answer is held
back unverified; only exercises the student may see are judged (and named in their export); runs take the
student's grading turn, stop sooner, and are not repeated. Real Postgres, Redis, the local vendor and the
grader's sandbox, through the gateway and the tutor service the API runs.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import shutil
import time
import zipfile
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from codementor.api.gateway.guardrails import TutorContext
from codementor.api.grader import Grader
from codementor.api.models import TutorDisclosure
from codementor.api.services import conversations, data_rights, tutoring
from codementor.api.services.clock import utcnow
from codementor.exercise_bank.courses import ServedBank, read_course, snapshot_of

from .fake_llm import set_mode
from .test_gateway import screens_of

pytestmark = pytest.mark.gateway


@pytest.fixture
async def grader():
    grader = Grader(concurrency=3)  # three slow runs at once would take every slot
    yield grader
    await grader.aclose()


@pytest.fixture
def make_gateway(make_gateway, grader):
    return functools.partial(make_gateway, grader=grader, read_timeout=1.0, retry_backoff=0.01, cache_enabled=False)


def probe(k: int, entry: str = "digit_sum") -> str:
    """Right for inputs above `k`, wrong (0) at or below: blocked exactly when hidden inputs above `k` pass."""
    return f"```python\ndef {entry}(n):\n    s = str(abs(n)) if n > {k} else '0'\n    return sum(map(int, s))\n```"


async def blocked(gw, asker, exercise, answer: str) -> bool:
    set_mode(gw.base_url, mode="script", answers=[answer])
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0], code=exercise.starter,
                       question="is this right?")
    _, final = await screens_of(gw.answer(asker, exercise, ctx))
    return final.meta["leak_blocked"]


async def flip(gw, asker, exercise, entry: str = "digit_sum", lo: int = -1000, hi: int = 1000) -> tuple[int, int]:
    """Binary search for the K at which `leak_blocked` flips (the largest hidden input the starter fails); asks."""
    asks = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        asks += 1
        if await blocked(gw, asker, exercise, probe(mid, entry)):
            lo = mid
        else:
            hi = mid
    return hi, asks


async def test_a_binary_search_on_leak_blocked_reads_no_hidden_input_past_the_days_runs(infra, make_gateway, bank, new_asker):
    """digit-sum's starter fails the hidden inputs -1 and -472: the probe's verdict flips at -1. With 6 runs a day
    the search needs 11 asks: past the 6th every probe is held back, and the flip it finds is no hidden input. The
    next student, and the same student on another exercise, are judged as before."""
    ex = bank.get("digit-sum")
    gw = make_gateway(leak_daily_runs=6)
    mallory = await new_asker(prefix="oracle")
    assert not await blocked(gw, mallory, ex, probe(500))  # a probe, judged by its run: passes no open hidden test
    found, asks = await flip(gw, mallory, ex)
    assert asks == 11 and found != -1, found
    assert await blocked(gw, mallory, ex, probe(600))  # past the day's runs: new code is held back, whatever it does
    assert not await blocked(gw, mallory, ex, probe(500))  # code judged for her before: its result tells nothing new
    honest = "Check your base case: what should `digit_sum(0)` return?"
    assert not await blocked(gw, mallory, ex, honest)  # no code to run: tutoring goes on
    other = await new_asker(prefix="oracle-next")
    assert not await blocked(gw, other, ex, probe(500)) and await blocked(gw, other, ex, probe(-2))  # the filter still works
    evens = bank.get("sum-of-evens")
    assert await blocked(gw, mallory, evens, f"```python\n{evens.solution}```")  # another exercise: its own runs
    assert not await blocked(gw, mallory, evens, "```python\ndef sum_of_evens(numbers):\n    return 0\n```")


async def test_redis_down_holds_back_an_answer_that_needs_a_run(infra, bank, new_asker, grader, llm):
    """The day's runs are counted in Redis; when it does not answer, code that would run cannot be vouched for."""
    import redis.asyncio as aioredis

    from codementor.hub_config.stack import free_port

    from codementor.api.gateway.gateway import TutorGateway

    ex = bank.get("digit-sum")
    gone = aioredis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.2)
    gw = TutorGateway(redis=gone, sessionmaker=infra[0], bank=bank, grader=grader, leak_daily_runs=30, base_url=llm.base_url,
                      api_key="test", model="local-test", cache_enabled=False, read_timeout=1.0)
    asker = await new_asker(prefix="oracle-down")
    try:
        assert await blocked(gw, asker, ex, probe(500))
        assert not (await gw.judge(ex, probe(500), "", ex.starter)).leaking  # no student's runs (an authored hint's check)
    finally:
        await gw.aclose()
        await gone.aclose()


def other_course(bank, root, ex_id: str, entry: str, groups: str):
    """A course folder for `groups` with a copy of digit-sum under another id and entry point."""
    course = root / ex_id
    target = course / ex_id
    shutil.copytree(bank.root / "digit-sum", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in target.iterdir():
        path.write_text(path.read_text().replace("digit-sum", ex_id).replace("digit_sum", entry))
    (course / "course.toml").write_text(f'groups = ["{groups}"]\n')
    return read_course(course)


async def test_another_courses_exercise_is_never_judged_nor_named(infra, make_gateway, bank, new_asker, tmp_path):
    """Course B's b-digits (a digit-sum with entry point digit_total) is 404 for course A's students: the probe
    asked under one of their exercises is not judged against it (its verdict does not flip at b-digits' hidden
    inputs), their memory and export never name it; for course B's students it is judged as always."""
    served = ServedBank(bank, snapshot=snapshot_of([other_course(bank, tmp_path, "b-digits", "digit_total", "grp-b")]), version=3)
    gw = make_gateway(leak_daily_runs=100)
    gw.use_bank(served)
    asked = bank.get("celsius-to-fahrenheit")
    amy = await new_asker(prefix="scope-a")
    amy.sees = served.for_groups(("grp-a",))
    assert "b-digits" not in amy.sees and "b-digits" in gw.solutions
    assert not await blocked(gw, amy, asked, probe(-1000, "digit_total"))
    assert not await blocked(gw, amy, asked, probe(-2, "digit_total"))
    bob = await new_asker(prefix="scope-b")
    bob.sees = served.for_groups(("grp-b",))
    assert await blocked(gw, bob, asked, probe(-2, "digit_total")) and not await blocked(gw, bob, asked, probe(-1, "digit_total"))

    # what a model showed Amy that holds b-digits' solution is remembered for her course's exercises only
    solution = served.get("b-digits").solution
    assert "b-digits" in gw.touched(asked, solution)
    sessionmaker = infra[0]
    await tutoring._remember(sessionmaker, gw, amy, asked, f"Compare with:\n```python\n{solution}```")
    async with sessionmaker() as session:
        touches = (await session.execute(select(TutorDisclosure.touches).where(TutorDisclosure.user_id == amy.user_id))).scalars().all()
    assert touches and all("b-digits" not in t for t in touches), touches

    # and a row written before (touches naming another course's exercise) is exported without that id
    async with sessionmaker() as session, session.begin():
        from codementor.api.db import driver_connection
        await conversations.disclose(await driver_connection(session), amy.user_id, asked.id, "old", ["b-digits", "sum-of-evens"])

    async def user_id(who):
        return amy.user_id
    ctx = SimpleNamespace(sessionmaker=sessionmaker, clock=utcnow, users=SimpleNamespace(user_id=user_id), bank_for=lambda who: amy.sees)
    archive = zipfile.ZipFile(io.BytesIO(await data_rights.my_export(ctx, SimpleNamespace(name=amy.name))))
    rows = json.loads(archive.read("tutor_disclosures.json"))
    assert [r["touches"] for r in rows if r["text"] == "old"] == [["sum-of-evens"]]
    assert not any("b-digits" in r["touches"] for r in rows), rows


SLOW = "\n\n".join(f"```python\ndef digit_sum(n):\n    while n != {k}:\n        pass\n    return {k}\n```" for k in (1001, 1002, 1003))


async def test_slow_answer_code_runs_in_the_askers_turn_briefly_and_once(infra, make_gateway, bank, new_asker, grader):
    """An answer whose code never ends (three ways): its runs take the student's grading turn one at a time and stop
    after leak_run_timeout, so another student's submission finds a free slot at once; asked again, the remembered
    result is used (no run)."""
    ex = bank.get("digit-sum")
    # 1.5 s: a run stopped at its timeout answers at the grader's next answer step (c.Grader.answer_step, doubling from
    # 16 ms: 2.048 s), with half a second to spare; at 2.0 s, a kill and reap over 48 ms put it at the step after (4.096 s)
    gw = make_gateway(leak_daily_runs=100, leak_run_timeout=1.5)
    await grader.grade(ex, ex.starter, feedback=False)  # the sandbox started
    mallory, other = await new_asker(prefix="slow"), await new_asker(prefix="slow-other")
    started = time.perf_counter()
    judging = asyncio.ensure_future(blocked(gw, mallory, ex, SLOW))
    await asyncio.sleep(1.0)  # the answer's runs are in the grader
    submitted = time.perf_counter()
    result = await grader.grade(ex, ex.solution, owner=other.user_id)
    waited = time.perf_counter() - submitted
    held_back = await judging
    took = time.perf_counter() - started
    assert result.status == "graded" and waited < 1.5, waited  # not behind the slow runs
    assert not held_back  # the code passes nothing: shown
    assert 1.5 <= took < 3 * 2.048 + 4.5, took  # three runs of 1.5 s each, answered at 2.048 s, one after the other
    again = time.perf_counter()
    assert not await blocked(gw, mallory, ex, SLOW)
    assert time.perf_counter() - again < 1.0  # remembered: not run again
