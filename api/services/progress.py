"""Progress: skill beliefs, active days, streaks and badges, kept in step with submissions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from ...exercise_bank import Exercise
from ...exercise_bank.topics import TOPICS as TOPICS_IN_ORDER
from ..errors import InvalidRequest
from ..learner.progress import BADGES, BADGES_BY_ID, Facts, earned_badges, streaks
from ..learner.skills import (
    GENERAL,
    ITEM_MIN_VAR,
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
from . import submissions as subs
from .submissions import solved_ids

MAX_PAGE = 100
LOCK_NAMESPACE = 7402  # pg_advisory_xact_lock(namespace, user): one progress update per student at a time


async def lock_student(session, user_id: int) -> None:
    """Take the student's progress lock until the end of the transaction."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:ns, :uid)"), {"ns": LOCK_NAMESPACE, "uid": user_id % 2**31})


async def save_skills(session, user_id: int, state: SkillState, topics, now: datetime) -> None:
    for topic in topics:
        b = state.belief(topic)
        values = {"mean": b.mean, "var": b.var, "attempts": b.attempts, "successes": b.successes, "updated_at": now}
        stmt = insert(Skill).values(user_id=user_id, topic=topic, **values)
        await session.execute(stmt.on_conflict_do_update(index_elements=[Skill.user_id, Skill.topic], set_=values))


async def load_skills(session, user_id: int, level: str | None, now: datetime) -> SkillState:
    """The student's beliefs from the skills table, widened for the time since each was updated."""
    rows = (await session.execute(select(Skill).where(Skill.user_id == user_id))).scalars()
    return _skill_state(level, [(r.topic, r.mean, r.var, r.attempts, r.successes, r.shown_floor, r.updated_at) for r in rows], now)


async def exercise_ratings(session) -> dict[str, Belief]:
    """Every exercise's learned difficulty (exercises nobody attempted yet are missing).

    The same table keeps each test's rating under `key_of_test` (with a "#"); those are left out.
    """
    rows = (await session.execute(select(ExerciseRating).where(ExerciseRating.exercise_id.not_like("%#%")))).scalars()
    return {r.exercise_id: Belief(r.mean, r.var, r.attempts, r.successes) for r in rows}


def graded_tests(sub) -> list[tuple[str, bool, bool]]:
    """(test name, passed, hidden) for each test the grader ran; empty when the code did not get graded."""
    if sub.status != "graded":
        return []
    return [(str(r["name"]), bool(r.get("passed")), bool(r.get("hidden"))) for r in sub.results or [] if isinstance(r, dict) and "name" in r]


# Storing a submission with its progress is the hot half of POST /submissions. It is two calls
# of server-side functions (migration 0011) on one connection, one round trip each: the INSERT
# and the reads (after the student's lock), then the writes with the COMMIT. In between: plain
# Python. Each call runs the statements the progress needs in order inside the transaction.

def _call(function: str, types: str) -> str:
    """SELECT * FROM function(%s::type, ...): every parameter typed, so that no value's own type picks another overload."""
    return f"SELECT * FROM {function}(" + ", ".join(f"%s::{t}" for t in types.split()) + ")"


_STORE_AND_READ = _call("codementor_store_submission", "bigint varchar int varchar text varchar boolean float8 jsonb text float8 "
                        "int varchar[] float8[] float8[] int")

_RECORD = _call("codementor_record_progress", "bigint bigint timestamptz varchar[] float8[] float8[] int[] int[] "
                "varchar[] float8[] float8[] int[] int[] float8 varchar float8 date int varchar[]")


@dataclass
class _Read:
    """What the read batch found for one submission."""

    level: str | None
    timezone: str | None
    earlier: list[bool]
    days: list[date]
    solved_ids: list[str]
    submissions: int
    skills: list[tuple]
    ratings: dict[str, Belief]  # empty when this attempt does not move them
    ratings_read: dict[str, Belief]  # the same, as read (the step written is the difference)


