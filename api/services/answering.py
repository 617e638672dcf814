"""One tutor answer at a time per student.

The leak filter judges an answer with what models told the student before, read when the
answer starts. Answers asked for side by side would each be judged without the others, so
pieces of a solution asked for at once would add up unseen: a student's next answer (tutor
or model hint) starts when the previous one has ended and been remembered. Held in Redis
(every API process sees it); when Redis does not answer, answers go on and the log says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from contextlib import asynccontextmanager

from redis.exceptions import RedisError

from .limits import RateLimited

log = logging.getLogger(__name__)
PREFIX = "codementor:tutor:answering"
POLL = 0.05  # seconds between looks at a student's answer in progress
# a compare-and-delete: only the answer that holds the turn ends it (one held past `hold` may have lost it)
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


@asynccontextmanager
async def one_at_a_time(redis, user_id: int, wait: float, hold: float, clock=time.monotonic):
    """The student's turn for an answer: waits up to `wait` seconds for the one in progress, then raises
    RateLimited; a turn not ended (a process that died) ends by itself after `hold` seconds."""
    key, token = f"{PREFIX}:{user_id}", uuid.uuid4().hex
    held = await _take(redis, key, token, wait, hold, clock)
    try:
        yield
    finally:
        if held:
            try:
                await redis.eval(_RELEASE, 1, key, token)
            except RedisError as err:
                log.warning("Redis is not answering (REDIS_URL): a student's tutor turn ends when it expires (%s)", err)


async def forget_turn(redis, user_id: int) -> int:
    """Delete the student's turn in progress, if any (their account is being deleted); 1 or 0."""
    return int(await redis.delete(f"{PREFIX}:{user_id}"))


async def _take(redis, key: str, token: str, wait: float, hold: float, clock) -> bool:
    deadline = clock() + wait
    try:
        while not await redis.set(key, token, nx=True, px=int(hold * 1000)):
            if clock() >= deadline:
                raise RateLimited("the tutor is still answering your previous question; ask again when it is done",
                                  max(1, int(wait)))
            await asyncio.sleep(POLL)
    except RedisError as err:
        log.warning("Redis is not answering (REDIS_URL): tutor answers go on side by side (%s)", err)
        return False
    return True
