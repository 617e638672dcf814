"""The API edge's answer when Postgres, Redis or the Hub does not answer: a 503, never a crash."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import psycopg
import pytest
from jupyterhub.services.auth import HubOAuth
from redis.asyncio import Redis
from sqlalchemy import text
from tornado import web

from codementor.api.app import APIContext
from codementor.api.db import DirectPool, make_engine
from codementor.api.errors import Unavailable, status_of
from codementor.api.handlers import all_routes
from codementor.api.handlers.base import _backend_down, _overloaded
from codementor.api.services.roster import Roster
from codementor.api.services.users import Identity
from codementor.hub_config.stack import free_port


def error_of(coro_factory) -> BaseException:
    async def run():
        try:
            await coro_factory()
        except Exception as err:  # the real driver's error, as a handler would see it
            return err
        raise AssertionError("the call did not fail")

    return asyncio.run(run())


async def _query_closed_postgres():
    engine = make_engine(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def _direct_to_closed_postgres():
    """The submit path's pool: it stops waiting as soon as an attempt to connect fails (well before its timeout)."""
    pool = DirectPool(f"postgresql://nobody@127.0.0.1:{free_port()}/none", size=1, timeout=30)
    await pool.open()
    try:
        async with pool.connection() as conn:
            await conn.execute("SELECT 1")
    finally:
        await pool.close()


async def _ping_closed_redis():
    client = Redis(port=free_port(), socket_connect_timeout=2)
    try:
        await client.get("x")
    finally:
        await client.aclose()


@pytest.mark.parametrize("call, setting", [(_query_closed_postgres, "DATABASE_URL"), (_direct_to_closed_postgres, "DATABASE_URL"),
                                                  (_ping_closed_redis, "REDIS_URL")])
def test_a_backend_that_does_not_answer_is_named(call, setting):
    assert _backend_down(error_of(call)) == setting


def test_the_direct_pool_stops_waiting_when_postgres_refuses_connections():
    """Its timeout is 30 s: a PoolTimeout would mean it waited that long instead of saying Postgres is away."""
    err = error_of(_direct_to_closed_postgres)
    assert _overloaded(err) is None and _backend_down(err) == "DATABASE_URL"


def test_other_errors_stay_internal():
    assert _backend_down(ValueError("a bug")) == "" and _overloaded(ValueError("a bug")) is None


