"""A small HTTP client for the CodeMentor API (standard library only, so kernels stay light)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


class TutorError(Exception):
    """Something the student should read as one line (never a traceback)."""


class APIClient:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

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
            self.url(path),
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )

    @staticmethod
    def _message(err) -> str:
        try:
            body = json.loads(err.read())
            # the API's envelope, or jupyter-server's {"message": ...}
            message = body["error"]["message"] if "error" in body else body["message"]
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


def own_server_url(env) -> str:
    """The student's Jupyter server as seen from its kernels (from what JupyterHub puts in the environment)."""
    url = env.get("JUPYTERHUB_SERVICE_URL", "")
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # the server listens everywhere: reach it on this machine
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{parts.port}" if parts.port else ""
    path = parts.path if parts.path.strip("/") else env.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    return urllib.parse.urlunsplit((parts.scheme or "http", netloc, path, "", ""))


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
