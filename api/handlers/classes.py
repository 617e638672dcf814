"""The instructor endpoints (/api/v1/class/...): only the viewer's groups; admins see all."""

from ..services import audit
from ..services import class_detail as detail
from ..services import classroom
from ..services.clock import local_day
from .base import APIHandler


class ClassHandler(APIHandler):
    """Base of the class endpoints: a signed-in instructor or admin and their scope."""

    async def class_scope(self):
        who = self.require_user()
        self.viewer_id = await self.ctx.users.user_id(who)
        return await self.ctx.roster.scope_for(who)

    async def audit(self, action: str, subject_id: int | None = None, **details):
        """Record this viewer's access to students' data (services/audit.py)."""
        async with self.ctx.sessionmaker() as session, session.begin():
            await audit.record(session, action, self.viewer_id, self._who.role, subject_id, **details)


class OverviewHandler(ClassHandler):
    async def get(self):
        scope = await self.class_scope()
        async with self.ctx.sessionmaker() as session:
            data = await classroom.overview(session, scope, self.ctx.bank, self.ctx.course_timezone, self.ctx.clock(), self.int_argument("days", 7))
        self.write_json(data)


class StuckHandler(ClassHandler):
    async def get(self):
        scope = await self.class_scope()
        minutes, failures, hints = self.int_argument("minutes", 30), self.int_argument("failures", 3), self.int_argument("hints", 3)
        async with self.ctx.sessionmaker() as session:
            data = await classroom.stuck(session, scope, self.ctx.clock(), minutes, failures, hints)
        self.write_json(data)


class StudentsHandler(ClassHandler):
    async def get(self):
        scope = await self.class_scope()
        async with self.ctx.sessionmaker() as session:
            data = await classroom.roster(session, scope, self.int_argument("limit", 50), self.get_query_argument("cursor", None))
        self.write_json(data)


class StudentHandler(ClassHandler):
    async def get(self, name):
        scope = await self.class_scope()
        async with self.ctx.sessionmaker() as session:
            user_id = await detail.user_id_of(session, scope, name)
            events = await detail.timeline(session, user_id, self.int_argument("limit", 50), self.get_query_argument("cursor", None))
            skills = await detail.skills(session, user_id, self.ctx.bank)
        await self.audit("view_student", user_id)
        self.write_json({"name": name, "skills": skills, "timeline": events})


class ExerciseHandler(ClassHandler):
    async def get(self, exercise_id):
        scope = await self.class_scope()
        exercise = self.ctx.bank.get(exercise_id)
        async with self.ctx.sessionmaker() as session:
            data = await detail.exercise_detail(session, scope, exercise)
        self.write_json(data)


class ExportHandler(ClassHandler):
    async def get(self):
        scope = await self.class_scope()
        today = local_day(self.ctx.course_timezone, self.ctx.clock())
        first, last = detail.parse_range(self.get_query_argument("from", None), self.get_query_argument("to", None), today)
        async with self.ctx.sessionmaker() as session:
            data = await detail.export_rows(
                session, scope, self.ctx.bank, self.ctx.course_timezone, first, last,
                self.int_argument("limit", 500), self.get_query_argument("cursor", None),
            )
        await self.audit("export_class_csv", first=first.isoformat(), last=last.isoformat(), rows=len(data.get("items", [])))
        self.write_json(data)


default_handlers = [
    ("/class/overview", OverviewHandler),
    ("/class/stuck", StuckHandler),
    ("/class/students", StudentsHandler),
    (r"/class/students/([A-Za-z0-9._@+-]{1,255})", StudentHandler),
    (r"/class/exercises/([a-z0-9-]{1,100})", ExerciseHandler),
    ("/class/export", ExportHandler),
]
