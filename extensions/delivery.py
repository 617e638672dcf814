"""One delivery of today's exercises into the student's folder, and the retries around it."""

from __future__ import annotations

import asyncio
import datetime
from collections import Counter

from tornado.web import HTTPError

from .sync import Contents, archive_earlier_days, deliver, load_state, newest_notebook_of, save_state
from .today_api import DeliveryError, TodayAPI, WriteFailed

NOTE_NAME = "exercises-arrive-shortly.md"
WAITING_NOTE = (
    "Today's exercises are on their way: CodeMentor is not reachable yet and keeps trying. "
    "They will appear in this folder by themselves (or run `%today` in a notebook later).\n"
)
GAVE_UP_NOTE = (
    "Today's exercises could not be fetched: CodeMentor was not reachable. "
    "Run `%today` in any notebook to try again, or restart your server from the Hub control panel.\n"
)
FAILED_NOTE = (
    "Today's exercises could not be delivered because of a problem on CodeMentor's side (your "
    "instructor can see it in the logs). Run `%today` in any notebook later to try again.\n"
)
OUR_NOTES = (WAITING_NOTE, GAVE_UP_NOTE, FAILED_NOTE)


class Delivery:
    """Delivers today's notebooks through a contents manager, with the settings of `app`.

    `app` is the extension (codementor.server_ext.app.ExerciseDelivery): its traits say where
    the API is, which folder receives the notebooks and how long to wait and retry.
    """

    def __init__(self, app, contents_manager, root_dir: str, log):
        self.app, self.files, self.root_dir, self.log = app, Contents(contents_manager), root_dir, log
        self.unreported: Counter = Counter()  # failures not yet reported to the API, by kind
        self.today: dict | None = None  # the day and exercise ids of the last delivery
        self.first_pass = asyncio.Event()  # set when the first delivery at start succeeded or failed
        self._lock = asyncio.Lock()  # one pass at a time: the start, the periodic check, %today
        self._logged_bugs: set[str] = set()

    @property
    def api(self) -> TodayAPI:
        return TodayAPI(self.app.api_url, self.app.api_token, self.app.request_timeout)

    @property
    def configured(self) -> bool:
        return bool(self.app.api_url and self.app.api_token)

    async def sync(self, restore: bool = False, periodic: bool = False) -> list[dict]:
        """One delivery pass; returns what happened to each notebook. Raises DeliveryError."""
        async with self._lock:
            today = await self.api.today()
            try:
                outcomes = await self._write(today, restore, periodic)
            except (HTTPError, OSError) as err:
                raise WriteFailed(getattr(err, "log_message", None) or str(err)) from None
        self.today = {"day": today.day, "exercise_ids": today.exercise_ids}
        await self.set_note(None)
        await self.report_failures()
        for o in outcomes:
            self.log.info("CodeMentor: %s %s", o.action, o.path)
        return [o.__dict__ for o in outcomes]

    async def _write(self, today, restore: bool, periodic: bool):
        folder, state = self.app.folder, load_state(self.root_dir)
        min_age = self.app.archive_min_age if periodic else 0
        try:
            outcomes = await archive_earlier_days(self.files, folder, today.day, state, min_age=min_age)
            for exercise_id, notebook in today.exercises:
                outcomes.append(await deliver(self.files, folder, today.day, exercise_id, notebook, state, restore=restore))
        finally:
            save_state(self.root_dir, state)  # what was written so far is recorded even if a later write failed
        return outcomes

    async def open_exercise(self, exercise_id: str) -> str:
        """The notebook of one exercise (an LMS assignment link): the newest the student has, else delivered now as today's."""
        found = await newest_notebook_of(self.files, self.app.folder, exercise_id)
        if found:
            return found
        notebook = await self.api.exercise_notebook(exercise_id)
        day = (self.today or {}).get("day") or datetime.date.today().isoformat()
        async with self._lock:
            state = load_state(self.root_dir)
            try:
                outcome = await deliver(self.files, self.app.folder, day, exercise_id, notebook, state, restore=True)
            except (HTTPError, OSError) as err:
                raise WriteFailed(getattr(err, "log_message", None) or str(err)) from None
            finally:
                save_state(self.root_dir, state)
        self.log.info("CodeMentor: %s %s (assignment link)", outcome.action, outcome.path)
        return outcome.path

    def note_failure(self, err: DeliveryError | str) -> None:
        self.unreported[err if isinstance(err, str) else err.kind] += 1

    async def report_failures(self) -> None:
        """Tell the API (its metrics) how many deliveries failed since the last report; kept if it cannot hear."""
        if not self.unreported:
            return
        sent = dict(self.unreported)
        try:
            await self.api.report(sent)
        except DeliveryError as err:
            self.log.info("CodeMentor: could not report %d failed deliveries yet: %s", sum(sent.values()), err)
            return
        self.unreported -= Counter(sent)

    def log_failure(self, err: DeliveryError, what: str) -> None:
        """An outage is a warning each time; anything else is a bug, logged as an error once."""
        if err.retry:
            self.log.warning("CodeMentor: %s: the API is not reachable: %s", what, err)
        elif f"{err.kind}: {err.args[0]}" not in self._logged_bugs:  # the same bug whatever the request id
            self._logged_bugs.add(f"{err.kind}: {err.args[0]}")
            self.log.error("CodeMentor: %s failed and is not retried (%s): %s", what, err.kind, err)

    async def set_note(self, text: str | None) -> None:
        """Show the student a one-line note in the exercises folder, or remove ours (None)."""
        path = f"{self.app.folder}/{NOTE_NAME}"
        try:
            present = await self.files.exists(path)
            # empty: ours, left by a save cancelled at a stop right after the file was opened
            ours = not present or (await self.files.read_text(path)) in (*OUR_NOTES, "")
            if text is None and present and ours:
                await self.files.delete(path)
            elif text is not None and ours:
                await self.files.write_text(path, text)
        except (HTTPError, OSError) as err:
            self.log.warning("CodeMentor: could not update %s: %s", path, err)

    async def start(self) -> None:
        """Deliver at server start, retrying with backoff while the API is unreachable."""
        if not self.configured:
            self.log.warning("CodeMentor: no exercises delivered: CODEMENTOR_API_URL or JUPYTERHUB_API_TOKEN is not set")
            self.first_pass.set()
            return
        try:
            await self.deliver_with_retries()
        finally:
            self.first_pass.set()

    async def deliver_with_retries(self) -> bool:
        """Try until delivered, the failure is not an outage, or `max_attempts` failed; the student sees a note meanwhile."""
        delay = self.app.first_backoff
        for attempt in range(1, self.app.max_attempts + 1):
            try:
                await self.sync()
                return True
            except DeliveryError as err:
                self.first_pass.set()  # a login waits no longer: the student sees the note meanwhile
                self.note_failure(err)
                if not err.retry:
                    self.log_failure(err, "delivering today's exercises")
                    await self.set_note(FAILED_NOTE)
                    return False
                await self.set_note(WAITING_NOTE)
                self.log.warning("CodeMentor: could not fetch today's exercises (attempt %d, retrying in %.3g s): %s", attempt, delay, err)
                if attempt < self.app.max_attempts:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.app.max_backoff)
        await self.set_note(GAVE_UP_NOTE)
        self.note_failure("gave_up")
        self.log.error("CodeMentor: gave up delivering today's exercises after %d attempts (c.ExerciseDelivery.max_attempts)", self.app.max_attempts)
        return False

    async def refresh(self) -> None:
        """A periodic pass: brings a new day's set to a server that stays up past midnight."""
        try:
            await self.sync(periodic=True)
        except DeliveryError as err:
            self.note_failure(err)
            self.log_failure(err, "the periodic delivery (tried again later)")
