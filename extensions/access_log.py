"""The student server's access log without the student's name, address or query strings.

jupyter-server writes ``200 GET /user/<name>/api/contents/<file> (<name>@<ip>)``; the server
extension replaces that log function with `masked_log_request`, which writes the line with
``{name}`` wherever the Hub user's name appears in the path, and no caller or address.
A filter on the server log's handlers replaces the name in every later message too.
Start-up lines (the server's folder, its URL) come before the extension loads and still
name the student.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from urllib.parse import quote

from jupyter_server.prometheus.log_functions import prometheus_log_method

QUERY = re.compile(r"\?.*$")


def mask_uri(uri: str, name: str) -> str:
    """`uri` without its query string and with `name` (plain or URL-quoted) replaced by {name}."""
    path = QUERY.sub("", uri)
    for form in {name, quote(name), quote(name, safe="")}:
        if form:
            path = path.replace(form, "{name}")
    return path


def level_of(status: int) -> int:
    if status < 300 or status == 304:
        return logging.DEBUG
    return logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR


def masked_log_request(handler, name: str = "") -> None:
    """One access line naming no one; request metrics recorded as jupyter-server's own log function does."""
    status = handler.get_status()
    log = getattr(handler, "log", None) or logging.getLogger("tornado.access")
    request = handler.request
    log.log(level_of(status), "%s %s %s %.2fms", status, request.method, mask_uri(request.uri, name), 1000.0 * request.request_time())
    prometheus_log_method(handler)


class MaskName(logging.Filter):
    """Replace the Hub user's name in every record of the server's log (e.g. tornado's 404 warnings)."""

    def __init__(self, name: str):
        super().__init__()
        self.user = name

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.user and self.user in message:
            record.msg, record.args = message.replace(self.user, "{name}"), ()
        return True


def install(serverapp, name: str) -> None:
    """Make `serverapp` log without `name` (the Hub user it serves) from now on."""
    serverapp.web_app.settings["log_function"] = partial(masked_log_request, name=name)
    if name:
        for handler in serverapp.log.handlers:
            handler.addFilter(MaskName(name))
