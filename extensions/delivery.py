"""Fetch today's exercises from the API and write them into the student's folder."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import re
import uuid
from collections import Counter
from pathlib import Path

from urllib.parse import quote

from jupyter_server.base.handlers import APIHandler as ServerAPIHandler
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import PeriodicCallback
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from traitlets import Float, Integer, Unicode, default
from traitlets.config import LoggingConfigurable

from .sync import archive_earlier_days, deliver, load_state, newest_notebook_of, notebook_to_open, save_state

NOTE_NAME = "exercises-arrive-shortly.md"
WAITING_NOTE = (
    "Today's exercises are on their way: CodeMentor is not reachable yet and keeps trying. "
    "They will appear in this folder by themselves (or run `%today` in a notebook later).\n"
)
GAVE_UP_NOTE = (
    "Today's exercises could not be fetched: CodeMentor was not reachable. "
    "Run `%today` in any notebook to try again, or restart your server from the Hub control panel.\n"
)


DELIVERY_ERRORS = (HTTPClientError, OSError, ValueError, KeyError, TypeError)
EXERCISE_ID = re.compile(r"^[a-z0-9-]{1,100}$")


def failure_kind(err: Exception) -> str:
    """How a delivery failed, as the API's metrics count it (codementor_delivery_failures)."""
    if isinstance(err, HTTPClientError):
        return "unreachable" if err.code == 599 else "api_error"
    if isinstance(err, (ConnectionError, TimeoutError)):
        return "unreachable"
    if isinstance(err, OSError):
        return "write_failed"
    return "bad_answer"


