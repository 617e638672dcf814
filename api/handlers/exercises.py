"""Today's exercises, one exercise's student view, and hints."""

from ..contract import operation
from ..responses import ExerciseOrNotebook, Hint, Today
from ..schemas import ExerciseQuery, HintRequest, TodayQuery
from ..services.today import exercise_view, todays_view
from ..services.tutoring import give_hint
from .base import APIHandler


class TodayHandler(APIHandler):
    @operation("Today's exercises for the signed-in student.", query=TodayQuery, ok={200: Today})
    async def get(self):
        who = self.require_user()
        self.reply(await todays_view(self.ctx, who, self.query(TodayQuery).include == "notebook"))


class ExerciseHandler(APIHandler):
    @operation("One exercise, student view (no hidden tests, no solution).", query=ExerciseQuery, ok={200: ExerciseOrNotebook}, errors=(404,))
    async def get(self, exercise_id):
        who = self.require_user()
        self.reply(exercise_view(self.ctx.bank_for(who), exercise_id, self.query(ExerciseQuery).format == "notebook"))


class HintsHandler(APIHandler):
    @operation("The next rung of the authored hint ladder (beyond it, a model's hint when one is set up).", body=HintRequest, ok={200: Hint}, errors=(404, 429))
    async def post(self):
        who = self.require_user()
        self.reply(await give_hint(self.ctx, who, self.parse(HintRequest)))


default_handlers = [
    ("/exercises/today", TodayHandler),
    (r"/exercises/(?P<exercise_id>[^/]+)", ExerciseHandler),
    ("/hints", HintsHandler),
]
