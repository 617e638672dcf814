"""The extension's pages on the student's own server."""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import quote

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from jupyter_server.utils import url_path_join
from tornado import web

from .sync import notebook_to_open
from .today_api import APIRefused, DeliveryError, Unreachable, WriteFailed


def http_error(err: DeliveryError) -> web.HTTPError:
    """What the student's `%today` reads for a failed pass: one line, no traceback."""
    if isinstance(err, Unreachable):
        return web.HTTPError(503, f"the CodeMentor API is not reachable right now: {err}")
    if isinstance(err, WriteFailed):
        return web.HTTPError(507, f"today's notebooks could not be written into your folder: {err}")
    return web.HTTPError(502, f"CodeMentor sent an answer this server cannot use ({err.kind}); it is logged, try again later")


class TodayHandler(ExtensionHandlerMixin, APIHandler):
    """POST /codementor/today on the student's own server: deliver again, restoring deleted notebooks."""

    @web.authenticated
    async def post(self):
        delivery = self.extensionapp.delivery
        try:
            outcomes = await delivery.sync(restore=True)
        except DeliveryError as err:
            delivery.note_failure(err)
            if not err.retry:
                delivery.log_failure(err, "%today")
            raise http_error(err) from None
        self.finish(json.dumps({"notebooks": outcomes}))


class OpenTodayHandler(ExtensionHandlerMixin, JupyterHandler):
    """GET /codementor/open-today, the server's default URL: JupyterLab with today's notebook open.

    Waits (up to `open_wait` seconds) for the delivery at server start, then redirects to
    today's first notebook; without one, to the exercises folder (which holds the note saying
    why) or to JupyterLab itself.
    """

    @web.authenticated
    async def get(self):
        app = self.extensionapp
        delivery = app.delivery
        try:
            await asyncio.wait_for(delivery.first_pass.wait(), timeout=app.open_wait)
        except asyncio.TimeoutError:
            self.log.info("CodeMentor: today's notebook not delivered within %.3g s; opening what is there", app.open_wait)
        today = delivery.today or {}
        path = await notebook_to_open(delivery.files, app.folder, today.get("day"), today.get("exercise_ids", []))
        if path is None and await delivery.files.is_dir(app.folder):
            path = app.folder
        self.redirect(url_path_join(self.base_url, "lab", "tree", quote(path)) if path else url_path_join(self.base_url, "lab"))


EXERCISE_ID = re.compile(r"^[a-z0-9-]{1,100}$")


class OpenExerciseHandler(ExtensionHandlerMixin, JupyterHandler):
    """GET /codementor/open-exercise?id=EXERCISE: JupyterLab on that exercise's notebook (an LMS assignment link)."""

    @web.authenticated
    async def get(self):
        exercise_id = self.get_query_argument("id", "")
        if not EXERCISE_ID.match(exercise_id):
            raise web.HTTPError(400, "the link names no exercise (?id=lower-case-id)")
        app = self.extensionapp
        try:
            await asyncio.wait_for(app.delivery.first_pass.wait(), timeout=app.open_wait)
        except asyncio.TimeoutError:
            pass
        try:
            path = await app.delivery.open_exercise(exercise_id)
        except DeliveryError as err:
            raise self._error(err, exercise_id) from None
        self.redirect(url_path_join(self.base_url, "lab", "tree", quote(path)))

    def _error(self, err: DeliveryError, exercise_id: str) -> web.HTTPError:
        if isinstance(err, APIRefused) and err.status == 404:
            return web.HTTPError(404, f"there is no exercise {exercise_id!r}; ask your instructor to check the assignment link")
        if isinstance(err, Unreachable):
            return web.HTTPError(503, "CodeMentor cannot be reached right now; open today's notebook and try the link again later")
        self.extensionapp.delivery.log_failure(err, "an assignment link")
        return http_error(err)


class NoLanguageServersHandler(APIHandler):
    """GET /lsp/status where jupyter_lsp is not loaded (student servers leave it out: no language servers are
    installed for them): JupyterLab's language-server client asks at every start, and a 404 is an error in the
    student's browser console. The answer is jupyter_lsp's for a server without any."""

    @web.authenticated
    def get(self):
        self.finish(json.dumps({"version": 2, "sessions": {}, "specs": {}}))


default_handlers = [
    ("/codementor/today", TodayHandler),
    ("/codementor/open-today", OpenTodayHandler),
    ("/codementor/open-exercise", OpenExerciseHandler),
]
