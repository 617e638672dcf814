"""Grading turns per student: a burst of one student's submissions waits behind its own, not in front of everyone's.

In one API process the turns are `OwnerTurns`; across processes (the API's workers, a deployment's replicas), a
student's turn is also held in Redis (`shared_turn`): two submissions of one student graded at once on two workers
would let one's hidden tests signal to the other's visible feedback through the load they put on the machine's CPU.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from contextlib import asynccontextmanager, suppress

from ..errors import GradingLineFull

log = logging.getLogger(__name__)
SHARED_PREFIX = "codementor:grading:turn"
HELD_PREFIX = "codementor:grading:held"  # per process: the turns it holds (KEYS[2] below), for ending a dead one's
SHARED_POLL = 0.02  # seconds between looks at a turn another process holds
# take, extend and end: only the grading that holds the turn keeps or ends it; the holder's set names its turns
_TAKE = ("if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then redis.call('SADD', KEYS[2], KEYS[1]) "
         "redis.call('PEXPIRE', KEYS[2], ARGV[2]) return 1 end return 0")
_EXTEND = ("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[2], ARGV[2]) "
           "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0")
_RELEASE = ("local ended = 0 if redis.call('GET', KEYS[1]) == ARGV[1] then ended = redis.call('DEL', KEYS[1]) end "
            "redis.call('SREM', KEYS[2], KEYS[1]) return ended")
# every turn a process held when it died (its value starts with the holder's name), then its set
_END_ALL = ("local ended = 0 for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do "
            "local v = redis.call('GET', key) if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then "
            "ended = ended + redis.call('DEL', key) end end redis.call('DEL', KEYS[1]) return ended")


def holder_name(pid: int | None = None) -> str:
    """The name a process's turns are held under: host and pid (replicas on other machines, pods, have other hosts)."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def end_turns_of(redis, pid: int) -> int:
    """End every turn the API process `pid` of this host held (it died: the supervisor calls this when it reaps a
    worker), so that student's next submission on another worker goes at once rather than when the turn expires.
    `redis` is a synchronous client; returns how many turns ended."""
    holder = holder_name(pid)
    return int(redis.eval(_END_ALL, 1, f"{HELD_PREFIX}:{holder}", holder + ":"))


@asynccontextmanager
async def shared_turn(redis, owner, wait: float, hold: float, retry_after: int):
    """Hold `owner`'s grading turn across every API process; yields whether it had to wait for one another process
    held (that one's answer has just left). Waits up to `wait` seconds, then GradingLineFull. The turn is kept alive
    while held and ends by itself `hold` seconds after a process that held it died. Without Redis (None, or not
    answering) the turns are only each process's own, and the log says so. The turn is held under this process's
    name (`holder_name`): when the process dies, the API's supervisor ends its turns at once (`end_turns_of`);
    `hold` is for a process nobody reaps (a replica's machine gone)."""
    if redis is None:
        yield False
        return
    from redis.exceptions import RedisError  # here: the grader runs without Redis too (a pod's tests, the CLI)

    holder = holder_name()
    key, held, token, waited, keeper = f"{SHARED_PREFIX}:{owner}", f"{HELD_PREFIX}:{holder}", f"{holder}:{uuid.uuid4().hex}", False, None
    deadline = time.monotonic() + wait
    try:
        while not await redis.eval(_TAKE, 2, key, held, token, int(hold * 1000)):
            waited = True
            if time.monotonic() >= deadline:
                raise GradingLineFull("one of your submissions is still being graded; wait for its result, then submit "
                                      "again", retry_after=retry_after)
            await asyncio.sleep(SHARED_POLL)
        keeper = asyncio.create_task(_keep(redis, key, held, token, hold))
    except RedisError as err:
        log.warning("Redis is not answering (REDIS_URL): a student's submissions take turns within each API process "
                    "only (%s)", err)
    try:
        yield waited
    finally:
        if keeper is not None:
            keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper
            try:
                await redis.eval(_RELEASE, 2, key, held, token)
            except RedisError as err:
                log.warning("Redis is not answering (REDIS_URL): a student's grading turn ends when it expires (%s)", err)


async def _keep(redis, key: str, held: str, token: str, hold: float) -> None:
    """Extend the turn every third of `hold` while it is held (a grading may wait long for a slot)."""
    from redis.exceptions import RedisError

    while True:
        await asyncio.sleep(hold / 3)
        try:
            await redis.eval(_EXTEND, 2, key, held, token, int(hold * 1000))
        except RedisError:
            pass


async def forget_grading_turn(redis, user_id: int) -> int:
    """Delete the student's grading turn, if any (their account is being deleted); 1 or 0."""
    return int(await redis.delete(f"{SHARED_PREFIX}:{user_id}"))


class _Line:
    __slots__ = ("admitted", "running", "turn", "answered_at")

    def __init__(self, running: int):
        self.admitted = 0  # gradings of this owner running or waiting for their turn
        self.running = running
        self.turn = asyncio.Semaphore(running)
        # when the answer of the owner's grading that last gave up its turn leaves (time.perf_counter()): the one
        # after it, which waited for that turn, answers no earlier and counts its answer step from there
        self.answered_at = 0.0


class OwnerTurns:
    """At most `running` gradings of one owner at once; more wait in the owner's own line (FIFO), and one more than
    `waiting` of them is refused. An owner's line is dropped as soon as nothing of it is running or waiting."""

    def __init__(self):
        self._lines: dict[object, _Line] = {}

    def __len__(self) -> int:
        return len(self._lines)

    def waiting(self, owner) -> int:
        """How many of `owner`'s gradings wait for their turn (not yet running)."""
        line = self._lines.get(owner)
        return 0 if line is None else max(0, line.admitted - line.running)

    @asynccontextmanager
    async def turn(self, owner, running: int, waiting: int, retry_after: int):
        """Hold one of `owner`'s `running` turns; GradingLineFull when `waiting` of theirs wait already."""
        line = self._lines.get(owner)
        if line is None:
            line = self._lines[owner] = _Line(running)
        elif line.admitted >= line.running + waiting:
            raise GradingLineFull(
                f"{line.admitted - line.running} of your submissions are waiting to be graded already; wait for their "
                "results, then submit again", retry_after=retry_after)
        line.admitted += 1
        try:
            async with line.turn:
                yield line
        finally:
            line.admitted -= 1
            if not line.admitted:
                del self._lines[owner]