def _rating_priors(exercise: Exercise, test_keys: list[str]) -> tuple[list[str], list[float], list[float]]:
    nominal = LEVEL_DIFFICULTY.get(exercise.difficulty, 0.0)
    keys = [exercise.id, *test_keys]
    return keys, [nominal] + [nominal - TEST_OFFSET] * len(test_keys), [ITEM_PRIOR_VAR] + [TEST_PRIOR_VAR] * len(test_keys)


async def _insert_and_read(pg, user_id: int, exercise: Exercise, params: dict, test_keys: list[str]) -> tuple[tuple | None, _Read]:
    """Insert the submission, lock the student, read their state and the ratings the attempt may move: one round trip.

    The INSERT's (id, hint_count, created_at), None when the key was stored before; then the
    reads are of no use and the caller writes nothing.
    """
    keys, means, variances = _rating_priors(exercise, test_keys)
    async with pg.pipeline():  # the transaction's BEGIN goes out with the call
        cur = await pg.execute(_STORE_AND_READ, (
            user_id, exercise.id, params["version"], params["key"], params["code"], params["status"], params["passed"],
            params["score"], params["results"], params["message"], params["duration_ms"],
            LOCK_NAMESPACE, keys, means, variances, MAX_ATTEMPTS_COUNTED))
    (sub_id, hint_count, created, level, tz, earlier, days, solved, total,
     topics, s_means, s_vars, s_attempts, s_successes, floors, updated, r_keys, r_means, r_vars, r_attempts, r_successes) = await cur.fetchone()
    if sub_id is None:
        return None, None
    skills = list(zip(topics, s_means or [], s_vars or [], s_attempts or [], s_successes or [], floors or [], updated or []))
    rows = list(zip(r_keys, r_means or [], r_vars or [], r_attempts or [], r_successes or []))
    moving = {k: Belief(m, v, a, n) for k, m, v, a, n in rows}  # the filter step changes these in place
    read = {k: Belief(m, v, a, n) for k, m, v, a, n in rows}
    return (sub_id, hint_count, created), _Read(level, tz, earlier, days, solved, total, skills, moving, read)


def _skill_state(level: str | None, rows: list[tuple], now: datetime) -> SkillState:
    """Beliefs from skills rows (topic, mean, var, attempts, successes, shown_floor, updated_at), each widened for its age."""
    state = SkillState(level=level)
    for topic, mean, var, attempts, successes, floor, updated in rows:
        state.beliefs[topic] = Belief(mean, var, attempts, successes)
        if floor is not None:
            state.floors[topic] = floor
        state.age((now - updated).total_seconds() / 86400, topic)
    return state


def _step(state: SkillState, exercise: Exercise, sub, ratings: dict[str, Belief]) -> None:
    """One filter step for the student's skills and the ratings of the exercise and its tests.

    A graded submission counts test by test (partial credit); one that did not run (load
    error, timeout, crash) counts as a plain failure.
    """
    rating = ratings[exercise.id]
    results = graded_tests(sub)
    if results:
        pairs = [(ratings[key_of_test(exercise.id, name)], ok) for name, ok, _ in results]
        hidden = frozenset(i for i, (_, _, is_hidden) in enumerate(results) if is_hidden)  # the student sees only their count
        state.update_tests(exercise.topic, rating, pairs, sub.passed, sub.hint_count, hidden)
    else:
        state.update(exercise.topic, rating, attempt_credit(sub.passed, sub.score, sub.hint_count))


def _columns(beliefs: dict[str, Belief]) -> list:
    """Keys, means, variances, attempts and successes, as five parallel lists."""
    items = sorted(beliefs.items())
    return [[k for k, _ in items], [b.mean for _, b in items], [b.var for _, b in items], [b.attempts for _, b in items],
            [b.successes for _, b in items]]


