"""The course bank for instructors: what it serves, and importing an exercise from an authoring notebook."""

from ..errors import Forbidden
from ..schemas import ImportRequest
from ..services.authoring import course_listing, import_notebook
from .base import APIHandler


class CourseExercisesHandler(APIHandler):
    def require_instructor(self):
        who = self.require_user()
        if who.role not in ("instructor", "admin"):
            raise Forbidden("the course bank is for instructors and admins")
        return who

    async def get(self):
        """What the bank serves: each exercise's origin ('builtin' or its course folder), and the hidden built-ins."""
        self.require_instructor()
        self.write_json(course_listing(self.ctx.bank))

    async def post(self):
        """Validate the notebook in the grader's sandbox; only then store it in the course bank and publish it."""
        who = self.require_instructor()
        req = self.parse(ImportRequest)
        await self.ctx.limiter.hit("import", who.name, who.role)
        user_id = await self.ctx.users.user_id(who)
        self.write_json(await import_notebook(self.ctx, user_id, req.notebook), 201)


default_handlers = [
    ("/course/exercises", CourseExercisesHandler),
]
