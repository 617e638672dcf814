"""The Hub's access log without names: user names in paths masked, the user by opaque id, no address.

JupyterHub's own request log writes ``200 GET /hub/api/users/<name> (<name>@<ip>)``. Set as
``c.JupyterHub.tornado_settings["log_function"]``, `log_request` writes the same line with
``{name}`` in place of every user name in the path, ``user#<Hub user id>`` for the caller
and no client address. The Hub's other messages (e.g. "User logged in: <name>") and the
student servers' own logs are out of its reach (README, "Students' data").
"""

from __future__ import annotations

import logging
import re

from jupyterhub.metrics import prometheus_log_method
from tornado.log import access_log
from tornado.web import StaticFileHandler

# path segments that hold a user or group name, with the segment's prefix kept
NAMED_SEGMENTS = re.compile(r"(/(?:user|users|user-redirect|spawn|spawn-pending|groups|named-servers|token)/)[^/?#]+")
QUERY = re.compile(r"\?.*$")


def mask_path(uri: str) -> str:
    """`uri` without its query and with every name-holding path segment replaced by {name}."""
    return NAMED_SEGMENTS.sub(r"\1{name}", QUERY.sub("", uri))


def caller(handler) -> str:
    """The caller as an opaque id: user#<id>, service#<id>, or '-' when anonymous."""
    try:
        who = handler.current_user
    except Exception:  # the Hub raises for bad tokens here; the log must not
        return "-"
    if who is None or isinstance(who, (str, dict)):
        return "-"
    kind = "service" if getattr(who, "kind", "user") == "service" else "user"
    return f"{kind}#{getattr(who, 'id', '?')}"


def level_of(handler, status: int) -> int:
    if status == 304 or (status < 300 and isinstance(handler, StaticFileHandler)):
        return logging.DEBUG
    return logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR


def log_request(handler) -> None:
    """One access line per Hub request, naming no one (and the Hub's request metrics, as its own logger does)."""
    status = handler.get_status()
    request_ms = 1000.0 * handler.request.request_time()
    level = max(level_of(handler, status), logging.INFO if request_ms >= 1000 else logging.DEBUG)
    access_log.log(level, "%s %s %s (%s) %.2fms", status, handler.request.method, mask_path(handler.request.uri), caller(handler), request_ms)
    prometheus_log_method(handler)
