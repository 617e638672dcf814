"""The submission use cases: grade and store once per idempotency key, read one's own history."""

from __future__ import annotations

from functools import partial

from .. import metrics
from ..db import driver_connection
from ..errors import Conflict, DomainError
from ..lti.passback import enqueue_solve
from . import submissions as subs
from .profile import read_profile, timezone_of
from .progress import store_with_progress


async def submit(ctx, who, req) -> tuple[dict, bool]:
    """Grade `req` for `who` and store it with its progress; (public view, created).

    A retry with a stored key gets the stored submission back without being graded or
    counted against the limits (per minute, and per exercise per course day) again; a retry
    racing the first attempt gets the row that won. A submission the grader turns away (busy)
    is given back to the day's count. The limiter marks each key it charges (in the same Redis call), so a new key, nearly every
    submission, is not looked up in Postgres first. The mark is per exercise, and a key marked but with nothing
    stored under it (an attempt still grading, or one that failed after grading) is graded only as a new
    submission of the day would be: counted per minute and against the day's cap again, so repeating a key
    never grades more than the cap allows.
    """
    exercise = ctx.bank_for(who).get(req.exercise_id)  # another course's exercise is not found
    user_id = await ctx.users.user_id(who)
    # graded submissions of this exercise today are capped: each tells whether the hidden tests passed
    cap = ctx.limiter.day_cap("submit", who.role, exercise.id, ctx.course_timezone)
    mark = f"{exercise.id}:{req.idempotency_key}"  # another exercise under the same key is charged as new
    new = await ctx.limiter.hit_once("submit", who.name, who.role, mark, cap)
    counted_again = False
    if new is not True:  # charged before under this key, or Redis could not tell: stored already?
        async with ctx.connection() as pg:
            existing = await subs.find_by_key(pg, user_id, req.idempotency_key)
            if existing is None and new is None and cap is not None:  # Redis is down: count today's in Postgres
                if await subs.count_since(pg, user_id, exercise.id, cap.starts(ctx.course_timezone)) >= cap.allowance:
                    ctx.limiter.refuse_cap("submit", cap)
        if existing is not None:
            return subs.to_public(_same_request(existing, req)), False
        if new is False:  # charged but not stored: an attempt still grading, or one that failed after grading
            # graded again, so counted again: per minute and against the day's cap
            await ctx.limiter.hit("submit", who.name, who.role, cap)
            counted_again = True
    try:
        # taking turns: one student's burst waits behind its own submissions, not in front of other students'
        result = await ctx.grader.grade(exercise, req.code, owner=user_id)
    except DomainError:  # nothing graded (a busy grader, too many of theirs waiting, a broken reference): not counted for the day
        if new is True:  # counted and marked above: both given back, so that a retry is new
            await ctx.limiter.refund("submit", who.name, cap, mark)
        elif counted_again:  # the key's mark belongs to the attempt before this one and stays
            await ctx.limiter.refund("submit", who.name, cap)
        raise
    if result.passed and ctx.lti is not None and ctx.lti.posting:
        # the LMS gradebook's score is queued in the same transaction, through the ORM
        async with ctx.sessionmaker() as session, session.begin():
            queue = partial(enqueue_solve, session, ctx.lti, user_id=user_id, exercise=exercise, now=ctx.clock(),
                            tz=ctx.course_timezone, daily_count=ctx.daily_count)
            stored, progress = await store_with_progress(await driver_connection(session), ctx.bank, user_id, exercise,
                                                         req.idempotency_key, req.code, result, ctx.clock(), ctx.course_timezone,
                                                         before_commit=queue)
    else:
        async with ctx.connection() as pg:
            stored, progress = await store_with_progress(pg, ctx.bank, user_id, exercise, req.idempotency_key, req.code, result,
                                                         ctx.clock(), ctx.course_timezone)
    created = progress is not None
    body = subs.to_public(stored if created else _same_request(stored, req))
    if created:
        body["progress"] = progress
        metrics.count_verdict(stored.status, stored.passed)
    return body, created


def _same_request(stored, req):
    """`stored`, when the retry asks for what it holds; a key reused for other code or another exercise is a 409,
    not the other submission passed off as this one's."""
    if stored.exercise_id != req.exercise_id or stored.code != req.code:
        raise Conflict(f"idempotency_key {req.idempotency_key!r} was used for another submission (other code or exercise): "
                       "send a new key with each new submission")
    return stored


async def my_history(ctx, who, limit: int, cursor: str | None, exercise_id: str | None, since: str | None, until: str | None, day: str | None) -> dict:
    """One page of `who`'s own submissions; dates in the window are days in their time zone."""
    user_id = await ctx.users.user_id(who)
    async with ctx.connection() as pg:
        window = (None, None)
        if (since, until, day) != (None, None, None):
            window = subs.parse_window(since, until, day, timezone_of(await read_profile(pg, user_id), ctx.course_timezone))
        return await subs.history(pg, user_id, limit, cursor, exercise_id, window)


async def my_submission(ctx, who, submission_id: int) -> dict:
    """One of `who`'s own submissions (someone else's looks missing)."""
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session:
        return subs.to_public(await subs.get_own(session, user_id, submission_id))