def test_a_worker_out_of_pooled_connections_answers_503_with_retry_after(services):
    """Every pooled connection taken for db_pool_timeout: the class benchmark's 500s; an overload, so 503 and Retry-After."""
    async def second_connection_while_the_only_one_is_held():
        engine = make_engine(services.database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
        try:
            async with engine.connect() as held:
                await held.execute(text("SELECT 1"))
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    async def second_direct_connection_while_the_only_one_is_held():
        pool = DirectPool(services.database_url, size=1, timeout=0.2)
        await pool.open()
        try:
            async with pool.connection() as held:
                await held.execute("SELECT 1")
                async with pool.connection() as conn:
                    await conn.execute("SELECT 1")
        finally:
            await pool.close()

    for overload in (second_connection_while_the_only_one_is_held, second_direct_connection_while_the_only_one_is_held):
        busy = _overloaded(error_of(overload))
        assert busy is not None and status_of(busy) == 503 and busy.retry_after > 0
        assert "database" in busy.message and "postgres" not in busy.message.lower()  # no internals for the caller


@contextmanager
def local_hub(answer):
    """A real HTTP server standing in for the Hub's REST API: `answer(request)` gives (status, body) for each GET.
    Yields its /hub/api URL."""

    class Hub(BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = answer(self)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hub/api"
    finally:
        server.shutdown()


def test_a_class_asking_at_once_fetches_a_group_from_the_hub_once():
    """After the roster cache expires, concurrent requests share one Hub request (each once sent its own)."""
    calls = []

    def group(request):
        calls.append(request.path)
        return 200, b'{"name": "students", "users": ["ada", "bob"]}'

    with local_hub(group) as url:
        roster = Roster(url, "token", {}, {"instructors"}, ttl=30)

        async def many():
            return await asyncio.gather(*(roster.members("students") for _ in range(20)))

        assert asyncio.run(many()) == [frozenset({"ada", "bob"})] * 20
        assert calls == ["/hub/api/groups/students"]


def test_a_failing_hub_makes_the_class_endpoints_unavailable():
    """A Hub answering 5xx for its groups is a 503 for the viewer, not a crash."""
    with local_hub(lambda request: (502, b"")) as url:
        roster = Roster(url, "token", {"instructors": ["students"]}, {"instructors"}, ttl=0)
        for who in (Identity("ines", "instructor", ("instructors",)), Identity("root", "admin", ())):
            with pytest.raises(Unavailable, match="answered 502"):
                asyncio.run(roster.scope_for(who))


def me_with(hub_auth) -> httpx.Response:
    """`GET /me` with a token, on an API whose only backend is `hub_auth`."""
    ctx = APIContext(prefix="/edge/", bank=None, grader=None, sessionmaker=None, redis=None, users=None, limiter=None, gateway=None,
                     hub_auth=hub_auth, roster=None, course_timezone="UTC", daily_count=1, max_body_bytes=1000)

    async def call():
        app = web.Application([(path, handler, {"ctx": ctx}) for path, handler in all_routes(ctx.prefix)])
        server = app.listen(0, "127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        try:
            async with httpx.AsyncClient(timeout=20) as client:
                return await client.get(f"http://127.0.0.1:{port}/edge/api/v1/me", headers={"Authorization": "token some-token"})
        finally:
            server.stop()

    return asyncio.run(call())


def test_a_hub_that_does_not_answer_is_a_503_without_its_address():
    """HubAuth's own 500 (which names the Hub's URL and host) becomes a plain 503 in the envelope."""
    resp = me_with(HubOAuth(api_url=f"http://127.0.0.1:{free_port()}/hub/api", api_token="unused", cache_max_age=0))
    assert resp.status_code == 503, resp.text
    error = resp.json()["error"]
    assert error["code"] == "unavailable" and "127.0.0.1" not in error["message"]


def test_a_hub_that_takes_the_connection_but_never_answers_is_a_503_in_seconds():
    """A stalled Hub (it accepts, then says nothing): JupyterHub's client would wait five minutes per token check."""
    import socket

    from codementor.api.auth import HubTokenAuth

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections complete in the kernel's backlog; nothing ever reads or answers them
    try:
        resp = me_with(HubTokenAuth(api_url=f"http://127.0.0.1:{silent.getsockname()[1]}/hub/api", api_token="unused",
                                    cache_max_age=10, hub_timeout=0.5))
    finally:
        silent.close()
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"]["code"] == "unavailable" and int(resp.headers["Retry-After"]) > 0


def test_workers_share_the_hubs_confirmation_of_a_token_for_the_cache_time_only(services):
    """Two workers (two HubTokenAuth) and one token: the Hub is asked once; once the cache time is over, a revoked token is refused."""
    from redis.asyncio import Redis as AsyncRedis

    from codementor.api.auth import SHARED_PREFIX, HubTokenAuth

    asked, valid = [], {"yes"}

    def check(request):
        token = request.headers.get("Authorization", "").split()[-1]
        asked.append(token)
        return (200 if token in valid else 403), b'{"kind": "user", "name": "ada", "groups": [], "scopes": []}'

    async def run(url):
        # a database of its own: the stack's API workers share their real tokens' confirmations in database 0
        redis = AsyncRedis.from_url(services.redis_url.rsplit("/", 1)[0] + "/15")
        await redis.delete(*await redis.keys(SHARED_PREFIX + "*") or ["none"])
        one, two = (HubTokenAuth(api_url=url, api_token="service", cache_max_age=1, redis=redis) for _ in range(2))
        try:
            first = await one.user_for_token("yes", sync=False)
            second = await two.user_for_token("yes", sync=False)
            ttl = [await redis.ttl(key) for key in await redis.keys(SHARED_PREFIX + "*")]
            valid.clear()  # revoked
            await asyncio.sleep(1.2)
            return first, second, ttl, await two.user_for_token("yes", sync=False), await redis.keys(SHARED_PREFIX + "*")
        finally:
            await redis.aclose()

    with local_hub(check) as url:
        first, second, ttl, revoked, left = asyncio.run(run(url))
    assert first["name"] == second["name"] == "ada"
    assert asked == ["yes", "yes"]  # the second worker relied on the first one's check; the Hub was asked again once it expired
    assert ttl == [1]  # the shared copy keeps the revocation bound (auth_cache_seconds)
    assert revoked is None and left == []


async def test_one_failed_connection_has_the_pools_others_tested_before_their_next_use(services):
    """Postgres restarted moments ago drops every pooled connection, each idle too briefly to be
    tested: the first request that meets one fails (a 503), the next is given a fresh connection."""
    pool = DirectPool(services.database_url, size=2, timeout=10, ping_idle_seconds=600)
    await pool.open()
    try:
        async with pool.connection() as a, pool.connection() as b:  # both connections open and used
            pids = [(await (await c.execute("SELECT pg_backend_pid()")).fetchone())[0] for c in (a, b)]
        with psycopg.connect(services.database_url, autocommit=True) as admin:
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            async with pool.connection() as conn:
                await conn.execute("SELECT 1")
        async with pool.connection() as conn:  # the other dropped one is tested first and replaced
            assert (await (await conn.execute("SELECT 1")).fetchone())[0] == 1
            assert (await (await conn.execute("SELECT pg_backend_pid()")).fetchone())[0] not in pids
    finally:
        await pool.close()
