"""The instructors' use cases (/api/v1/class/...): only the viewer's groups, admins see all.

Reading one student's data and exporting the class are audited."""

from __future__ import annotations

from . import audit
from . import class_detail as detail
from . import classroom
from .clock import local_day


async def _scope(ctx, who):
    """(the viewer's user id, the students they may see); a student gets Forbidden."""
    viewer_id = await ctx.users.user_id(who)
    return viewer_id, await ctx.roster.scope_for(who)


async def _audit(ctx, viewer_id: int, who, action: str, subject_id: int | None = None, **details) -> None:
    async with ctx.sessionmaker() as session, session.begin():
        await audit.record(session, action, viewer_id, who.role, subject_id, **details)


async def overview(ctx, who, days: int) -> dict:
    _, scope = await _scope(ctx, who)
    async with ctx.sessionmaker() as session:
        return await classroom.overview(session, scope, ctx.bank_for(who), ctx.course_timezone, ctx.clock(), days)


async def stuck(ctx, who, minutes: int, failures: int, hints: int) -> dict:
    _, scope = await _scope(ctx, who)
    async with ctx.sessionmaker() as session:
        return await classroom.stuck(session, scope, ctx.clock(), minutes, failures, hints)


async def students(ctx, who, limit: int, cursor: str | None) -> dict:
    _, scope = await _scope(ctx, who)
    async with ctx.sessionmaker() as session:
        return await classroom.roster(session, scope, limit, cursor)


async def student_view(ctx, who, name: str, limit: int, cursor: str | None) -> dict:
    """One student of the viewer's scope: timeline and skills (audited as view_student)."""
    viewer_id, scope = await _scope(ctx, who)
    async with ctx.sessionmaker() as session:
        user_id = await detail.user_id_of(session, scope, name)
        events = await detail.timeline(session, user_id, limit, cursor)
        skills = await detail.skills(session, user_id, ctx.bank_for(who))
    await _audit(ctx, viewer_id, who, "view_student", user_id)
    return {"name": name, "skills": skills, "timeline": events}


async def exercise_view(ctx, who, exercise_id: str) -> dict:
    _, scope = await _scope(ctx, who)
    exercise = ctx.bank_for(who).get(exercise_id)  # another course's exercise is not found
    async with ctx.sessionmaker() as session:
        return await detail.exercise_detail(session, scope, exercise)


async def class_export(ctx, who, first_raw: str | None, last_raw: str | None, limit: int, cursor: str | None) -> dict:
    """Grades and progress per student and exercise for a date range (audited as export_class_csv)."""
    viewer_id, scope = await _scope(ctx, who)
    first, last = detail.parse_range(first_raw, last_raw, local_day(ctx.course_timezone, ctx.clock()))
    async with ctx.sessionmaker() as session:
        data = await detail.export_rows(session, scope, ctx.bank_for(who), ctx.course_timezone, first, last, limit, cursor, ctx.clock())
    await _audit(ctx, viewer_id, who, "export_class_csv", first=first.isoformat(), last=last.isoformat(), rows=len(data.get("items", [])))
    return data
