"""`APIClient`: the API over urllib (standard library only), with timeouts, the request id
header, the error envelope, server-sent events and bounded retries on transport errors."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from .envelope import REQUEST_ID, APIError, ClientError, Unreachable, api_error, with_request_id

# no answer came back: refused, reset, timed out, cut off (HTTPError, an answer, is caught first)
TRANSPORT_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException)
MAX_RETRIES = 5  # whatever a caller asks for, a call is sent at most six times


class APIClient:
    """Calls one API (`base_url`, e.g. .../api/v1) with one Hub token.

    Only a transport failure (no answer) is retried, and only when the caller passes
    `retries` for a request safe to repeat (a GET, a POST with an idempotency key); an
    answer, even an error, never is."""

    not_configured = "the client has no API address or token"

    def __init__(self, base_url: str, token: str, timeout: float = 30.0, backoff: float = 0.5):
        self.base_url = (base_url or "").rstrip("/")
        self.token = token
        self.timeout = timeout
        self.backoff = backoff  # seconds before the first retry, doubled for each later one

    def url(self, path: str, params: dict | None = None) -> str:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return f"{self.base_url}/{path.lstrip('/')}" + (f"?{urllib.parse.urlencode(query)}" if query else "")

    def request(self, method: str, path: str, body: dict | None = None, retries: int = 0, params: dict | None = None) -> dict:
        """Send and decode the JSON answer ({} for an empty one, e.g. a 204)."""
        req = self._request(method, path, body, params)
        raw = self._with_retries(req, retries)
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):  # every answer of the API is a JSON object
            sent_id = _sent_id(req)
            raise APIError(with_request_id("CodeMentor sent an answer this client cannot read; try again in a minute", sent_id), 200, sent_id)
        return data

    def get(self, path: str, retries: int = 0, **params) -> dict:
        return self.request("GET", path, retries=retries, params=params)

    def post(self, path: str, body: dict, retries: int = 0) -> dict:
        return self.request("POST", path, body, retries)

    def get_bytes(self, path: str, retries: int = 0) -> bytes:
        """GET a binary answer (the data export's zip)."""
        return self._with_retries(self._request("GET", path, None), retries)

    def stream(self, path: str, body: dict):
        """POST and read a server-sent event stream: yields (event, data) as each event arrives."""
        req = self._request("POST", path, body)
        req.add_header("Accept", "text/event-stream")
        with self._open(req) as resp:
            yield from parse_events(resp)

    def _with_retries(self, req: urllib.request.Request, retries: int) -> bytes:
        retries = max(0, min(retries, MAX_RETRIES))
        for attempt in range(retries + 1):
            try:
                with self._open(req) as resp:
                    try:
                        return resp.read()
                    except TRANSPORT_ERRORS as err:  # the answer was cut short
                        raise _unreachable(err, _sent_id(req)) from None
            except Unreachable:
                if attempt == retries:
                    raise
                time.sleep(self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _open(self, req: urllib.request.Request):
        sent_id = _sent_id(req)
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as err:
            with err:
                raise api_error(err.code, _read(err), err.headers, err.reason, sent_id) from None
        except TRANSPORT_ERRORS as err:
            raise _unreachable(err, sent_id) from None

    def _request(self, method: str, path: str, body: dict | None, params: dict | None = None) -> urllib.request.Request:
        if not self.base_url or not self.token:
            raise ClientError(self.not_configured)
        return urllib.request.Request(
            self.url(path, params),
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json", REQUEST_ID: uuid.uuid4().hex},
        )


def _sent_id(req: urllib.request.Request) -> str:
    return req.get_header(REQUEST_ID.capitalize(), "")


def _unreachable(err: BaseException, sent_id: str) -> Unreachable:
    reason = getattr(err, "reason", None) or str(err) or type(err).__name__
    return Unreachable(f"CodeMentor is not reachable right now ({reason}); try again in a minute (request id {sent_id})")


def _read(err: urllib.error.HTTPError) -> bytes:
    try:
        return err.read()
    except (OSError, http.client.HTTPException):
        return b""


def parse_events(lines):
    """Server-sent events from an iterable of byte lines: (event, JSON data) pairs."""
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
    if data:  # a stream that ends without the closing blank line
        yield kind, json.loads("\n".join(data))