class ExerciseDelivery(LoggingConfigurable):
    """Delivers today's notebooks; configurable as c.ExerciseDelivery.* in the server's config."""

    api_url = Unicode(help="Base URL of the CodeMentor API, ending in /api/v1 ($CODEMENTOR_API_URL).").tag(config=True)
    api_token = Unicode(help="Token for the API; defaults to this server's Hub token ($JUPYTERHUB_API_TOKEN).").tag(config=True)
    folder = Unicode("exercises", help="Folder, relative to the server's root, that receives the notebooks.").tag(config=True)
    request_timeout = Float(15.0, help="Seconds to wait for the API on each attempt.").tag(config=True)
    max_backoff = Float(60.0, help="Longest wait between attempts while the API is unreachable, in seconds.").tag(config=True)
    max_attempts = Integer(20, help="Attempts at server start before giving up until the next start.").tag(config=True)
    first_backoff = Float(1.0, help="Seconds to wait after the first failed attempt; doubled after each failure.").tag(config=True)
    refresh_interval = Float(
        1800.0, help="Seconds between checks for a new day's set while the server runs (0 turns them off)."
    ).tag(config=True)
    archive_min_age = Float(
        600.0, help="In periodic passes, seconds since a notebook was last saved before it may move to the archive "
        "(a notebook open in a browser tab past midnight stays put until the student leaves it)."
    ).tag(config=True)
    open_wait = Float(
        20.0, help="At login, seconds GET /codementor/open-today waits for the first delivery before opening "
        "what is there (JupyterLab's file browser when nothing is)."
    ).tag(config=True)
    root_dir = Unicode()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.unreported: Counter = Counter()  # failures not yet reported to the API, by kind
        self.today: dict | None = None  # the day and exercise ids of the last delivery
        self.first_pass = asyncio.Event()  # set when the first delivery at start succeeded or failed

    @default("api_url")
    def _default_api_url(self):
        return os.environ.get("CODEMENTOR_API_URL", "")

    @default("api_token")
    def _default_token(self):
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    async def fetch_today(self) -> dict:
        req = HTTPRequest(
            f"{self.api_url.rstrip('/')}/exercises/today?include=notebook",
            headers={"Authorization": f"token {self.api_token}", "X-Request-ID": uuid.uuid4().hex},
            request_timeout=self.request_timeout,
        )
        resp = await AsyncHTTPClient().fetch(req)
        return json.loads(resp.body)

    async def sync(self, restore: bool = False, periodic: bool = False) -> list[dict]:
        """One delivery pass; returns what happened to each notebook."""
        today = await self.fetch_today()
        root = Path(self.root_dir)
        state = load_state(root)
        min_age = self.archive_min_age if periodic else 0
        outcomes = archive_earlier_days(root, self.folder, today["day"], state, min_age=min_age)
        outcomes += [
            deliver(root, self.folder, today["day"], ex["id"], ex["notebook"], state, restore=restore)
            for ex in today["exercises"]
        ]
        save_state(root, state)
        self.today = {"day": today["day"], "exercise_ids": [ex["id"] for ex in today["exercises"]]}
        self.set_note(None)
        await self.report_failures()
        for o in outcomes:
            self.log.info("CodeMentor: %s %s", o.action, o.path)
        return [o.__dict__ for o in outcomes]

    async def open_exercise(self, exercise_id: str) -> str:
        """The notebook of one exercise (an LMS assignment link): the newest the student has, else delivered now as today's."""
        root = Path(self.root_dir)
        found = newest_notebook_of(root, self.folder, exercise_id)
        if found:
            return found
        req = HTTPRequest(
            f"{self.api_url.rstrip('/')}/exercises/{quote(exercise_id)}?format=notebook",
            headers={"Authorization": f"token {self.api_token}", "X-Request-ID": uuid.uuid4().hex},
            request_timeout=self.request_timeout,
        )
        notebook = json.loads((await AsyncHTTPClient().fetch(req)).body)
        day = (self.today or {}).get("day") or datetime.date.today().isoformat()
        state = load_state(root)
        outcome = deliver(root, self.folder, day, exercise_id, notebook, state, restore=True)
        save_state(root, state)
        self.log.info("CodeMentor: %s %s (assignment link)", outcome.action, outcome.path)
        return outcome.path

    def note_failure(self, kind: str) -> None:
        self.unreported[kind] += 1

    async def report_failures(self) -> None:
        """Tell the API (its metrics) how many deliveries failed since the last report; kept if it cannot hear."""
        if not self.unreported:
            return
        sent = dict(self.unreported)
        req = HTTPRequest(
            f"{self.api_url.rstrip('/')}/delivery/failures", method="POST", body=json.dumps({"failures": sent}),
            headers={"Authorization": f"token {self.api_token}", "Content-Type": "application/json", "X-Request-ID": uuid.uuid4().hex},
            request_timeout=self.request_timeout,
        )
        try:
            await AsyncHTTPClient().fetch(req)
        except (HTTPClientError, OSError) as err:
            self.log.info("CodeMentor: could not report %d failed deliveries yet: %s", sum(sent.values()), err)
            return
        self.unreported -= Counter(sent)

    def set_note(self, text: str | None) -> None:
        """Show the student a one-line note in the exercises folder, or remove ours (None)."""
        path = Path(self.root_dir) / self.folder / NOTE_NAME
        try:
            ours = not path.exists() or path.read_text(encoding="utf-8") in (WAITING_NOTE, GAVE_UP_NOTE)
            if text is None and path.exists() and ours:
                path.unlink()
            elif text is not None and ours:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        except OSError as err:
            self.log.warning("CodeMentor: could not update %s: %s", path, err)

    async def start(self):
        """Deliver at server start, retrying with backoff while the API is unreachable."""
        if not self.api_url or not self.api_token:
            self.log.warning("CodeMentor: no exercises delivered: CODEMENTOR_API_URL or JUPYTERHUB_API_TOKEN is not set")
            self.first_pass.set()
            return
        try:
            await self.deliver_with_retries()
        finally:
            self.first_pass.set()
        if self.refresh_interval > 0:
            self._refresher = PeriodicCallback(self.refresh, self.refresh_interval * 1000)
            self._refresher.start()

    async def deliver_with_retries(self) -> bool:
        """Try until delivered or `max_attempts` failed, doubling the wait; the student sees a note meanwhile."""
        delay = self.first_backoff
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self.sync()
                return True
            except DELIVERY_ERRORS as err:
                self.first_pass.set()  # a login waits no longer: the student sees the note meanwhile
                self.note_failure(failure_kind(err))
                self.set_note(WAITING_NOTE)
                self.log.warning("CodeMentor: could not fetch today's exercises (attempt %d, retrying in %.3g s): %s", attempt, delay, err)
                if attempt < self.max_attempts:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_backoff)
        self.set_note(GAVE_UP_NOTE)
        self.note_failure("gave_up")
        self.log.error("CodeMentor: gave up delivering today's exercises after %d attempts (c.ExerciseDelivery.max_attempts)", self.max_attempts)
        return False

    async def refresh(self) -> None:
        """A periodic pass: brings a new day's set to a server that stays up past midnight."""
        try:
            await self.sync(periodic=True)
        except DELIVERY_ERRORS as err:
            self.note_failure(failure_kind(err))
            self.log.warning("CodeMentor: periodic delivery failed, will try again later: %s", err)


