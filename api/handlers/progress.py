"""A student's progress: streak, skills and badges, and the day-by-day history."""

from ..contract import operation
from ..responses import Progress, ProgressHistory
from ..schemas import HistoryQuery
from ..services.progress import my_progress, my_progress_history
from .base import APIHandler


class ProgressHandler(APIHandler):
    @operation("The signed-in student's streak, skill per topic, badges and totals.", ok={200: Progress})
    async def get(self):
        self.reply(await my_progress(self.ctx, self.require_user()))


class ProgressHistoryHandler(APIHandler):
    @operation("The signed-in student's active days, newest first, with badges earned.", query=HistoryQuery, ok={200: ProgressHistory})
    async def get(self):
        who = self.require_user()
        q = self.query(HistoryQuery)
        self.reply(await my_progress_history(self.ctx, who, q.limit, q.cursor))


default_handlers = [
    ("/progress", ProgressHandler),
    ("/progress/history", ProgressHistoryHandler),
]
