"""A student's submissions take turns across the API's processes, not only within one.

The API runs several workers (one per core), each with its own grader. Two submissions of one student that land on
two workers were graded at once: the hidden phase of one could then signal through the load it put on the CPU to the
visible phase of the other, which returned what it measured as a value the student reads. The turn is now held in
Redis (`turns.shared_turn`). Each test uses two graders as two workers do (their own slots and uids) and the real
Redis of the test services.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid

import pytest
from redis import Redis

from codementor.api.errors import GradingLineFull
from codementor.api.grader import Grader
from codementor.api.grader.turns import SHARED_PREFIX, end_turns_of, shared_turn

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


HOLD_AND_SLEEP = """
import asyncio, sys
import redis.asyncio as aioredis
from codementor.api.grader.turns import shared_turn

async def main():
    redis = aioredis.from_url(sys.argv[1])
    async with shared_turn(redis, sys.argv[2], wait=5.0, hold=30.0, retry_after=10):
        print("held", flush=True)
        await asyncio.sleep(120)

asyncio.run(main())
"""


def holding_process(redis_url: str, owner: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_AND_SLEEP, redis_url, owner], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.parametrize("ended", [True, False], ids=["its turns ended when it is reaped", "control: left to expire"])
async def test_the_turn_of_a_worker_killed_while_grading_ends_when_it_is_reaped(infra, services, ended):
    """A worker killed with -9 while it holds a student's turn: the supervisor, reaping it, ends its turns
    (`end_turns_of`), and that student's submission on another worker goes on at once, not 30 s later when the turn
    expires. The turns of a live worker are not ended with it."""
    redis, owner, beside = infra[1], f"turns-{uuid.uuid4().hex}", f"turns-{uuid.uuid4().hex}"
    dead, alive = holding_process(services.redis_url, owner), holding_process(services.redis_url, beside)
    sync = Redis.from_url(services.redis_url)
    try:
        dead.kill()
        dead.wait()
        if ended:
            assert end_turns_of(sync, dead.pid) == 1
            assert end_turns_of(sync, dead.pid) == 0  # once
        start = time.monotonic()
        if ended:
            async with shared_turn(redis, owner, wait=1.0, hold=30.0, retry_after=10) as waited:
                assert waited is False
            assert time.monotonic() - start < 0.5
        else:
            with pytest.raises(GradingLineFull):
                async with shared_turn(redis, owner, wait=1.0, hold=30.0, retry_after=10):
                    pass
        with pytest.raises(GradingLineFull):  # the live worker's turn stands
            async with shared_turn(redis, beside, wait=0.3, hold=30.0, retry_after=10):
                pass
    finally:
        alive.kill()
        alive.wait()
        sync.delete(f"{SHARED_PREFIX}:{owner}", f"{SHARED_PREFIX}:{beside}")
        sync.close()