class TodayHandler(ServerAPIHandler):
    """POST /codementor/today on the student's own server: deliver again, restoring deleted notebooks."""

    def initialize(self, delivery):
        self.delivery = delivery

    @web.authenticated
    async def post(self):
        try:
            outcomes = await self.delivery.sync(restore=True)
        except DELIVERY_ERRORS as err:
            self.delivery.note_failure(failure_kind(err))
            raise web.HTTPError(503, f"the CodeMentor API is not reachable right now: {err}") from None
        self.finish(json.dumps({"notebooks": outcomes}))


class OpenTodayHandler(JupyterHandler):
    """GET /codementor/open-today, the server's default URL: JupyterLab with today's notebook open.

    Waits (up to `open_wait` seconds) for the delivery at server start, then redirects to
    today's first notebook; without one, to the exercises folder (which holds the note saying
    why) or to JupyterLab itself.
    """

    def initialize(self, delivery):
        self.delivery = delivery

    @web.authenticated
    async def get(self):
        try:
            await asyncio.wait_for(self.delivery.first_pass.wait(), timeout=self.delivery.open_wait)
        except asyncio.TimeoutError:
            self.log.info("CodeMentor: today's notebook not delivered within %.3g s; opening what is there", self.delivery.open_wait)
        today = self.delivery.today or {}
        root, folder = Path(self.delivery.root_dir), self.delivery.folder
        path = notebook_to_open(root, folder, today.get("day"), today.get("exercise_ids", []))
        if path is None and (root / folder).is_dir():
            path = folder
        target = url_path_join(self.base_url, "lab", "tree", quote(path)) if path else url_path_join(self.base_url, "lab")
        self.redirect(target)


class OpenExerciseHandler(JupyterHandler):
    """GET /codementor/open-exercise?id=EXERCISE: JupyterLab on that exercise's notebook (an LMS assignment link)."""

    def initialize(self, delivery):
        self.delivery = delivery

    @web.authenticated
    async def get(self):
        exercise_id = self.get_query_argument("id", "")
        if not EXERCISE_ID.match(exercise_id):
            raise web.HTTPError(400, "the link names no exercise (?id=lower-case-id)")
        try:
            await asyncio.wait_for(self.delivery.first_pass.wait(), timeout=self.delivery.open_wait)
        except asyncio.TimeoutError:
            pass
        try:
            path = await self.delivery.open_exercise(exercise_id)
        except HTTPClientError as err:
            if err.code == 404:
                raise web.HTTPError(404, f"there is no exercise {exercise_id!r}; ask your instructor to check the assignment link") from None
            raise web.HTTPError(503, "CodeMentor cannot be reached right now; open today's notebook and try the link again later") from None
        except DELIVERY_ERRORS:
            raise web.HTTPError(503, "CodeMentor cannot be reached right now; open today's notebook and try the link again later") from None
        self.redirect(url_path_join(self.base_url, "lab", "tree", quote(path)))
