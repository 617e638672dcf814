"""Submit work for grading, and read one's own submissions."""

from .. import metrics
from ..schemas import SubmissionRequest
from ..services import submissions as subs
from ..services.profile import get_profile, timezone_of
from ..services.progress import record_submission
from .base import APIHandler


class SubmissionsHandler(APIHandler):
    async def post(self):
        who = self.require_user()
        req = self.parse(SubmissionRequest)
        exercise = self.ctx.bank.get(req.exercise_id)
        user_id = await self.ctx.users.user_id(who)
        async with self.ctx.reads() as session:
            existing = await subs.find_by_key(session, user_id, req.idempotency_key)
        if existing is not None:
            return self.write_json(subs.to_public(existing), 200)
        await self.ctx.limiter.hit("submit", who.name, who.role)
        result = await self.ctx.grader.grade(exercise, req.code)
        async with self.ctx.sessionmaker() as session, session.begin():
            stored, created = await subs.store(session, user_id, exercise, req.idempotency_key, req.code, result)
            if created:  # in the same transaction: a stored submission always has its progress
                progress = await record_submission(session, self.ctx.bank, user_id, exercise, stored, self.ctx.clock(), self.ctx.course_timezone)
        body = subs.to_public(stored)
        if created:
            body["progress"] = progress
            metrics.count_verdict(stored.status, stored.passed)
        self.write_json(body, 201 if created else 200)

    async def get(self):
        who = self.require_user()
        user_id = await self.ctx.users.user_id(who)
        limit = self.int_argument("limit", 20)
        arg = self.get_query_argument
        async with self.ctx.sessionmaker() as session:
            tz = timezone_of(await get_profile(session, user_id), self.ctx.course_timezone)
            window = subs.parse_window(arg("since", None), arg("until", None), arg("day", None), tz)
            page = await subs.history(session, user_id, limit, arg("cursor", None), arg("exercise_id", None), window)
        self.write_json(page)


class SubmissionHandler(APIHandler):
    async def get(self, submission_id):
        who = self.require_user()
        user_id = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session:
            sub = await subs.get_own(session, user_id, int(submission_id))
        self.write_json(subs.to_public(sub))


default_handlers = [
    ("/submissions", SubmissionsHandler),
    (r"/submissions/(\d{1,18})", SubmissionHandler),
]
