"""The API's error envelope and what a failed call means, in one place.

The API answers an error as ``{"error": {"code", "message", "request_id"}}``; jupyter-server
(the student's own server) as ``{"message": ...}``. Either becomes one line for a person,
ending with the request id they can quote.
"""

from __future__ import annotations

import json

REQUEST_ID = "X-Request-ID"  # sent with every request; the API logs it and returns it in errors

# the Hub's proxy answers these while the API service is not (yet) running behind it
GATEWAY_DOWN = (502, 503, 504)


class ClientError(Exception):
    """A call that failed, as one line a person can read (never a traceback)."""


class Unreachable(ClientError):
    """No answer arrived (the request may or may not have reached the API)."""


class APIError(ClientError):
    """The API answered with an error status; `status` is it, `request_id` the one to quote."""

    def __init__(self, message: str, status: int = 0, request_id: str = ""):
        super().__init__(message)
        self.status = status
        self.request_id = request_id


def error_message(status: int, body: bytes | str | None, headers=None, reason: str = "", sent_id: str = "") -> tuple[str, str]:
    """(message, request id) of an error answer; the message falls back to the status line."""
    headers = headers or {}
    request_id = headers.get(REQUEST_ID) or sent_id
    message = ""
    try:
        doc = json.loads(body or b"")
        error = doc.get("error") if isinstance(doc, dict) else None
        if isinstance(error, dict):
            message = str(error.get("message") or "")
            request_id = error.get("request_id") or request_id
        elif isinstance(doc, dict) and doc.get("message"):
            message = str(doc["message"])
    except (ValueError, TypeError, AttributeError):
        pass
    message = message or f"the API answered {status} {reason or ''}".rstrip()
    retry = headers.get("Retry-After")
    if status == 429 and retry and "again" not in message:
        message = f"{message} (try again in {retry} s)"
    return message, str(request_id or "")


def with_request_id(message: str, request_id: str) -> str:
    return f"{message} (request id {request_id})" if request_id else message


def api_error(status: int, body, headers=None, reason: str = "", sent_id: str = "") -> APIError:
    """The APIError of an error answer, its message ending with the request id."""
    message, request_id = error_message(status, body, headers, reason, sent_id)
    return APIError(with_request_id(message, request_id), status, request_id)
