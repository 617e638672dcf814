"""Stuck now: students failing or asking for hints repeatedly, refreshed on a timer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import ipywidgets as w

from .client import ClassAPI, DashboardError
from .widgets_html import error, esc, nav, table

COLUMNS = [("student", "student"), ("exercise_id", "exercise"), ("failures", "failed submissions"), ("hints", "hints"), ("last_activity", "last activity (UTC)")]


class StuckNow:
    """The page's widgets and its refresh loop (an asyncio task in the kernel)."""

    def __init__(self, api: ClassAPI):
        self.api = api
        self.minutes = w.BoundedIntText(value=30, min=1, max=1440, description="Minutes")
        self.failures = w.BoundedIntText(value=3, min=1, max=100, description="Failures ≥")
        self.hints = w.BoundedIntText(value=3, min=1, max=100, description="Hints ≥")
        self.every = w.BoundedIntText(value=15, min=5, max=600, description="Refresh (s)")
        self.status = w.HTML()
        self.result = w.HTML()
        self.task = None
        for control in (self.minutes, self.failures, self.hints):
            control.observe(lambda _: asyncio.ensure_future(self.refresh()), names="value")

    def view(self) -> w.Widget:
        controls = w.HBox([self.minutes, self.failures, self.hints, self.every])
        return w.VBox([w.HTML(nav("stuck.ipynb") + "<h2>Stuck now</h2>"), controls, self.status, self.result])

    async def refresh(self) -> None:
        try:
            data = await self.api.aget("stuck", minutes=self.minutes.value, failures=self.failures.value, hints=self.hints.value)
        except DashboardError as err:
            self.result.value = error(str(err))
            return
        rows = [{**r, "last_activity": r["last_activity"][11:19]} for r in data["items"]]
        self.result.value = table(rows, COLUMNS, "nobody is stuck right now")
        stamp = datetime.now(timezone.utc).strftime("%H:%M:%S")
        self.status.value = f'<p class="cm-refreshed">{len(rows)} stuck · refreshed at {esc(stamp)} UTC, every {self.every.value} s</p>'

    async def loop(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.every.value)

    def start(self) -> None:
        self.task = asyncio.ensure_future(self.loop())


def stuck_page() -> w.Widget:
    try:
        page = StuckNow(ClassAPI())
    except DashboardError as err:
        return w.HTML(nav("stuck.ipynb") + error(str(err)))
    page.start()
    return page.view()
