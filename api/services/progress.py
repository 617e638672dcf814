"""Progress: skill beliefs, active days, streaks and badges, kept in step with submissions."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from ...exercise_bank import Exercise
from ...exercise_bank.topics import TOPICS as TOPICS_IN_ORDER
from ..errors import InvalidRequest
from ..learner.progress import BADGES, BADGES_BY_ID, Facts, earned_badges, streaks
from ..learner.skills import (
    GENERAL,
    ITEM_PRIOR_VAR,
    LEVEL_DIFFICULTY,
    MAX_ATTEMPTS_COUNTED,
    TEST_OFFSET,
    TEST_PRIOR_VAR,
    Belief,
    SkillState,
    attempt_credit,
    key_of_test,
)
from ..models import ActivityDay, Badge, ExerciseRating, Skill, Submission
from .clock import local_day
from .pagination import check_page_limit, decode_text_cursor, encode_text_cursor
from .profile import get_profile, timezone_of

MAX_PAGE = 100
LOCK_NAMESPACE = 7402  # pg_advisory_xact_lock(namespace, user): one progress update per student at a time


async def lock_student(session, user_id: int) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:ns, :uid)"), {"ns": LOCK_NAMESPACE, "uid": user_id % 2**31})


async def load_skills(session, user_id: int, level: str | None, now: datetime) -> SkillState:
    """The student's beliefs from the skills table, widened for the time since each was updated."""
    state = SkillState(level=level)
    for row in (await session.execute(select(Skill).where(Skill.user_id == user_id))).scalars():
        state.beliefs[row.topic] = Belief(row.mean, row.var, row.attempts, row.successes)
        if row.shown_floor is not None:
            state.floors[row.topic] = row.shown_floor
        state.age((now - row.updated_at).total_seconds() / 86400, row.topic)
    return state


async def save_skills(session, user_id: int, state: SkillState, topics, now: datetime) -> None:
    for topic in topics:
        b = state.belief(topic)
        values = {"mean": b.mean, "var": b.var, "attempts": b.attempts, "successes": b.successes, "updated_at": now}
        stmt = insert(Skill).values(user_id=user_id, topic=topic, **values)
        await session.execute(stmt.on_conflict_do_update(index_elements=[Skill.user_id, Skill.topic], set_=values))


async def save_floor(session, user_id: int, topic: str, floor: float) -> None:
    """Store the shown estimate's floor of a topic (its row exists: the topic was attempted)."""
    await session.execute(update(Skill).where(Skill.user_id == user_id, Skill.topic == topic).values(shown_floor=floor))


async def exercise_ratings(session) -> dict[str, Belief]:
    """Every exercise's learned difficulty (exercises nobody attempted yet are missing).

    The same table keeps each test's rating under `key_of_test` (with a "#"); those are left out.
    """
    rows = (await session.execute(select(ExerciseRating).where(ExerciseRating.exercise_id.not_like("%#%")))).scalars()
    return {r.exercise_id: Belief(r.mean, r.var, r.attempts, r.successes) for r in rows}


async def _rating_for_update(session, exercise: Exercise) -> Belief:
    nominal = LEVEL_DIFFICULTY.get(exercise.difficulty, 0.0)
    stmt = insert(ExerciseRating).values(exercise_id=exercise.id, mean=nominal, var=ITEM_PRIOR_VAR, attempts=0, successes=0)
    await session.execute(stmt.on_conflict_do_nothing())
    row = (await session.execute(select(ExerciseRating).where(ExerciseRating.exercise_id == exercise.id).with_for_update().execution_options(populate_existing=True))).scalar_one()
    return Belief(row.mean, row.var, row.attempts, row.successes)


async def _test_ratings_for_update(session, exercise: Exercise, names: list[str]) -> dict[str, Belief]:
    """The ratings of the named tests of `exercise`, by key, created at their prior and locked."""
    keys = sorted({key_of_test(exercise.id, n) for n in names})
    mean = LEVEL_DIFFICULTY.get(exercise.difficulty, 0.0) - TEST_OFFSET
    rows = [{"exercise_id": k, "mean": mean, "var": TEST_PRIOR_VAR, "attempts": 0, "successes": 0} for k in keys]
    await session.execute(insert(ExerciseRating).values(rows).on_conflict_do_nothing())
    stmt = select(ExerciseRating).where(ExerciseRating.exercise_id.in_(keys)).order_by(ExerciseRating.exercise_id)
    found = (await session.execute(stmt.with_for_update().execution_options(populate_existing=True))).scalars()
    return {r.exercise_id: Belief(r.mean, r.var, r.attempts, r.successes) for r in found}


