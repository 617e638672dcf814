"""The server extension as a jupyter-server ExtensionApp: its settings, pages and lifecycle."""

from __future__ import annotations

import asyncio
import os

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Integer, Unicode, default

from . import access_log
from .delivery import Delivery
from .handlers import NoLanguageServersHandler, default_handlers


class ExerciseDelivery(ExtensionApp):
    """Delivers today's notebooks; configurable as c.ExerciseDelivery.* in jupyter_server_config."""

    name = "codementor"

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
    hub_user = Unicode(help="The Hub user this server serves, kept out of its access log ($JUPYTERHUB_USER).").tag(config=True)

    delivery: Delivery | None = None
    _task: asyncio.Task | None = None  # the delivery at start, then the periodic passes

    @default("api_url")
    def _default_api_url(self):
        return os.environ.get("CODEMENTOR_API_URL", "")

    @default("api_token")
    def _default_token(self):
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    @default("hub_user")
    def _default_hub_user(self):
        return os.environ.get("JUPYTERHUB_USER", "")

    def initialize_settings(self):
        server = self.serverapp
        self.delivery = Delivery(self, server.contents_manager, server.root_dir, self.log)
        self.log.info("CodeMentor delivery enabled (API: %s)", self.api_url or "not configured")

    def initialize_handlers(self):
        self.handlers.extend(default_handlers)
        if not self.serverapp.jpserver_extensions.get("jupyter_lsp"):
            self.handlers.append(("/lsp/status", NoLanguageServersHandler))

    async def _start_jupyter_server_extension(self, serverapp):
        """Once every extension has loaded (JupyterHub's sets its own log function): the access log, then the delivery."""
        access_log.install(serverapp, self.hub_user)
        if self._task is None:
            self._task = asyncio.ensure_future(self._deliver_then_refresh())

    async def _deliver_then_refresh(self):
        await self._pass(self.delivery.start)
        while self.delivery.configured and self.refresh_interval > 0:
            await asyncio.sleep(self.refresh_interval)
            await self._pass(self.delivery.refresh)

    async def _pass(self, deliver) -> None:
        try:
            await deliver()
        except Exception:  # a bug in one pass must not end the later ones, nor pass quietly
            self.log.exception("CodeMentor: a delivery pass failed unexpectedly")

    @property
    def running(self) -> bool:
        """True while the delivery at start or the periodic passes go on."""
        return self._task is not None and not self._task.done()

    async def stop_extension(self):
        """At server shutdown: the delivery task ends, cancelling a pass under way (what it wrote is recorded)."""
        if self.running:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
