"""A small HTTP client for the CodeMentor API (standard library only, so kernels stay light)."""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

REQUEST_ID = "X-Request-ID"  # sent with every request; the API logs it and returns it in errors

# no answer came back: refused, reset, timed out, cut off (HTTPError, an answer, is caught first)
TRANSPORT_ERRORS = (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException)


class TutorError(Exception):
    """Something the student should read as one line (never a traceback)."""


class Unreachable(TutorError):
    """No answer arrived (the request may or may not have reached the API)."""


class APIClient:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0, backoff: float = 0.5):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.backoff = backoff  # seconds before the first retry, doubled for each later one

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, body: dict | None = None, retries: int = 0) -> dict:
        """Send and decode the JSON answer; `retries` more attempts when no answer arrives.

        Only pass `retries` for requests safe to repeat (a GET, a POST with an idempotency key)."""
        req = self._request(method, path, body)
        for attempt in range(retries + 1):
            try:
                return self._send(req)
            except Unreachable:
                if attempt == retries:
                    raise
                time.sleep(self.backoff * 2 ** attempt)

    def _send(self, req: urllib.request.Request) -> dict:
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as err:
            raise TutorError(self._message(err, _request_id(req))) from None
        except TRANSPORT_ERRORS as err:
            reason = getattr(err, "reason", None) or err or type(err).__name__
            raise Unreachable(f"CodeMentor is not reachable right now ({reason}); try again in a minute (request id {_request_id(req)})") from None

    def _request(self, method: str, path: str, body: dict | None) -> urllib.request.Request:
        if not self.base_url or not self.token:
            raise TutorError("this kernel is not connected to CodeMentor (CODEMENTOR_API_URL or the Hub token is missing); start it from your JupyterHub server")
        return urllib.request.Request(
            self.url(path),
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json", REQUEST_ID: uuid.uuid4().hex},
        )

    @staticmethod
    def _message(err, sent_id: str = "") -> str:
        """One line for the student, ending with the request id they can quote."""
        request_id = err.headers.get(REQUEST_ID) or sent_id
        try:
            body = json.loads(err.read())
            # the API's envelope, or jupyter-server's {"message": ...}
            message = body["error"]["message"] if "error" in body else body["message"]
            request_id = (body["error"].get("request_id") if "error" in body else None) or request_id
        except (ValueError, KeyError, TypeError, AttributeError):
            message = err.reason
        if err.code == 429:
            retry = err.headers.get("Retry-After")
            message = f"{message}" if not retry or "again" in str(message) else f"{message} (try again in {retry} s)"
        return f"{message} (request id {request_id})" if request_id else str(message)

    def stream(self, path: str, body: dict):
        """POST and read a server-sent event stream: yields (event, data) as each event arrives."""
        req = self._request("POST", path, body)
        req.add_header("Accept", "text/event-stream")
        try:
            resp = urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as err:
            raise TutorError(self._message(err, _request_id(req))) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            raise Unreachable(f"CodeMentor is not reachable right now ({getattr(err, 'reason', err)}); try again in a minute (request id {_request_id(req)})") from None
        with resp:
            yield from _events(resp)

    def get(self, path: str) -> dict:
        return self.request("GET", path)

    def get_bytes(self, path: str) -> bytes:
        """GET a binary answer (the data export's zip)."""
        req = self._request("GET", path, None)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as err:
            raise TutorError(self._message(err, _request_id(req))) from None
        except TRANSPORT_ERRORS as err:
            raise Unreachable(f"CodeMentor is not reachable right now ({getattr(err, 'reason', err)}); try again in a minute (request id {_request_id(req)})") from None

    def post(self, path: str, body: dict, retries: int = 0) -> dict:
        return self.request("POST", path, body, retries)


class IdempotencyKeys:
    """One key per request still waiting for an answer, so that sending it again is safe.

    The key of a request (identified by its parts, e.g. notebook, exercise and code) is kept
    until `answered` is called: a retry after a timeout, or the student running %submit again
    on the same code, reuses it and the API stores the request once. Once an answer arrived,
    the same parts get a new key (a deliberate new submission)."""

    LIMIT = 64  # unanswered requests remembered (oldest forgotten first)

    def __init__(self):
        self._keys: dict[str, str] = {}

    @staticmethod
    def _digest(parts) -> str:
        return hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()

    def key(self, *parts) -> str:
        digest = self._digest(parts)
        if digest not in self._keys and len(self._keys) >= self.LIMIT:
            self._keys.pop(next(iter(self._keys)))
        return self._keys.setdefault(digest, uuid.uuid4().hex)

    def answered(self, *parts) -> None:
        self._keys.pop(self._digest(parts), None)


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


def _request_id(req: urllib.request.Request) -> str:
    return req.get_header(REQUEST_ID.capitalize(), "")


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
