"""The learner services against the real Postgres: streaks and days by time zone, skills,
badges awarded once, today's choice fixed per (student, day), submissions stored once."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from codementor.api import db
from codementor.api.grader.verdict import GradeResult
from codementor.api.grader.verdict import TestResult as GradedTest
from codementor.api.learner.skills import ITEM_PRIOR_VAR, key_of_test
from codementor.api.models import Badge, ExerciseRating, HintEvent, Skill, User
from codementor.api.services import submissions as subs
from codementor.api.services.profile import put_profile
from codementor.api.services.progress import exercise_ratings, progress_history, progress_view, store_with_progress
from codementor.api.services.today import todays_exercises

T0 = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
_keys = itertools.count()


@pytest.fixture(scope="module")
def sessions(services):
    return db.make_sessionmaker(db.make_engine(services.database_url, pool_size=4))


async def new_user(sessions, name: str, level: str | None = None, tz: str | None = None) -> int:
    async with sessions() as s, s.begin():
        stmt = insert(User).values(name=name, role="student").on_conflict_do_update(index_elements=[User.name], set_={"role": "student"})
        uid = (await s.execute(stmt.returning(User.id))).scalar_one()
        if level:
            await put_profile(s, uid, level, [], tz)
    return uid


def graded(passed: bool) -> GradeResult:
    return GradeResult("graded", [GradedTest("a", False, True), GradedTest("b", True, passed)], "", 5.0)


async def submit(sessions, bank, uid: int, exercise, passed: bool, now: datetime, hints: int = 0, key: str | None = None) -> dict:
    async with sessions() as s, s.begin():
        for rung in range(1, hints + 1):
            s.add(HintEvent(user_id=uid, exercise_id=exercise.id, rung=rung))
        await s.flush()
        stored, progress = await store_with_progress(await db.driver_connection(s), bank, uid, exercise, key or f"key-{next(_keys):08d}", "pass\n", graded(passed), now, "UTC")
    return {"id": stored.id, "created": progress is not None, "progress": progress}


async def badge_rows(sessions, uid: int) -> list[str]:
    async with sessions() as s:
        return list((await s.execute(select(Badge.badge).where(Badge.user_id == uid))).scalars())


async def test_days_and_streaks_follow_the_students_time_zone(sessions, bank):
    ex = bank.all()[0]
    utc = await new_user(sessions, "tz-utc", "beginner", "UTC")
    auckland = await new_user(sessions, "tz-auckland", "beginner", "Pacific/Auckland")  # UTC+13 in March
    later = T0 + timedelta(hours=11)  # 10:30 UTC on March 2 = 23:30 in Auckland, still March 2 there
    for uid in (utc, auckland):
        await submit(sessions, bank, uid, ex, False, T0)
    last_utc = await submit(sessions, bank, utc, ex, False, later)
    last_akl = await submit(sessions, bank, auckland, ex, False, later)
    assert last_utc["progress"]["day"] == "2026-03-02" and last_utc["progress"]["streak"]["current"] == 2
    assert last_akl["progress"]["day"] == "2026-03-02" and last_akl["progress"]["streak"]["current"] == 1
    async with sessions() as s:
        view = await progress_view(await db.driver_connection(s), bank, auckland, later + timedelta(days=1), "UTC")
        gone = await progress_view(await db.driver_connection(s), bank, auckland, later + timedelta(days=2), "UTC")
    assert view["streak"] == {"current": 1, "longest": 1, "active_today": False}  # yesterday still counts
    assert gone["streak"]["current"] == 0 and gone["timezone"] == "Pacific/Auckland"


async def test_a_week_streak_and_a_comeback_are_awarded_once(sessions, bank):
    ex = bank.all()[0]
    uid = await new_user(sessions, "streaker", "beginner", "Europe/Paris")
    for day in range(8):
        result = await submit(sessions, bank, uid, ex, False, T0 + timedelta(days=day))
    assert result["progress"]["streak"]["current"] == 8
    back = await submit(sessions, bank, uid, ex, True, T0 + timedelta(days=20))
    assert back["progress"]["streak"]["current"] == 1
    assert {b["id"] for b in back["progress"]["new_badges"]} >= {"comeback", "first-solve", "persistence"}
    await submit(sessions, bank, uid, ex, True, T0 + timedelta(days=40))
    earned = await badge_rows(sessions, uid)
    assert sorted(earned) == sorted(set(earned))  # each badge once
    assert {"first-steps", "streak-3", "streak-7", "comeback", "persistence"} <= set(earned)
    assert "on-your-own" not in earned or "first-try" not in earned
    async with sessions() as s:
        page1 = await progress_history(s, uid, 5, None)
        page2 = await progress_history(s, uid, 5, page1["next_cursor"])
    days = [d["day"] for d in page1["items"] + page2["items"]]
    assert len(days) == 10 and days == sorted(days, reverse=True) and page2["next_cursor"] is None


async def test_skills_weigh_hints_and_ignore_resubmissions(sessions, bank):
    ex = bank.all()[0]
    clean = await new_user(sessions, "skill-clean", "beginner")
    hinted = await new_user(sessions, "skill-hinted", "beginner")
    await submit(sessions, bank, clean, ex, True, T0)
    await submit(sessions, bank, hinted, ex, True, T0, hints=3)

    async def mean(uid):
        async with sessions() as s:
            return (await s.execute(select(Skill.mean).where(Skill.user_id == uid, Skill.topic == ex.topic))).scalar_one()

    assert await mean(clean) > await mean(hinted) > 0
    before = await mean(clean)
    await submit(sessions, bank, clean, ex, True, T0 + timedelta(hours=1))  # the same exercise again
    assert await mean(clean) == before
    assert {"on-your-own", "first-try"} <= set(await badge_rows(sessions, clean))
    assert "on-your-own" not in await badge_rows(sessions, hinted)
    async with sessions() as s:
        rating = await s.get(ExerciseRating, ex.id)
    assert rating.attempts >= 2 and rating.var < ITEM_PRIOR_VAR  # the class's attempts rate the exercise


async def test_each_test_of_a_graded_submission_is_rated_beside_its_exercise(sessions, bank):
    ex = bank.all()[-1]
    uid = await new_user(sessions, "per-test", "intermediate")
    await submit(sessions, bank, uid, ex, False, T0)  # test "a" passes, test "b" fails
    async with sessions() as s:
        found = await s.execute(select(ExerciseRating).where(ExerciseRating.exercise_id.like(f"{ex.id}#%")))
        rows = {r.exercise_id: r for r in found.scalars()}
        ratings = await exercise_ratings(s)
    a, b = rows[key_of_test(ex.id, "a")], rows[key_of_test(ex.id, "b")]
    assert len(rows) == 2 and a.successes >= 1 and b.attempts >= 1
    assert b.mean > a.mean  # the failed test now looks harder than the passed one
    assert ex.id in ratings and not any("#" in k for k in ratings)  # the daily choice sees exercises only


async def test_today_is_fixed_for_the_day_and_changes_with_the_next_one(sessions, bank):
    uid = await new_user(sessions, "today-tokyo", "intermediate", "Asia/Tokyo")
    async with sessions() as s, s.begin():
        day, tz, first = await todays_exercises(s, bank, uid, "today-tokyo", T0, "UTC", 1)
    assert (day.isoformat(), tz) == ("2026-03-02", "Asia/Tokyo")  # 08:30 in Tokyo
    await submit(sessions, bank, uid, first[0].exercise, True, T0 + timedelta(minutes=5))
    async with sessions() as s, s.begin():
        _, _, again = await todays_exercises(s, bank, uid, "today-tokyo", T0 + timedelta(hours=10), "UTC", 1)
        tomorrow, _, nxt = await todays_exercises(s, bank, uid, "today-tokyo", T0 + timedelta(hours=16), "UTC", 1)
    assert [a.exercise.id for a in again] == [a.exercise.id for a in first]  # solved, but today's set stays
    assert tomorrow.isoformat() == "2026-03-03"
    if len(bank) > 1:
        assert nxt[0].exercise.id != first[0].exercise.id  # a solved exercise does not come back soon


async def test_a_concurrent_retry_gets_the_same_submission(sessions, bank):
    ex = bank.all()[0]
    uid = await new_user(sessions, "retrier", "beginner")
    results = await asyncio.gather(*(submit(sessions, bank, uid, ex, True, T0, key="same-key-123") for _ in range(4)))
    assert len({r["id"] for r in results}) == 1
    assert sorted(r["created"] for r in results) == [False, False, False, True]
    async with sessions() as s:
        count = (await s.execute(select(func.count()).select_from(subs.Submission).where(subs.Submission.user_id == uid))).scalar_one()
        page = await subs.history(await db.driver_connection(s), uid, 10, None, None, subs.parse_window(None, None, "2000-01-01", "UTC"))
    assert count == 1 and page["items"] == []