def _steps(after: dict[str, Belief], before: dict[str, Belief]) -> dict[str, Belief]:
    return {k: Belief(after[k].mean - before[k].mean, after[k].var - before[k].var, after[k].attempts - before[k].attempts,
                      after[k].successes - before[k].successes) for k in after}


async def _write(pg, user_id: int, sub, topic: str, state: SkillState, found: _Read, floor: float | None,
                 day: date, new_solve: bool, badges: list[str], now: datetime) -> list[str]:
    """Skills, ratings, the day and the badges, and the COMMIT, in one round trip; the badges that are new."""
    moved = {GENERAL: state.belief(GENERAL), topic: state.belief(topic)} if found.ratings else {}
    steps = _steps(found.ratings, found.ratings_read)
    async with pg.pipeline():
        awarded = await pg.execute(_RECORD, (user_id, sub.id, now, *_columns(moved), *_columns(steps), ITEM_MIN_VAR,
                                             topic, floor, day, int(new_solve), badges))
        await pg.execute("COMMIT")
    new = {b for (b,) in await awarded.fetchall()}
    return [b for b in badges if b in new]


async def store_with_progress(pg, bank, user_id: int, exercise: Exercise, key: str, code: str, result, now: datetime,
                              course_tz: str, before_commit=None) -> tuple[subs.SubmissionRow, dict | None]:
    """Store a graded submission once and update skill, active days, streak and badges with it: two round trips.

    `pg` is a psycopg connection not inside a transaction of its own making (a pooled one, or
    the one under a SQLAlchemy session, `db.driver_connection`); both batches run in one
    transaction, which the last COMMITs: a stored submission always has its progress. A key
    stored before gives that submission and None, and nothing is written. The student's
    advisory lock serialises their progress updates; the ratings of the exercise and its
    tests, shared by the class, are locked only for the moment their step is added.
    `before_commit()`, when given, runs in the transaction once a new submission's progress is
    known, before the writes and the COMMIT.
    """
    params = subs.store_params(user_id, exercise, key, code, result)
    test_keys = sorted({key_of_test(exercise.id, t.name) for t in result.tests}) if result.status == "graded" else []
    returned, found = await _insert_and_read(pg, user_id, exercise, params, test_keys)
    if returned is None:  # stored before under this key
        return await subs.find_by_key(pg, user_id, key), None
    sub = subs.stored_row(params, returned)
    if before_commit is not None:
        await before_commit()
    return sub, await _record(pg, bank, user_id, exercise, sub, found, now, course_tz)


async def _record(pg, bank, user_id: int, exercise: Exercise, sub, found: _Read, now: datetime, course_tz: str) -> dict:
    """The progress a new submission makes from what was read, written with the COMMIT; what the student is shown."""
    day = local_day(found.timezone or course_tz, now)
    solved_before = any(found.earlier)
    state = _skill_state(found.level, found.skills, now)
    shown_before = state.shown_level(exercise.topic)
    if found.ratings:
        _step(state, exercise, sub, found.ratings)
    floor = state.note_solve(exercise.topic, shown_before) if sub.passed else None
    days = sorted(set(found.days) | {day})
    streak = streaks(days, day)
    before = [d for d in days if d < day]
    facts = Facts(
        passed=sub.passed, hints=sub.hint_count, difficulty=exercise.difficulty,
        earlier_attempts=len(found.earlier), earlier_failures=sum(not p for p in found.earlier), solved_before=solved_before,
        submissions=found.submissions, solved_exercises=len(found.solved_ids),
        solved_topics=len({bank.get(i).topic for i in found.solved_ids if i in bank}), streak=streak["current"],
        gap_days=(day - max(before)).days if before else None,
        mastered_topics=sum(state.mastered(t) for t in state.beliefs if t != GENERAL),
    )
    new_badges = await _write(pg, user_id, sub, exercise.topic, state, found, floor, day, sub.passed and not solved_before,
                              earned_badges(facts), now)
    return {"day": day.isoformat(), "streak": streak, "skill": state.summary(exercise.topic), "new_badges": [badge_view(b) for b in new_badges]}


