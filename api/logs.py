"""Logs as one JSON object a line, each carrying the id of the request it belongs to.

What the access log holds: time, method, the route pattern (never the raw path, which can
hold a student's name), status, duration, the opaque users.id and the request id. Never a
user name, an e-mail, code or question text.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("current_request_id", default="")
access = logging.getLogger("codementor.access")
# what the API's own periodic work did (the retention purge): at info level, shown whatever the log level
operations = logging.getLogger("codementor.operations")
operations.setLevel(logging.INFO)


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID if it is sane (1-64 letters, digits, '.', '_', ':' or '-'), else a new one."""
    if header and _SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id and any `fields` extra."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or current_request_id.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def use_json_logs(level, *loggers: logging.Logger) -> None:
    """Send the root logger (tornado's, the API's) and `loggers` to stderr as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for logger in loggers:
        for existing in logger.handlers:
            existing.setFormatter(JsonFormatter())
    # tornado's own access line holds the raw path (names); ours (codementor.access) replaces it,
    # one line per request whatever the log level
    logging.getLogger("tornado.access").disabled = True
    access.setLevel(logging.INFO)


def access_entry(method: str, route: str, status: int, seconds: float, user_id: int | None, request_id: str) -> dict:
    """The fields of one access-log line (a plain function so a test can read what is logged)."""
    return {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "user_id": user_id,
        "request_id": request_id,
    }


def log_access(entry: dict) -> None:
    level = logging.ERROR if entry["status"] >= 500 else logging.WARNING if entry["status"] >= 400 else logging.INFO
    access.log(level, "%s %s %s", entry["method"], entry["route"], entry["status"], extra={"fields": entry})
