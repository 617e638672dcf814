"""Today's exercises, one exercise's student view, and hints."""

from ..schemas import HintRequest
from ..services.today import exercise_view, todays_view
from ..services.tutoring import give_hint
from .base import APIHandler


class TodayHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        self.write_json(await todays_view(self.ctx, who, self.get_query_argument("include", "") == "notebook"))


class ExerciseHandler(APIHandler):
    async def get(self, exercise_id):
        self.require_user()
        self.write_json(exercise_view(self.ctx.bank, exercise_id, self.get_query_argument("format", "") == "notebook"))


class HintsHandler(APIHandler):
    async def post(self):
        who = self.require_user()
        self.write_json(await give_hint(self.ctx, who, self.parse(HintRequest)))


default_handlers = [
    ("/exercises/today", TodayHandler),
    (r"/exercises/([^/]+)", ExerciseHandler),
    ("/hints", HintsHandler),
]
