"""The calls the student server makes to the API (today's set, one exercise, failure counts), and what a failed one means.

Only a failure of transport (no answer, or the Hub's proxy saying the API is not there) is
worth retrying; an answer the extension cannot use is a bug to log, not an outage.

The error envelope, the request id header and the notebook metadata schema come from the shared
client (codementor.client). The transport stays tornado's AsyncHTTPClient: the call runs on the
server's own event loop and is dropped with it at shutdown, where the stdlib client in
asyncio.to_thread would hold a worker thread (and the server's exit) until its timeout.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from codementor.client.envelope import GATEWAY_DOWN, REQUEST_ID, error_message, with_request_id
from codementor.client.notebook import digest


class DeliveryError(Exception):
    """A delivery pass that failed; `kind` is how the API's metrics count it."""

    kind = "api_error"
    retry = False

    def __init__(self, message: str, request_id: str = ""):
        super().__init__(message)
        self.request_id = request_id  # shown in the log, left out of what tells one bug from another

    def __str__(self) -> str:
        return with_request_id(self.args[0], self.request_id)


class Unreachable(DeliveryError):
    """No answer from the API: refused, timed out, or the proxy has no API behind it."""

    kind = "unreachable"
    retry = True


class APIRefused(DeliveryError):
    """The API answered with an error status (a token problem, an unknown exercise, or a bug on its side)."""

    kind = "api_error"

    def __init__(self, message: str, status: int = 0, request_id: str = ""):
        super().__init__(message, request_id)
        self.status = status


class BadAnswer(DeliveryError):
    """The API answered 200 with something that is not today's set: a bug, never retried."""

    kind = "bad_answer"


class WriteFailed(DeliveryError):
    """The notebooks could not be written into the student's folder (full, read-only...)."""

    kind = "write_failed"


@dataclass(frozen=True)
class Today:
    day: str
    exercises: list[tuple[str, dict]]  # (exercise id, notebook) in the API's order

    @property
    def exercise_ids(self) -> list[str]:
        return [exercise_id for exercise_id, _ in self.exercises]


def parse_today(payload) -> Today:
    """Today's set from the API's answer; BadAnswer names what is missing."""
    if not isinstance(payload, dict) or not isinstance(payload.get("day"), str) or not isinstance(payload.get("exercises"), list):
        raise BadAnswer("the answer is not today's set ({'day': ..., 'exercises': [...]}): is c.ExerciseDelivery.api_url the API's /api/v1?")
    return Today(payload["day"], [_exercise(entry) for entry in payload["exercises"]])


def _exercise(entry) -> tuple[str, dict]:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not isinstance(entry.get("notebook"), dict):
        raise BadAnswer("an exercise without an id or a notebook")
    if digest(entry["notebook"]) is None:
        raise BadAnswer(f"exercise {entry['id']!r}: its notebook has no metadata.codementor.digest")
    return entry["id"], entry["notebook"]


def _classify(err: Exception, sent_id: str) -> DeliveryError:
    if isinstance(err, HTTPClientError) and err.code != 599:
        response = err.response
        message, request_id = error_message(err.code, response.body if response else None, response.headers if response else None,
                                            err.message or "", sent_id)
        status = f"the API answered {err.code}"
        message = message if message.startswith(status) else f"{status}: {message}"
        return Unreachable(message, request_id) if err.code in GATEWAY_DOWN else APIRefused(message, err.code, request_id)
    return Unreachable(str(err) or type(err).__name__, sent_id)


class TodayAPI:
    """Asks the API for today's set and reports failed deliveries, with this server's token."""

    def __init__(self, api_url: str, token: str, timeout: float):
        self.api_url, self.token, self.timeout = api_url.rstrip("/"), token, timeout

    async def _call(self, path: str, method: str = "GET", body: dict | None = None) -> bytes:
        sent_id = uuid.uuid4().hex
        request = HTTPRequest(
            f"{self.api_url}/{path}", method=method, body=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json", REQUEST_ID: sent_id},
            request_timeout=self.timeout,
        )
        try:
            return (await AsyncHTTPClient().fetch(request)).body
        except (HTTPClientError, OSError) as err:
            raise _classify(err, sent_id) from None

    async def today(self) -> Today:
        body = await self._call("exercises/today?include=notebook")
        try:
            return parse_today(json.loads(body))
        except ValueError:
            raise BadAnswer("the answer is not JSON: is c.ExerciseDelivery.api_url the API's /api/v1?") from None

    async def exercise_notebook(self, exercise_id: str) -> dict:
        """The student notebook of one exercise (an LMS assignment link); APIRefused 404 if there is none."""
        body = await self._call(f"exercises/{quote(exercise_id, safe='')}?format=notebook")
        try:
            return _exercise({"id": exercise_id, "notebook": json.loads(body)})[1]
        except ValueError:
            raise BadAnswer("the answer is not JSON: is c.ExerciseDelivery.api_url the API's /api/v1?") from None

    async def report(self, failures: dict[str, int]) -> None:
        await self._call("delivery/failures", method="POST", body={"failures": failures})
