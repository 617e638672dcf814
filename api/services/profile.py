"""Onboarding: a student's self-reported level, topics of interest and time zone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from ...exercise_bank.topics import TOPICS
from ..db import driver_connection
from ..models import LearnerProfile

DEFAULT_LEVEL = "beginner"


@dataclass(frozen=True)
class Profile:
    """A student's onboarding answers as read (plain values, no ORM instance)."""

    level: str
    topics: list
    timezone: str | None


_PROFILE = "SELECT level, topics, timezone FROM learner_profiles WHERE user_id = %s"


async def get_profile(session, user_id: int) -> Profile | None:
    """The student's onboarding answers, None before onboarding (one statement, on GET /me's path)."""
    return await read_profile(await driver_connection(session), user_id)


async def read_profile(pg, user_id: int) -> Profile | None:
    """The same, on a psycopg connection."""
    async with pg.cursor() as cur:
        await cur.execute(_PROFILE, (user_id,))
        row = await cur.fetchone()
    return Profile(*row) if row else None


def timezone_of(profile: Profile | LearnerProfile | None, course_timezone: str) -> str:
    """The student's own time zone, else the course's."""
    return profile.timezone if profile is not None and profile.timezone else course_timezone


def profile_view(profile: Profile | LearnerProfile | None, course_timezone: str) -> dict:
    return {
        "onboarded": profile is not None,
        "level": profile.level if profile else None,
        "topics": list(profile.topics) if profile else [],
        "timezone": timezone_of(profile, course_timezone),
        "timezone_is_course_default": profile is None or not profile.timezone,
        "levels": ["beginner", "intermediate", "advanced"],
        "topics_available": list(TOPICS),
    }


async def put_profile(session, user_id: int, level: str, topics: list[str], timezone: str | None) -> LearnerProfile:
    """Replace the student's profile (insert on first onboarding)."""
    values = {"level": level, "topics": topics, "timezone": timezone}
    stmt = (
        insert(LearnerProfile)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[LearnerProfile.user_id], set_={**values, "updated_at": func.now()})
    )
    await session.execute(stmt)
    return (await session.execute(select(LearnerProfile).where(LearnerProfile.user_id == user_id).execution_options(populate_existing=True))).scalar_one()


def me_view(who, profile: Profile | LearnerProfile | None, course_timezone: str) -> dict:
    """The signed-in user as /me shows them: name, role, groups and onboarding answers."""
    return {"name": who.name, "role": who.role, "groups": list(who.groups), **profile_view(profile, course_timezone)}


async def my_profile(ctx, who) -> dict:
    user_id = await ctx.users.user_id(who)
    async with ctx.reads() as session:
        profile = await get_profile(session, user_id)
    return me_view(who, profile, ctx.course_timezone)


async def set_my_profile(ctx, who, req) -> dict:
    """Onboarding: replace `who`'s level, topics and time zone; their /me view afterwards."""
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session, session.begin():
        profile = await put_profile(session, user_id, req.level, req.topics, req.timezone)
    return me_view(who, profile, ctx.course_timezone)
