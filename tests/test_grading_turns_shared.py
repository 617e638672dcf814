"""A student's submissions take turns across the API's processes, not only within one.

The API runs several workers (one per core), each with its own grader. Two submissions of one student that land on
two workers were graded at once: the hidden phase of one could then signal through the load it put on the CPU to the
visible phase of the other, which returned what it measured as a value the student reads. The turn is now held in
Redis (`turns.shared_turn`). Each test uses two graders as two workers do (their own slots and uids) and the real
Redis of the test services.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from codementor.api.errors import GradingLineFull
from codementor.api.grader import Grader
from codementor.api.grader.turns import SHARED_PREFIX, shared_turn

from .test_exploits import CORRECT, cheat_if

HIDDEN_SLEEP = 1.0
# slow in its hidden phase only (the second load of the code in its job)
SLOW_HIDDEN = ("import builtins, time\nif hasattr(builtins, 'loaded_once'):\n    time.sleep(%s)\nbuiltins.loaded_once = True\n"
               % HIDDEN_SLEEP) + CORRECT


async def two_workers(bank, redis):
    graders = [Grader(concurrency=1, answer_step=0, uid_offset=n, turn_store=redis) for n in range(2)]
    for g in graders:
        await g.start()
        ex = bank.get("sum-of-evens")
        assert (await g.grade(ex, ex.solution)).passed  # the reference run and the zygote, ready
    return graders


@pytest.mark.parametrize("shared", [True, False], ids=["turn in Redis", "control: turns per process"])
async def test_a_students_second_submission_on_another_worker_waits_for_the_first(bank, infra, shared):
    redis = infra[1]
    graders = await two_workers(bank, redis if shared else None)
    ex, owner, other = bank.get("sum-of-evens"), f"turns-{uuid.uuid4().hex}", f"turns-{uuid.uuid4().hex}"
    try:
        start = time.time()
        first = asyncio.create_task(graders[0].grade(ex, SLOW_HIDDEN, owner=owner))
        await asyncio.sleep(0.3)  # the first holds its turn, its job is running
        # the second runs its code (and reads the clock) only once the first has answered, about HIDDEN_SLEEP later
        after_first = cheat_if(f"import time\nwon = time.time() >= {start + HIDDEN_SLEEP!r}")
        second = asyncio.create_task(graders[1].grade(ex, after_first, owner=owner))
        # another student's submission on that worker does not wait
        beside = await graders[1].grade(ex, cheat_if(f"import time\nwon = time.time() < {start + HIDDEN_SLEEP!r}"), owner=other)
        assert (await first).passed
        assert beside.passed
        assert (await second).passed is shared
    finally:
        for g in graders:
            await g.aclose()


async def test_the_shared_turn_refuses_past_its_wait_and_ends_with_its_holder(infra):
    redis, owner = infra[1], f"turns-{uuid.uuid4().hex}"
    async with shared_turn(redis, owner, wait=1.0, hold=30.0, retry_after=10) as waited:
        assert waited is False
        with pytest.raises(GradingLineFull) as refused:
            async with shared_turn(redis, owner, wait=0.2, hold=30.0, retry_after=10):
                pass
        assert refused.value.retry_after == 10
    assert await redis.get(f"{SHARED_PREFIX}:{owner}") is None
    async with shared_turn(redis, owner, wait=0.2, hold=30.0, retry_after=10) as waited:
        assert waited is False  # the first one ended: the next goes at once


async def test_a_turn_whose_process_died_ends_by_itself(infra):
    redis, owner = infra[1], f"turns-{uuid.uuid4().hex}"
    await redis.set(f"{SHARED_PREFIX}:{owner}", "a process that died", px=300)
    async with shared_turn(redis, owner, wait=5.0, hold=30.0, retry_after=10) as waited:
        assert waited is True
