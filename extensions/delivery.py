"""Fetch today's exercises from the API and write them into the student's folder."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from jupyter_server.base.handlers import APIHandler as ServerAPIHandler
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from traitlets import Float, Integer, Unicode, default
from traitlets.config import LoggingConfigurable

from .sync import deliver, load_state, save_state


class ExerciseDelivery(LoggingConfigurable):
    """Delivers today's notebooks; configurable as c.ExerciseDelivery.* in the server's config."""

    api_url = Unicode(help="Base URL of the CodeMentor API, ending in /api/v1 ($CODEMENTOR_API_URL).").tag(config=True)
    api_token = Unicode(help="Token for the API; defaults to this server's Hub token ($JUPYTERHUB_API_TOKEN).").tag(config=True)
    folder = Unicode("exercises", help="Folder, relative to the server's root, that receives the notebooks.").tag(config=True)
    request_timeout = Float(15.0, help="Seconds to wait for the API on each attempt.").tag(config=True)
    max_backoff = Float(60.0, help="Longest wait between attempts while the API is unreachable, in seconds.").tag(config=True)
    max_attempts = Integer(20, help="Attempts at server start before giving up until the next start.").tag(config=True)
    root_dir = Unicode()

    @default("api_url")
    def _default_api_url(self):
        return os.environ.get("CODEMENTOR_API_URL", "")

    @default("api_token")
    def _default_token(self):
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    async def fetch_today(self) -> dict:
        req = HTTPRequest(
            f"{self.api_url.rstrip('/')}/exercises/today?include=notebook",
            headers={"Authorization": f"token {self.api_token}"},
            request_timeout=self.request_timeout,
        )
        resp = await AsyncHTTPClient().fetch(req)
        return json.loads(resp.body)

    async def sync(self, restore: bool = False) -> list[dict]:
        """One delivery pass; returns what happened to each notebook."""
        today = await self.fetch_today()
        root = Path(self.root_dir)
        state = load_state(root)
        outcomes = [
            deliver(root, self.folder, today["day"], ex["id"], ex["notebook"], state, restore=restore)
            for ex in today["exercises"]
        ]
        save_state(root, state)
        for o in outcomes:
            self.log.info("CodeMentor: %s %s", o.action, o.path)
        return [o.__dict__ for o in outcomes]

    async def start(self):
        """Deliver at server start, retrying with backoff while the API is unreachable."""
        if not self.api_url or not self.api_token:
            self.log.warning("CodeMentor: no exercises delivered: CODEMENTOR_API_URL or JUPYTERHUB_API_TOKEN is not set")
            return
        delay = 1.0
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self.sync()
                return
            except (HTTPClientError, OSError, ValueError, KeyError) as err:
                self.log.warning("CodeMentor: could not fetch today's exercises (attempt %d, retrying in %.0f s): %s", attempt, delay, err)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
        self.log.error("CodeMentor: gave up delivering today's exercises; they will come at the next server start")


class TodayHandler(ServerAPIHandler):
    """POST /codementor/today on the student's own server: deliver again, restoring deleted notebooks."""

    def initialize(self, delivery):
        self.delivery = delivery

    @web.authenticated
    async def post(self):
        try:
            outcomes = await self.delivery.sync(restore=True)
        except (HTTPClientError, OSError) as err:
            raise web.HTTPError(503, f"the CodeMentor API is not reachable right now: {err}") from None
        self.finish(json.dumps({"notebooks": outcomes}))
