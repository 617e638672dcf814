"""The instructor endpoints (/api/v1/class/...): only the viewer's groups; admins see all."""

from ..contract import NO_CONTENT, operation
from ..responses import Assignment, AssignmentList, ClassExport, ExerciseAcrossClass, Overview, StudentDetail, StudentPage, Stuck
from ..schemas import AssignmentRequest, AssignmentsQuery, ExportQuery, OverviewQuery, StudentsQuery, StuckQuery, TimelineQuery
from ..services import assignments
from ..services import class_views as views
from .base import APIHandler, parse_day

CLASS_ERRORS = (403,)


class OverviewHandler(APIHandler):
    @operation("Class overview for an instructor's groups (admins: everyone).", query=OverviewQuery, ok={200: Overview}, errors=CLASS_ERRORS)
    async def get(self):
        who = self.require_user()
        self.reply(await views.overview(self.ctx, who, self.query(OverviewQuery).days))


class StuckHandler(APIHandler):
    @operation("Students with repeated failures or hints on one exercise in the last minutes, without a pass.", query=StuckQuery, ok={200: Stuck}, errors=CLASS_ERRORS)
    async def get(self):
        who = self.require_user()
        q = self.query(StuckQuery)
        self.reply(await views.stuck(self.ctx, who, q.minutes, q.failures, q.hints))


class StudentsHandler(APIHandler):
    @operation("The viewer's students with their totals, by name.", query=StudentsQuery, ok={200: StudentPage}, errors=CLASS_ERRORS)
    async def get(self):
        who = self.require_user()
        q = self.query(StudentsQuery)
        self.reply(await views.students(self.ctx, who, q.limit, q.cursor))


class StudentHandler(APIHandler):
    @operation("One student's timeline (submissions, hints) and skills per topic (audited).", query=TimelineQuery, ok={200: StudentDetail}, errors=(403, 404))
    async def get(self, name):
        who = self.require_user()
        q = self.query(TimelineQuery)
        self.reply(await views.student_view(self.ctx, who, name, q.limit, q.cursor))


class ExerciseHandler(APIHandler):
    @operation("One exercise across the class: attempts to pass, common errors, hint rungs.", ok={200: ExerciseAcrossClass}, errors=(403, 404))
    async def get(self, exercise_id):
        self.reply(await views.exercise_view(self.ctx, self.require_user(), exercise_id))


class ExportHandler(APIHandler):
    @operation("Grades and progress per student and exercise for a date range (the CSV export's data; audited).", query=ExportQuery, ok={200: ClassExport}, errors=CLASS_ERRORS)
    async def get(self):
        who = self.require_user()
        q = self.query(ExportQuery)
        self.reply(await views.class_export(self.ctx, who, q.first, q.last, q.limit, q.cursor))


class AssignmentsHandler(APIHandler):
    @operation("The exercises pinned to days for the viewer's groups (admins: all).", query=AssignmentsQuery, ok={200: AssignmentList}, errors=CLASS_ERRORS)
    async def get(self):
        who = self.require_user()
        q = self.query(AssignmentsQuery)
        since, until = parse_day("since", q.since), parse_day("until", q.until)
        self.reply(await assignments.list_assignments(self.ctx, who, q.group, since, until, q.limit))

    @operation("Pin an exercise to a day for one of the viewer's groups, with an optional due time.", body=AssignmentRequest, ok={201: Assignment}, errors=CLASS_ERRORS)
    async def post(self):
        who = self.require_user()
        self.reply(await assignments.create_assignment(self.ctx, who, self.parse(AssignmentRequest)), 201)


class AssignmentHandler(APIHandler):
    @operation("Remove an assignment of one of the viewer's groups.", ok={204: NO_CONTENT}, errors=(403, 404))
    async def delete(self, assignment_id):
        await assignments.delete_assignment(self.ctx, self.require_user(), int(assignment_id))
        self.reply(status=204)


default_handlers = [
    ("/class/overview", OverviewHandler),
    ("/class/stuck", StuckHandler),
    ("/class/students", StudentsHandler),
    (r"/class/students/(?P<name>[A-Za-z0-9._@+-]{1,255})", StudentHandler),
    (r"/class/exercises/(?P<exercise_id>[a-z0-9-]{1,100})", ExerciseHandler),
    ("/class/export", ExportHandler),
    ("/class/assignments", AssignmentsHandler),
    (r"/class/assignments/(?P<assignment_id>[0-9]{1,18})", AssignmentHandler),
]
