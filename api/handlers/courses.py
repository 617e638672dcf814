"""The course bank for instructors: what it serves, and importing an exercise from an authoring notebook."""

from ..contract import operation
from ..errors import Forbidden
from ..responses import CourseListing, ImportedExercise
from ..schemas import ImportRequest
from ..services.authoring import course_listing, import_notebook
from .base import APIHandler


class CourseExercisesHandler(APIHandler):
    def require_instructor(self):
        who = self.require_user()
        if who.role not in ("instructor", "admin"):
            raise Forbidden("the course bank is for instructors and admins: ask your instructor to import or change an exercise")
        return who

    @operation("Instructors: what the bank serves their groups (each exercise's origin, the course folders), the hidden built-ins and the published version; admins: all.", ok={200: CourseListing}, errors=(403,))
    async def get(self):
        """What the bank serves: each exercise's origin ('builtin' or its course folder), and the hidden built-ins."""
        who = self.require_instructor()
        self.reply(course_listing(self.ctx.bank_for(who), self.ctx.bank.version))

    @operation(
        "Instructors: validate an authoring notebook in the grader's sandbox, then store it in the course bank and publish it.",
        body=ImportRequest, ok={201: ImportedExercise}, errors=(403, 409, 429),
    )
    async def post(self):
        """Validate the notebook in the grader's sandbox; only then store it in the course bank and publish it."""
        who = self.require_instructor()
        req = self.parse(ImportRequest)
        await self.ctx.limiter.hit("import", who.name, who.role)
        user_id = await self.ctx.users.user_id(who)
        self.reply(await import_notebook(self.ctx, who, user_id, req.notebook), 201)


default_handlers = [
    ("/course/exercises", CourseExercisesHandler),
]