async def _save_rating(session, exercise_id: str, b: Belief, now: datetime) -> None:
    values = {"mean": b.mean, "var": b.var, "attempts": b.attempts, "successes": b.successes, "updated_at": now}
    await session.execute(update(ExerciseRating).where(ExerciseRating.exercise_id == exercise_id).values(**values))


def graded_tests(sub: Submission) -> list[tuple[str, bool]]:
    """(test name, passed) for each test the grader ran; empty when the code did not get graded."""
    if sub.status != "graded":
        return []
    return [(str(r["name"]), bool(r.get("passed"))) for r in sub.results or [] if isinstance(r, dict) and "name" in r]


async def _update_skill(session, user_id: int, state: SkillState, exercise: Exercise, sub: Submission, now: datetime) -> None:
    """One filter step for the student's skills and the ratings of the exercise and its tests.

    A graded submission counts test by test (partial credit); one that did not run (load
    error, timeout, crash) counts as a plain failure.
    """
    rating = await _rating_for_update(session, exercise)
    results = graded_tests(sub)
    if results:
        tests = await _test_ratings_for_update(session, exercise, [name for name, _ in results])
        pairs = [(tests[key_of_test(exercise.id, name)], ok) for name, ok in results]
        state.update_tests(exercise.topic, rating, pairs, sub.passed, sub.hint_count)
        for key, b in tests.items():
            await _save_rating(session, key, b, now)
    else:
        state.update(exercise.topic, rating, attempt_credit(sub.passed, sub.score, sub.hint_count))
    await save_skills(session, user_id, state, (GENERAL, exercise.topic), now)
    await _save_rating(session, exercise.id, rating, now)


async def _earlier_attempts(session, user_id: int, exercise_id: str, before_id: int) -> list[bool]:
    stmt = select(Submission.passed).where(
        Submission.user_id == user_id, Submission.exercise_id == exercise_id, Submission.id < before_id
    )
    return list((await session.execute(stmt)).scalars())


async def _mark_day(session, user_id: int, day: date, new_solve: bool) -> list[date]:
    stmt = insert(ActivityDay).values(user_id=user_id, day=day, submissions=1, solved=int(new_solve))
    stmt = stmt.on_conflict_do_update(
        index_elements=[ActivityDay.user_id, ActivityDay.day],
        set_={"submissions": ActivityDay.submissions + 1, "solved": ActivityDay.solved + stmt.excluded.solved},
    )
    await session.execute(stmt)
    return list((await session.execute(select(ActivityDay.day).where(ActivityDay.user_id == user_id))).scalars())


async def _solved_ids(session, user_id: int) -> list[str]:
    stmt = select(Submission.exercise_id).where(Submission.user_id == user_id, Submission.passed.is_(True)).distinct()
    return list((await session.execute(stmt)).scalars())


async def _solved(session, bank, user_id: int) -> tuple[int, int]:
    """(distinct exercises solved, distinct topics solved)."""
    ids = await _solved_ids(session, user_id)
    return len(ids), len({bank.get(i).topic for i in ids if i in bank})


async def _award(session, user_id: int, badges: list[str], day: date, submission_id: int) -> list[str]:
    if not badges:
        return []
    rows = [{"user_id": user_id, "badge": b, "day": day, "submission_id": submission_id} for b in badges]
    stmt = insert(Badge).values(rows).on_conflict_do_nothing(constraint="uq_badges_user_badge").returning(Badge.badge)
    new = set((await session.execute(stmt)).scalars())
    return [b for b in badges if b in new]


async def record_submission(session, bank, user_id: int, exercise: Exercise, sub: Submission, now: datetime, course_tz: str) -> dict:
    """Update skill, active days, streak and badges for a submission just inserted (same transaction)."""
    await lock_student(session, user_id)
    profile = await get_profile(session, user_id)
    day = local_day(timezone_of(profile, course_tz), now)
    earlier = await _earlier_attempts(session, user_id, exercise.id, sub.id)
    solved_before = any(earlier)
    state = await load_skills(session, user_id, profile.level if profile else None, now)
    shown_before = state.shown_level(exercise.topic)
    if not solved_before and len(earlier) < MAX_ATTEMPTS_COUNTED:
        await _update_skill(session, user_id, state, exercise, sub, now)
    if sub.passed:
        await save_floor(session, user_id, exercise.topic, state.note_solve(exercise.topic, shown_before))
    days = await _mark_day(session, user_id, day, sub.passed and not solved_before)
    streak = streaks(days, day)
    before = [d for d in days if d < day]
    solved_count, solved_topics = await _solved(session, bank, user_id)
    total = (await session.execute(select(func.count()).select_from(Submission).where(Submission.user_id == user_id))).scalar_one()
    facts = Facts(
        passed=sub.passed, hints=sub.hint_count, difficulty=exercise.difficulty,
        earlier_attempts=len(earlier), earlier_failures=sum(not p for p in earlier), solved_before=solved_before,
        submissions=total, solved_exercises=solved_count, solved_topics=solved_topics, streak=streak["current"],
        gap_days=(day - max(before)).days if before else None,
        mastered_topics=sum(state.mastered(t) for t in state.beliefs if t != GENERAL),
    )
    new_badges = await _award(session, user_id, earned_badges(facts), day, sub.id)
    return {"day": day.isoformat(), "streak": streak, "skill": state.summary(exercise.topic), "new_badges": [badge_view(b) for b in new_badges]}


