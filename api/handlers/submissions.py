"""Submit work for grading, and read one's own submissions."""

from ..schemas import SubmissionRequest
from ..services.submit import my_history, my_submission, submit
from .base import APIHandler


class SubmissionsHandler(APIHandler):
    async def post(self):
        who = self.require_user()
        body, created = await submit(self.ctx, who, self.parse(SubmissionRequest))
        self.write_json(body, 201 if created else 200)

    async def get(self):
        who = self.require_user()
        arg = self.get_query_argument
        page = await my_history(
            self.ctx, who, self.int_argument("limit", 20), arg("cursor", None), arg("exercise_id", None), arg("since", None), arg("until", None), arg("day", None)
        )
        self.write_json(page)


class SubmissionHandler(APIHandler):
    async def get(self, submission_id):
        self.write_json(await my_submission(self.ctx, self.require_user(), int(submission_id)))


default_handlers = [
    ("/submissions", SubmissionsHandler),
    (r"/submissions/(\d{1,18})", SubmissionHandler),
]
