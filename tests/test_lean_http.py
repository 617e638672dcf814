"""The load generators' small HTTP client against a real Tornado server: bodies by length and in
chunks, Connection: close, a kept-alive connection the server dropped, and a server that is gone."""

from __future__ import annotations

import asyncio
import json

import pytest
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from codementor.bench.lean_http import LeanClient, TransportError


class Echo(web.RequestHandler):
    def post(self, how):
        body = json.loads(self.request.body or b"null")
        answer = {"got": body, "auth": self.request.headers.get("Authorization", ""), "path": self.request.path}
        if how == "chunked":
            self.write(json.dumps(answer)[:5])
            self.flush()
            self.write(json.dumps(answer)[5:])
        elif how == "close":
            self.set_header("Connection", "close")
            self.write(answer)
        elif how == "error":
            self.set_status(503)
            self.write({"error": {"code": "busy"}})
        else:
            self.write(answer)

    get = post


@pytest.fixture
def server():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sock = bind_sockets(0, "127.0.0.1")[0]
    http = HTTPServer(web.Application([(r"/api/(\w+)", Echo)]), idle_connection_timeout=0.3)
    http.add_sockets([sock])
    yield loop, f"http://127.0.0.1:{sock.getsockname()[1]}/api", http
    http.stop()
    loop.run_until_complete(http.close_all_connections())
    loop.close()
    asyncio.set_event_loop(None)


def test_bodies_by_length_in_chunks_and_connection_close(server):
    loop, base, _ = server

    async def main():
        async with LeanClient(base, {"Authorization": "token t1"}) as client:
            plain = await client.request("POST", "/plain", {"n": 1})
            first = client._writer
            chunked = await client.request("POST", "/chunked", {"n": 2}, headers={"X-Extra": "1"})
            assert client._writer is first  # one kept-alive connection for both
            closing = await client.request("POST", "/close", {"n": 3})
            assert client._writer is None  # closed, as the server said
            again = await client.request("GET", "/plain")  # a new connection
            error = await client.request("GET", "/error")
        return plain, chunked, closing, again, error

    plain, chunked, closing, again, error = loop.run_until_complete(main())
    assert plain.status_code == 200 and plain.json() == {"got": {"n": 1}, "auth": "token t1", "path": "/api/plain"}
    assert chunked.headers.get("transfer-encoding") == "chunked" and chunked.json()["got"] == {"n": 2}
    assert closing.json()["got"] == {"n": 3} and again.json()["got"] is None
    assert error.status_code == 503 and error.json() == {"error": {"code": "busy"}}


def test_a_dropped_idle_connection_is_opened_again_and_a_gone_server_is_a_transport_error(server):
    loop, base, http = server

    async def main():
        client = LeanClient(base, timeout=5)
        first = await client.request("GET", "/plain")
        kept = client._writer
        await asyncio.sleep(1.0)  # past the server's idle timeout: it closed the connection
        second = await client.request("GET", "/plain")
        assert client._writer is not None and client._writer is not kept  # answered on a new connection
        http.stop()
        await http.close_all_connections()
        with pytest.raises(TransportError):
            await client.request("GET", "/plain")
        await client.aclose()
        return first, second

    first, second = loop.run_until_complete(main())
    assert first.status_code == second.status_code == 200


def test_only_plain_http():
    with pytest.raises(ValueError, match="plain http"):
        LeanClient("https://127.0.0.1:1/api")
