"""A student's progress: streak, skills and badges, and the day-by-day history."""

from ..services.progress import my_progress, my_progress_history
from .base import APIHandler


class ProgressHandler(APIHandler):
    async def get(self):
        self.write_json(await my_progress(self.ctx, self.require_user()))


class ProgressHistoryHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        self.write_json(await my_progress_history(self.ctx, who, self.int_argument("limit", 30), self.get_query_argument("cursor", None)))


default_handlers = [
    ("/progress", ProgressHandler),
    ("/progress/history", ProgressHistoryHandler),
]
