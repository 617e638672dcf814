"""Today's exercises, one exercise's student view, and hints."""

from ...exercise_bank.render import notebook_json
from ..schemas import HintRequest
from ..gateway.gateway import Asker
from ..services.hints import hints_taken, next_hint
from ..services.today import todays_exercises
from ..services.tutoring import extra_hint, known_identities
from .base import APIHandler


class TodayHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        user_id = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session, session.begin():
            day, tz, chosen = await todays_exercises(
                session, self.ctx.bank, user_id, who.name, self.ctx.clock(), self.ctx.course_timezone, self.ctx.daily_count
            )
        with_notebook = self.get_query_argument("include", "") == "notebook"
        items = []
        for assigned in chosen:
            item = {**assigned.exercise.summary(), "review": assigned.review, "predicted_success": assigned.predicted}
            if with_notebook:
                item["notebook"] = notebook_json(assigned.exercise, day=day.isoformat())
            items.append(item)
        self.write_json({"day": day.isoformat(), "timezone": tz, "exercises": items})


class ExerciseHandler(APIHandler):
    async def get(self, exercise_id):
        self.require_user()
        exercise = self.ctx.bank.get(exercise_id)
        if self.get_query_argument("format", "") == "notebook":
            self.write_json(notebook_json(exercise))
        else:
            self.write_json(exercise.student_view())


class HintsHandler(APIHandler):
    async def post(self):
        who = self.require_user()
        req = self.parse(HintRequest)
        exercise = self.ctx.bank.get(req.exercise_id)
        await self.ctx.limiter.hit("hint", who.name, who.role)
        user_id = await self.ctx.users.user_id(who)
        if not req.again and self.ctx.gateway.has_paid_provider:
            async with self.ctx.sessionmaker() as session:
                taken = await hints_taken(session, user_id, exercise.id)
            if taken >= len(exercise.hints):
                asker = Asker(user_id, who.name, who.role)
                identities = await known_identities(self.ctx.roster, who)
                return self.write_json(await extra_hint(self.ctx.sessionmaker, self.ctx.gateway, asker, exercise, req, taken, identities))
        async with self.ctx.sessionmaker() as session, session.begin():
            hint = await next_hint(session, user_id, exercise, again=req.again)
        self.write_json(hint)


default_handlers = [
    ("/exercises/today", TodayHandler),
    (r"/exercises/([^/]+)", ExerciseHandler),
    ("/hints", HintsHandler),
]