def badge_view(badge_id: str, row: Badge | None = None) -> dict:
    rule = BADGES_BY_ID[badge_id]
    data = {"id": rule.id, "title": rule.title, "rule": rule.rule}
    if row is not None:
        data.update(day=row.day.isoformat(), awarded_at=row.awarded_at.isoformat())
    return data


def _topics(bank, state: SkillState) -> list[str]:
    present = {ex.topic for ex in bank.all()} | {t for t in state.beliefs if t != GENERAL}
    return [t for t in TOPICS_IN_ORDER if t in present] + sorted(present - set(TOPICS_IN_ORDER))


async def progress_view(session, bank, user_id: int, now: datetime, course_tz: str) -> dict:
    """Streak, skills per topic, badges and totals of one student."""
    profile = await get_profile(session, user_id)
    tz = timezone_of(profile, course_tz)
    today = local_day(tz, now)
    days = list((await session.execute(select(ActivityDay).where(ActivityDay.user_id == user_id))).scalars())
    state = await load_skills(session, user_id, profile.level if profile else None, now)
    badges = (await session.execute(select(Badge).where(Badge.user_id == user_id).order_by(Badge.id))).scalars()
    earned = [badge_view(b.badge, b) for b in badges if b.badge in BADGES_BY_ID]
    have = {b["id"] for b in earned}
    total = (await session.execute(select(func.count()).select_from(Submission).where(Submission.user_id == user_id))).scalar_one()
    solved_ids = [i for i in await _solved_ids(session, user_id) if i in bank]
    per_topic = Counter(bank.get(i).topic for i in solved_ids)
    solved, topics_solved = len(solved_ids), len(per_topic)
    return {
        "timezone": tz,
        "today": today.isoformat(),
        "streak": streaks([d.day for d in days], today),
        # the skill model counts early attempts only; "solved" is every exercise passed, ever
        "skills": [{**state.summary(t), "solved": per_topic[t]} for t in _topics(bank, state)],
        "badges": earned,
        "badges_to_earn": [badge_view(b.id) for b in BADGES if b.id not in have],
        "totals": {"submissions": total, "solved": solved, "topics_solved": topics_solved, "active_days": len(days)},
    }


def _encode_day(day: date) -> str:
    return encode_text_cursor(day.isoformat())


def _decode_day(cursor: str) -> date:
    try:
        return date.fromisoformat(decode_text_cursor(cursor))
    except ValueError:
        raise InvalidRequest("the cursor is not one this API gave out") from None


async def progress_history(session, user_id: int, limit: int, cursor: str | None) -> dict:
    """The student's active days, newest first, with the badges earned on each."""
    check_page_limit(limit, MAX_PAGE)
    stmt = select(ActivityDay).where(ActivityDay.user_id == user_id).order_by(ActivityDay.day.desc()).limit(limit + 1)
    if cursor:
        stmt = stmt.where(ActivityDay.day < _decode_day(cursor))
    rows = list((await session.execute(stmt)).scalars())
    page = rows[:limit]
    badges: dict[date, list] = {}
    if page:
        found = await session.execute(
            select(Badge).where(Badge.user_id == user_id, Badge.day >= page[-1].day, Badge.day <= page[0].day).order_by(Badge.id)
        )
        for b in found.scalars():
            if b.badge in BADGES_BY_ID:
                badges.setdefault(b.day, []).append(badge_view(b.badge, b))
    return {
        "items": [{"day": r.day.isoformat(), "submissions": r.submissions, "solved": r.solved, "badges": badges.get(r.day, [])} for r in page],
        "next_cursor": _encode_day(page[-1].day) if len(rows) > limit else None,
    }


def local_date_of(ts: datetime, tz: str) -> date:
    return ts.astimezone(ZoneInfo(tz)).date()


async def my_progress(ctx, who) -> dict:
    """`who`'s streak, skill per topic, badges and totals."""
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session:
        view = await progress_view(session, ctx.bank, user_id, ctx.clock(), ctx.course_timezone)
    return {"name": who.name, **view}


async def my_progress_history(ctx, who, limit: int, cursor: str | None) -> dict:
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session:
        return await progress_history(session, user_id, limit, cursor)
