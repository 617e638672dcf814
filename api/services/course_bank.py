"""Publishing the course banks and hearing about it in every API worker.

Why Redis pub/sub plus a version row in Postgres (rather than SIGHUP or an admin endpoint):
the workers are several processes (api/supervisor.py), possibly on several machines
(Kubernetes replicas), and only Postgres and Redis are shared by all of them. A reload
writes the validated snapshot into `bank_versions` and publishes its number on the channel
`codementor:bank`; each worker listens and then reads the newest row. A message is only a
nudge: a worker that was not subscribed at that moment (starting, or Redis briefly gone)
reads the newest row when it (re)subscribes and every `recheck_seconds` anyway, and a new
worker starts from the newest row. Each worker records the version it serves in the Redis
hash `codementor:bank:served` (field: host:pid), which `codementor exercises reload` reads to
say how many workers took the new version. A rolling restart would also work, but it would
drop every worker's caches and take seconds per worker; this takes one query.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

from sqlalchemy import delete, select, text

from ...exercise_bank.courses import ServedBank
from ..models import BankVersion

CHANNEL = "codementor:bank"
SERVED_KEY = "codementor:bank:served"
KEEP_VERSIONS = 20
LOCK_ID = 0x636D_6261_6E6B  # pg advisory lock: one publisher at a time

log = logging.getLogger("codementor.api.bank")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def latest(session) -> BankVersion | None:
    """The newest published version, or None before the first reload."""
    return (await session.execute(select(BankVersion).order_by(BankVersion.id.desc()).limit(1))).scalar_one_or_none()


async def latest_id(session) -> int:
    return (await session.execute(select(BankVersion.id).order_by(BankVersion.id.desc()).limit(1))).scalar_one_or_none() or 0


async def lock_publishing(session) -> None:
    """Hold the publishers' lock until the transaction ends (a reload and an import never interleave)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})


async def store(session, snapshot: dict, published_by: int | None, note: str) -> int:
    """Write a new version (inside the caller's transaction, under `lock_publishing`); old ones beyond KEEP_VERSIONS go."""
    row = BankVersion(snapshot=snapshot, published_by=published_by, note=note[:500])
    session.add(row)
    await session.flush()
    await session.execute(delete(BankVersion).where(BankVersion.id <= row.id - KEEP_VERSIONS))
    return row.id


async def announce(redis, version: int) -> None:
    """Tell every worker (best effort: they also look by themselves)."""
    await redis.publish(CHANNEL, str(version))


async def served_versions(redis) -> dict[str, int]:
    """Which version each worker said it serves (host:pid -> version)."""
    raw = await redis.hgetall(SERVED_KEY)
    return {k.decode(): int(v) for k, v in raw.items()}


def snapshot_fits(snapshot: dict, course_dirs: list[str]) -> bool:
    """A published snapshot is for these settings only if it covers exactly the configured folders."""
    return [c.get("path") for c in snapshot.get("courses", [])] == [str(p) for p in course_dirs]


class BankFollower:
    """Keeps one worker's ServedBank at the newest published version."""

    def __init__(self, bank: ServedBank, sessionmaker, redis, course_dirs: list[str], on_change=None, recheck_seconds: float = 30.0):
        self.bank, self.sessionmaker, self.redis = bank, sessionmaker, redis
        self.course_dirs, self.on_change, self.recheck_seconds = list(course_dirs), on_change, recheck_seconds

    async def catch_up(self) -> None:
        """Serve the newest version if it is newer than what this worker serves."""
        async with self.sessionmaker() as session:
            newest = await latest_id(session)
            if newest <= self.bank.version:
                return await self._mark_served()
            row = await latest(session)
        if not snapshot_fits(row.snapshot, self.course_dirs):
            log.warning("bank version %d was published for other course folders than c.CourseBank.course_dirs; "
                        "run `codementor exercises reload` with this configuration", row.id)
            self.bank.version = row.id  # do not read it again
            return await self._mark_served()
        started = time.perf_counter()
        self.bank.replace(row.snapshot, row.id)
        if self.on_change:
            self.on_change(self.bank)
        log.info("serving bank version %d (%d exercises, %d course exercises) after %.0f ms", row.id, len(self.bank),
                 len(self.bank.origins), (time.perf_counter() - started) * 1000)
        await self._mark_served()

    async def _mark_served(self) -> None:
        await self.redis.hset(SERVED_KEY, worker_name(), self.bank.version)

    async def forget(self) -> None:
        try:
            await self.redis.hdel(SERVED_KEY, worker_name())
        except Exception:  # shutting down: Redis may be gone already
            pass

    async def run(self) -> None:
        """Listen for new versions until cancelled; any outage means: wait a moment, subscribe again, catch up."""
        failing = 0
        while True:
            try:
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                try:
                    await self.catch_up()
                    failing, checked = 0, time.monotonic()
                    while True:
                        # short waits: the shared client's socket timeout (2 s) must not fire while idle
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                        if message is not None or time.monotonic() - checked >= self.recheck_seconds:
                            await self.catch_up()
                            checked = time.monotonic()
                finally:
                    await pubsub.aclose()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # Redis or Postgres away: the worker keeps serving what it has
                if not failing:  # once per outage, not once per attempt
                    log.warning("bank follower: %s; serving version %d until Redis and Postgres answer", type(err).__name__, self.bank.version)
                failing += 1
                await asyncio.sleep(min(5.0, 0.5 * failing))
