"""A student's progress: streak, skills and badges, and the day-by-day history."""

from ..services.progress import progress_history, progress_view
from .base import APIHandler


class ProgressHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        user_id = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session:
            view = await progress_view(session, self.ctx.bank, user_id, self.ctx.clock(), self.ctx.course_timezone)
        self.write_json({"name": who.name, **view})


class ProgressHistoryHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        user_id = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session:
            page = await progress_history(session, user_id, self.int_argument("limit", 30), self.get_query_argument("cursor", None))
        self.write_json(page)


default_handlers = [
    ("/progress", ProgressHandler),
    ("/progress/history", ProgressHistoryHandler),
]
