"""A small HTTP/1.1 client for the load generators (`bench class`, `bench submissions`).

The generators run on the same cores as the stack they measure, so whatever CPU they spend
is taken from the API, the grader and Postgres. httpx spent about 2.5 ms of CPU per request
there (bench class, 1,000 students); this client, one keep-alive connection over asyncio
streams, a JSON body out and a JSON body back, spends a fraction of that. It speaks only
what the API answers: a status line, headers, then a body of Content-Length bytes or in
chunks; `Connection: close` closes the connection after the answer, and a kept-alive
connection the server closed meanwhile (no byte of an answer came back) is opened again once.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit


class TransportError(Exception):
    """The server could not be reached, or closed the connection before it answered."""


class Response:
    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes):
        self.status_code = status_code
        self.headers = headers
        self.content = content

    def json(self):
        return json.loads(self.content)


class LeanClient:
    """One keep-alive connection to `base_url` (http only), with `headers` on every request."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None, timeout: float = 60.0):
        url = urlsplit(base_url)
        if url.scheme != "http":
            raise ValueError(f"LeanClient speaks plain http only, not {url.scheme}")
        self.host, self.port = url.hostname, url.port or 80
        self.prefix = url.path.rstrip("/")
        fixed = {"Host": f"{self.host}:{self.port}", "Accept": "application/json", **(headers or {})}
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None

    async def request(self, method: str, path: str, json_body=None, headers: dict[str, str] | None = None) -> Response:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        head = f"{method} {self.prefix}{path} HTTP/1.1\r\n{self._fixed}" + "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if json_body is not None or method in ("POST", "PUT", "PATCH"):
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        message = head.encode() + b"\r\n" + body
        reused = self._writer is not None
        try:
            return await asyncio.wait_for(self._exchange(message), self.timeout)
        except (ConnectionError, asyncio.IncompleteReadError) as err:
            await self.aclose()
            if reused and not getattr(err, "partial", b""):
                try:  # most likely the server had closed the idle connection: once more on a new one
                    return await asyncio.wait_for(self._exchange(message), self.timeout)
                except (ConnectionError, asyncio.IncompleteReadError, OSError) as again:
                    await self.aclose()
                    raise TransportError(repr(again)) from None
            raise TransportError(repr(err)) from None
        except (OSError, asyncio.TimeoutError) as err:
            await self.aclose()
            raise TransportError(repr(err)) from None

    async def _exchange(self, message: bytes) -> Response:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._writer.write(message)
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            content = await self._chunks()
        else:
            content = await self._reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.aclose()
        return Response(status, headers, content)

    async def _chunks(self) -> bytes:
        parts = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")  # no trailers from the API: the empty line
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)
