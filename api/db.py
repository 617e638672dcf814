"""Database connection, schema-version check and Alembic entry points."""

from __future__ import annotations

import os
import time
from contextlib import asynccontextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from .errors import SchemaMismatch

# The migration scripts, as an Alembic package resource: the migrations import the models,
# never the other way round (an import contract checks it), so they are found by name here.
MIGRATIONS = "codementor.migrations:."


def database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL for psycopg 3, from the argument or $DATABASE_URL."""
    url = url or os.environ.get("DATABASE_URL", "")
    if not url:
        raise SchemaMismatch("no database configured: set DATABASE_URL (or c.TutorAPI.database_url)")
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply migrations up to `revision` (what `codementor db upgrade` runs)."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()


def current_revision(url: str | None = None) -> str | None:
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def check_schema(url: str | None = None) -> None:
    """Refuse to run against a schema that is not at the latest migration."""
    head, current = head_revision(), current_revision(url)
    if current != head:
        raise SchemaMismatch(
            f"the database schema is at revision {current or 'none (empty database)'} but this API needs {head}; "
            "run `codementor db upgrade` (with the same DATABASE_URL) and start the API again"
        )


def make_engine(url: str | None = None, pool_size: int = 5, max_overflow: int = 5, pre_ping: bool = True, ping_idle_seconds: float = 0.0,
                pool_timeout: float = 30.0) -> AsyncEngine:
    """An API worker's pool: at most pool_size + max_overflow connections (c.TutorAPI.db_pool_size / db_max_overflow).

    A request waits at most `pool_timeout` seconds for a connection (then SQLAlchemy's TimeoutError, a 503).

    With `pre_ping`, a connection is tested with a round trip before use; with
    `ping_idle_seconds` > 0 only one that has been idle in the pool longer than that is.
    """
    every_time = pre_ping and ping_idle_seconds <= 0
    engine = create_async_engine(database_url(url), pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=every_time,
                                 pool_timeout=pool_timeout)
    if pre_ping and not every_time:
        _ping_when_idle(engine.sync_engine, ping_idle_seconds)
    return engine


def _ping_when_idle(engine, seconds: float) -> None:
    """Test a pooled connection before use when it sat idle more than `seconds` (Postgres may have dropped it)."""

    def returned(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection, record, proxy):
        if time.monotonic() - record.info.get("idle_since", float("-inf")) <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as err:
            raise DisconnectionError("a pooled connection did not answer; replaced") from err  # the pool retries with another

    event.listen(engine, "checkin", returned)
    event.listen(engine, "connect", returned)
    event.listen(engine, "checkout", checked_out)


class DirectPool:
    """A worker's pool of plain psycopg connections (c.TutorAPI.db_direct_pool_size) for its busiest requests.

    Storing a submission, the next hint and the progress view run their few statements on
    these: a SQLAlchemy session around them cost more CPU than the statements (0.3 ms of the
    API's ~5 ms per submission). `size` connections are kept open. A request waits at most
    `timeout` seconds for one (then PoolTimeout, a 503 busy), but not while Postgres refuses
    connections: as soon as an attempt to open one fails, it gets psycopg's OperationalError (a
    503 unavailable naming DATABASE_URL). A connection idle longer than `ping_idle_seconds` is
    tested with a round trip before use (0: every one), so that one Postgres dropped is replaced
    unseen; so is every connection returned before the last one that failed (Postgres restarted
    within `ping_idle_seconds` drops them all, and one failure shows it).
    """

    STEP = 0.5  # seconds between two looks at whether Postgres refuses connections

    def __init__(self, url: str | None = None, size: int = 6, timeout: float = 30.0, ping_idle_seconds: float = 1.0):
        conninfo = make_url(database_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)

        async def idle_since_now(conn) -> None:
            conn.codementor_idle_since = time.monotonic()

        async def ping_if_idle(conn) -> None:
            idle_since = getattr(conn, "codementor_idle_since", float("-inf"))
            if time.monotonic() - idle_since > ping_idle_seconds or idle_since <= self._failed_at:
                await AsyncConnectionPool.check_connection(conn)  # raising discards it; the pool hands out another

        self._failed_at = float("-inf")  # when a connection last failed (monotonic)

        self.timeout = timeout
        self.pool = AsyncConnectionPool(conninfo, min_size=size, max_size=size, timeout=timeout, open=False, name="codementor-direct",
                                        configure=idle_since_now, reset=idle_since_now, check=ping_if_idle)

    async def open(self) -> None:
        await self.pool.open(wait=False)  # connects in the background; a request waits for a connection as for any

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def connection(self):
        """A connection (async context manager): committed on a clean exit, rolled back on an error."""
        try:
            conn = await self._get()
        except psycopg.OperationalError:
            self._failed_at = time.monotonic()
            raise
        try:
            async with conn:
                yield conn
        except psycopg.OperationalError:
            self._failed_at = time.monotonic()  # the others may be gone too: each is tested before its next use
            raise
        finally:
            await self.pool.putconn(conn)

    def _failed_connects(self) -> int:
        return self.pool.get_stats().get("connections_errors", 0)

    async def _get(self):
        deadline = time.monotonic() + self.timeout
        while True:
            failed = self._failed_connects()
            try:
                return await self.pool.getconn(timeout=max(0.01, min(self.STEP, deadline - time.monotonic())))
            except PoolTimeout:
                if self._failed_connects() > failed:
                    raise psycopg.OperationalError("Postgres does not accept new connections") from None
                if time.monotonic() >= deadline:
                    raise


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def driver_connection(session):
    """The psycopg connection under `session`, inside the session's transaction.

    The submit path runs its few statements on it directly (pipelined where they do not wait
    on each other): SQLAlchemy's per-statement work cost more CPU than the statements. The
    session is not flushed first: flush it when it holds pending ORM changes.
    """
    conn = await session.connection()
    return (await conn.get_raw_connection()).driver_connection
