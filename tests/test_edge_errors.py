"""The API edge's answer when Postgres, Redis or the Hub does not answer: a 503, never a crash."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from codementor.api.db import make_engine
from codementor.api.errors import Unavailable
from codementor.api.handlers.base import _backend_down
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


async def _ping_closed_redis():
    client = Redis(port=free_port(), socket_connect_timeout=2)
    try:
        await client.get("x")
    finally:
        await client.aclose()


@pytest.mark.parametrize("call, setting", [(_query_closed_postgres, "DATABASE_URL"), (_ping_closed_redis, "REDIS_URL")])
def test_a_backend_that_does_not_answer_is_named(call, setting):
    assert _backend_down(error_of(call)) == setting


def test_other_errors_stay_internal():
    assert _backend_down(ValueError("a bug")) == ""


def test_a_failing_hub_makes_the_class_endpoints_unavailable():
    """A Hub answering 5xx for its groups is a 503 for the viewer, not a crash."""
    class BrokenHub(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(502)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), BrokenHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        roster = Roster(f"http://127.0.0.1:{server.server_port}/hub/api", "token", {"instructors": ["students"]}, {"instructors"}, ttl=0)
        for who in (Identity("ines", "instructor", ("instructors",)), Identity("root", "admin", ())):
            with pytest.raises(Unavailable, match="answered 502"):
                asyncio.run(roster.scope_for(who))
    finally:
        server.shutdown()
