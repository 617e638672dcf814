"""A small HTTP client for the CodeMentor API (standard library only, so kernels stay light)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


class TutorError(Exception):
    """Something the student should read as one line (never a traceback)."""


class APIClient:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        req = self._request(method, path, body)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as err:
            raise TutorError(self._message(err)) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            raise TutorError(f"CodeMentor is not reachable right now ({reason}); try again in a minute") from None

    def _request(self, method: str, path: str, body: dict | None) -> urllib.request.Request:
        if not self.base_url or not self.token:
            raise TutorError("this kernel is not connected to CodeMentor (CODEMENTOR_API_URL or the Hub token is missing); start it from your JupyterHub server")
        return urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )

    @staticmethod
    def _message(err) -> str:
        try:
            message = json.loads(err.read())["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = err.reason
        if err.code == 429:
            retry = err.headers.get("Retry-After")
            return f"{message}" if not retry or "again" in str(message) else f"{message} (try again in {retry} s)"
        return str(message)

    def stream(self, path: str, body: dict):
        """POST and read a server-sent event stream: yields (event, data) as each event arrives."""
        req = self._request("POST", path, body)
        req.add_header("Accept", "text/event-stream")
        try:
            resp = urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as err:
            raise TutorError(self._message(err)) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            raise TutorError(f"CodeMentor is not reachable right now ({getattr(err, 'reason', err)}); try again in a minute") from None
        with resp:
            yield from _events(resp)

    def get(self, path: str) -> dict:
        return self.request("GET", path)

    def post(self, path: str, body: dict) -> dict:
        return self.request("POST", path, body)


def _events(lines):
    """Parse `event:` / `data:` lines into (event, data) pairs."""
    kind, data = "message", []
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield kind, json.loads("\n".join(data))
            kind, data = "message", []
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
