"""Today's exercises for a student: the adaptive choice, fixed once per (student, day).

The choice itself is `api/learner/selector.py` (pure, shared with the benchmark). Here it
gets its inputs from the database and is stored in `daily_assignments`, so the set a
student sees does not change during the day (a restart, a second server, or the skill
moving after a submission all give the same set).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ...exercise_bank import Exercise
from ...exercise_bank.render import notebook_json
from ..learner.selector import History, Selector, item_from_exercise
from ..models import CourseAssignment, DailyAssignment, Submission
from .assignments import pinned_for
from .clock import local_day
from .profile import get_profile, timezone_of
from .progress import exercise_ratings, load_skills


@dataclass(frozen=True)
class Assigned:
    exercise: Exercise
    review: bool
    predicted: float
    pinned: bool = False  # pinned by an instructor for the student's group (not the adaptive choice)
    due_at: datetime | None = None


async def learner_history(session, bank, user_id: int, tz: str, interests) -> History:
    """Solved, attempted and failed-and-not-yet-passed topics, by local day."""
    stmt = select(Submission.exercise_id, Submission.passed, Submission.created_at).where(Submission.user_id == user_id).order_by(Submission.id)
    history = History(interests=frozenset(interests))
    zone = ZoneInfo(tz)
    for exercise_id, passed, created in await session.execute(stmt):
        if exercise_id not in bank:
            continue
        day, topic = created.astimezone(zone).date(), bank.get(exercise_id).topic
        history.attempted.add(exercise_id)
        if passed:
            history.solved[exercise_id] = day
            history.failed_topics.pop(topic, None)
        else:
            history.failed_topics[topic] = day
    return history


async def _stored(session, bank, user_id: int, day: date) -> list[Assigned]:
    stmt = (
        select(DailyAssignment, CourseAssignment.due_at)
        .outerjoin(CourseAssignment, CourseAssignment.id == DailyAssignment.assignment_id)
        .where(DailyAssignment.user_id == user_id, DailyAssignment.day == day)
        .order_by(DailyAssignment.position)
    )
    return [
        Assigned(bank.get(r.exercise_id), r.review, r.predicted, r.assignment_id is not None, due)
        for r, due in await session.execute(stmt)
        if r.exercise_id in bank
    ]


async def todays_exercises(
    session, bank, user_id: int, student: str, now: datetime, course_tz: str, count: int, groups=(), assignments_mode: str = "replace",
) -> tuple[date, str, list[Assigned]]:
    """(day, time zone, exercises) for the student; chosen on the first call of the day.

    Exercises an instructor pinned to the day for one of `groups` come first; in the
    ``replace`` mode they take the adaptive choice's places (all of them are delivered even
    when there are more than `count`), in ``beside`` they come in addition to it."""
    profile = await get_profile(session, user_id)
    tz = timezone_of(profile, course_tz)
    day = local_day(tz, now)
    stored = await _stored(session, bank, user_id, day)
    if stored:
        return day, tz, stored
    skills = await load_skills(session, user_id, profile.level if profile else None, now)
    history = await learner_history(session, bank, user_id, tz, profile.topics if profile else ())
    ratings = await exercise_ratings(session)
    pinned = [a for a in await pinned_for(session, groups, day) if a.exercise_id in bank]
    adaptive = max(0, count - len(pinned)) if assignments_mode == "replace" else count
    taken = {a.exercise_id for a in pinned}
    items = [item_from_exercise(ex, ratings) for ex in bank.all() if ex.id not in taken]
    rows = []
    for a in pinned:
        item = item_from_exercise(bank.get(a.exercise_id), ratings)
        rows.append({"exercise_id": a.exercise_id, "review": False, "assignment_id": a.id,
                     "predicted": round(skills.expected(item.topic, item.difficulty, item.difficulty_var), 4)})
    for c in Selector(items).choose(skills, history, student, day, adaptive) if adaptive else []:
        rows.append({"exercise_id": c.item.id, "review": c.review, "assignment_id": None, "predicted": round(c.predicted, 4)})
    if rows:
        values = [{"user_id": user_id, "day": day, "position": i, **row} for i, row in enumerate(rows)]
        await session.execute(insert(DailyAssignment).values(values).on_conflict_do_nothing())
    return day, tz, await _stored(session, bank, user_id, day)


async def todays_view(ctx, who, with_notebook: bool) -> dict:
    """Today's exercises for `who` (with each student notebook when asked), chosen once per day."""
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session, session.begin():
        day, tz, chosen = await todays_exercises(session, ctx.bank_for(who), user_id, who.name, ctx.clock(), ctx.course_timezone, ctx.daily_count,
                                                 who.groups, ctx.assignments_mode)
    items = []
    for assigned in chosen:
        item = {**assigned.exercise.summary(), "review": assigned.review, "predicted_success": assigned.predicted,
                "assigned": assigned.pinned, "due_at": assigned.due_at.isoformat() if assigned.due_at else None}
        if with_notebook:
            item["notebook"] = notebook_json(assigned.exercise, day=day.isoformat())
        items.append(item)
    return {"day": day.isoformat(), "timezone": tz, "exercises": items}


def exercise_view(bank, exercise_id: str, as_notebook: bool) -> dict:
    """One exercise as a student may see it: the student view, or the rendered notebook."""
    exercise = bank.get(exercise_id)
    return notebook_json(exercise) if as_notebook else exercise.student_view()
