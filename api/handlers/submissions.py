"""Submit work for grading, and read one's own submissions."""

from ..contract import operation
from ..responses import GradedSubmission, Submission, SubmissionPage
from ..schemas import SubmissionRequest, SubmissionsQuery
from ..services.submit import my_history, my_submission, submit
from .base import APIHandler


class SubmissionsHandler(APIHandler):
    @operation(
        "Grade and store a submission (once per idempotency key).",
        description="201: graded and stored now, with the progress it made. 200: a retry with a key already "
        "stored gets the stored submission back, neither graded nor counted again; 409: the key was used for other "
        "code or another exercise. 429 rate_limited (Retry-After): the per-minute limit, the day's cap for this exercise, "
        "or more of your submissions already waiting to be graded than Grader.per_user_waiting allows (a student's "
        "submissions are graded Grader.per_user_jobs at a time); 503 busy (Retry-After): the grading queue is full.",
        body=SubmissionRequest, ok={201: GradedSubmission, 200: Submission}, errors=(404, 409, 429),
    )
    async def post(self):
        who = self.require_user()
        body, created = await submit(self.ctx, who, self.parse(SubmissionRequest))
        self.reply(body, 201 if created else 200)

    @operation("The signed-in user's submissions, newest first.", query=SubmissionsQuery, ok={200: SubmissionPage})
    async def get(self):
        who = self.require_user()
        q = self.query(SubmissionsQuery)
        self.reply(await my_history(self.ctx, who, q.limit, q.cursor, q.exercise_id, q.since, q.until, q.day))


class SubmissionHandler(APIHandler):
    @operation("One of the signed-in user's submissions.", ok={200: Submission}, errors=(404,))
    async def get(self, submission_id):
        self.reply(await my_submission(self.ctx, self.require_user(), int(submission_id)))


default_handlers = [
    ("/submissions", SubmissionsHandler),
    (r"/submissions/(?P<submission_id>\d{1,18})", SubmissionHandler),
]