def badge_view(badge_id: str, row: Badge | _BadgeRow | None = None) -> dict:
    rule = BADGES_BY_ID[badge_id]
    data = {"id": rule.id, "title": rule.title, "rule": rule.rule}
    if row is not None:
        data.update(day=row.day.isoformat(), awarded_at=row.awarded_at.isoformat())
    return data


def _topics(bank, state: SkillState) -> list[str]:
    present = {ex.topic for ex in bank.all()} | {t for t in state.beliefs if t != GENERAL}
    return [t for t in TOPICS_IN_ORDER if t in present] + sorted(present - set(TOPICS_IN_ORDER))


# What the progress view reads, one pipelined round trip of plain statements (GET /progress
# and %progress; the ORM's work per statement cost more than the statements)
_VIEW_PROFILE = "SELECT level, timezone FROM learner_profiles WHERE user_id = %s"
_VIEW_DAYS = "SELECT day FROM activity_days WHERE user_id = %s"
_VIEW_SKILLS = "SELECT topic, mean, var, attempts, successes, shown_floor, updated_at FROM skills WHERE user_id = %s"
_VIEW_BADGES = "SELECT badge, day, awarded_at FROM badges WHERE user_id = %s ORDER BY id"
_VIEW_TOTAL = "SELECT count(*) FROM submissions WHERE user_id = %s"
_VIEW_SOLVED = "SELECT DISTINCT exercise_id FROM submissions WHERE user_id = %s AND passed"


@dataclass(frozen=True)
class _BadgeRow:
    badge: str
    day: date
    awarded_at: datetime


async def progress_view(pg, bank, user_id: int, now: datetime, course_tz: str) -> dict:
    """Streak, skills per topic, badges and totals of one student (`pg`: a psycopg connection; reads only)."""
    async with pg.pipeline():
        cursors = [await pg.execute(q, (user_id,)) for q in (_VIEW_PROFILE, _VIEW_DAYS, _VIEW_SKILLS, _VIEW_BADGES, _VIEW_TOTAL, _VIEW_SOLVED)]
        if not pg.autocommit:
            await pg.execute("COMMIT")  # reads only: nothing to keep, no ROLLBACK round trip later
    profile, day_rows, skill_rows, badge_rows, (total,), solved_rows = [
        await cursors[0].fetchone(), await cursors[1].fetchall(), await cursors[2].fetchall(), await cursors[3].fetchall(),
        await cursors[4].fetchone(), await cursors[5].fetchall()]
    level, own_tz = profile or (None, None)
    tz = own_tz or course_tz
    today = local_day(tz, now)
    days = [d for (d,) in day_rows]
    state = _skill_state(level, skill_rows, now)
    earned = [badge_view(b, _BadgeRow(b, d, at)) for b, d, at in badge_rows if b in BADGES_BY_ID]
    have = {b["id"] for b in earned}
    solved = [i for (i,) in solved_rows if i in bank]
    per_topic = Counter(bank.get(i).topic for i in solved)
    solved_count, topics_solved = len(solved), len(per_topic)
    return {
        "timezone": tz,
        "today": today.isoformat(),
        "streak": streaks(days, today),
        # the skill model counts early attempts only; "solved" is every exercise passed, ever
        "skills": [{**state.summary(t), "solved": per_topic[t]} for t in _topics(bank, state)],
        "badges": earned,
        "badges_to_earn": [badge_view(b.id) for b in BADGES if b.id not in have],
        "totals": {"submissions": total, "solved": solved_count, "topics_solved": topics_solved, "active_days": len(days)},
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
    async with ctx.connection() as pg:
        view = await progress_view(pg, ctx.bank_for(who), user_id, ctx.clock(), ctx.course_timezone)
    return {"name": who.name, **view}


async def my_progress_history(ctx, who, limit: int, cursor: str | None) -> dict:
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session:
        return await progress_history(session, user_id, limit, cursor)
