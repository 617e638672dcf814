"""The instructor endpoints (/api/v1/class/...): only the viewer's groups; admins see all."""

from ..schemas import AssignmentRequest
from ..services import assignments
from ..services import class_views as views
from .base import APIHandler, parse_day


class OverviewHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        self.write_json(await views.overview(self.ctx, who, self.int_argument("days", 7)))


class StuckHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        minutes, failures, hints = self.int_argument("minutes", 30), self.int_argument("failures", 3), self.int_argument("hints", 3)
        self.write_json(await views.stuck(self.ctx, who, minutes, failures, hints))


class StudentsHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        self.write_json(await views.students(self.ctx, who, self.int_argument("limit", 50), self.get_query_argument("cursor", None)))


class StudentHandler(APIHandler):
    async def get(self, name):
        who = self.require_user()
        self.write_json(await views.student_view(self.ctx, who, name, self.int_argument("limit", 50), self.get_query_argument("cursor", None)))


class ExerciseHandler(APIHandler):
    async def get(self, exercise_id):
        self.write_json(await views.exercise_view(self.ctx, self.require_user(), exercise_id))


class ExportHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        arg = self.get_query_argument
        self.write_json(await views.class_export(self.ctx, who, arg("from", None), arg("to", None), self.int_argument("limit", 500), arg("cursor", None)))


class AssignmentsHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        arg = self.get_query_argument
        since, until = parse_day("since", arg("since", None)), parse_day("until", arg("until", None))
        self.write_json(await assignments.list_assignments(self.ctx, who, arg("group", None), since, until, self.int_argument("limit", 500)))

    async def post(self):
        who = self.require_user()
        self.write_json(await assignments.create_assignment(self.ctx, who, self.parse(AssignmentRequest)), status=201)


class AssignmentHandler(APIHandler):
    async def delete(self, assignment_id):
        await assignments.delete_assignment(self.ctx, self.require_user(), int(assignment_id))
        self.set_status(204)
        self.finish()


default_handlers = [
    ("/class/overview", OverviewHandler),
    ("/class/stuck", StuckHandler),
    ("/class/students", StudentsHandler),
    (r"/class/students/([A-Za-z0-9._@+-]{1,255})", StudentHandler),
    (r"/class/exercises/([a-z0-9-]{1,100})", ExerciseHandler),
    ("/class/export", ExportHandler),
    ("/class/assignments", AssignmentsHandler),
    (r"/class/assignments/([0-9]{1,18})", AssignmentHandler),
]
