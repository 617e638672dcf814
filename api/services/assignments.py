"""Assignments: an instructor pins exercises to a day for a Hub group, with an optional due time.

On that day each member of the group is delivered the pinned exercises in place of the
adaptive choice (or beside it: `c.TutorAPI.assignments_mode`); the delivery records which
assignment an exercise came from, so the due time follows the student's own copy and a pass
after it (or none by then) shows as late in the export and on the dashboards.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from ..errors import Forbidden, InvalidRequest, NotFound
from ..models import CourseAssignment
from .pagination import check_page_limit

MODES = ("replace", "beside")
MAX_RANGE_DAYS = 366


def assignment_view(a: CourseAssignment) -> dict:
    return {"id": a.id, "group": a.group_name, "exercise_id": a.exercise_id, "day": a.day.isoformat(),
            "due_at": a.due_at.isoformat() if a.due_at else None}


async def pinned_for(session, groups, day: date) -> list[CourseAssignment]:
    """The assignments of `day` for any of `groups`, one per exercise (the earliest due wins), in a stable order."""
    if not groups:
        return []
    stmt = (select(CourseAssignment).where(CourseAssignment.group_name.in_(list(groups)), CourseAssignment.day == day)
            .order_by(CourseAssignment.due_at.asc().nulls_last(), CourseAssignment.id))
    seen, out = set(), []
    for a in (await session.execute(stmt)).scalars():
        if a.exercise_id not in seen:
            seen.add(a.exercise_id)
            out.append(a)
    return out


def due_instant(req, tz: str) -> datetime | None:
    """The due time as an instant: an aware time as given, a naive one in the course's time zone."""
    if req.due_at is None:
        return None
    due = req.due_at if req.due_at.tzinfo else req.due_at.replace(tzinfo=ZoneInfo(tz))
    start = datetime.combine(req.day, time(0), ZoneInfo(tz))
    if due < start:
        raise InvalidRequest("due_at must not be before the day the exercise is delivered")
    return due


def _check_group(scope, group: str) -> None:
    if scope.groups is not None and group not in scope.groups:
        raise Forbidden(f"you may assign exercises to your own groups only ({', '.join(scope.groups) or 'none'})")


async def create_assignment(ctx, who, req) -> dict:
    """POST /class/assignments: pin an exercise to a day for a group (instructors: their groups; admins: any)."""
    scope = await ctx.roster.scope_for(who)
    _check_group(scope, req.group)
    if req.exercise_id not in ctx.bank.for_groups((req.group,)):  # the group's students would never get another course's
        raise InvalidRequest(f"there is no exercise {req.exercise_id!r} for the group {req.group!r}")
    due = due_instant(req, ctx.course_timezone)
    async with ctx.sessionmaker() as session, session.begin():
        row = await pin(session, req.group, req.exercise_id, req.day, due)
    return assignment_view(row)


async def pin(session, group: str, exercise_id: str, day: date, due: datetime | None) -> CourseAssignment:
    """Insert the assignment, or change the due time of the same (group, exercise, day)."""
    values = {"group_name": group, "exercise_id": exercise_id, "day": day, "due_at": due}
    stmt = insert(CourseAssignment).values(**values).on_conflict_do_update(
        constraint="uq_course_assignments_group_name", set_={"due_at": due}).returning(CourseAssignment)
    return (await session.execute(select(CourseAssignment).from_statement(stmt).execution_options(populate_existing=True))).scalar_one()


async def find(session, groups, since: date | None, until: date | None, limit: int) -> list[CourseAssignment]:
    """Assignments of `groups` (None: every group) between two days, by day."""
    stmt = select(CourseAssignment).order_by(CourseAssignment.day, CourseAssignment.group_name, CourseAssignment.id).limit(limit)
    if groups is not None:
        stmt = stmt.where(CourseAssignment.group_name.in_(list(groups)))
    if since:
        stmt = stmt.where(CourseAssignment.day >= since)
    if until:
        stmt = stmt.where(CourseAssignment.day <= until)
    return list((await session.execute(stmt)).scalars())


async def unpin(session, assignment_id: int, groups) -> None:
    """Delete one assignment of `groups` (None: any group); NotFound otherwise."""
    row = await session.get(CourseAssignment, assignment_id)
    if row is None or (groups is not None and row.group_name not in groups):
        raise NotFound(f"no assignment {assignment_id} in your groups")
    await session.execute(delete(CourseAssignment).where(CourseAssignment.id == assignment_id))


async def list_assignments(ctx, who, group: str | None, since: date | None, until: date | None, limit: int) -> dict:
    """GET /class/assignments: the viewer's groups' assignments in a day range, by day."""
    check_page_limit(limit, 1000)
    scope = await ctx.roster.scope_for(who)
    if group is not None:
        _check_group(scope, group)
    if since and until and since > until:
        raise InvalidRequest("since must not be after until")
    if since and until and (until - since).days > MAX_RANGE_DAYS:
        raise InvalidRequest(f"the range may span at most {MAX_RANGE_DAYS} days")
    async with ctx.reads() as session:
        rows = await find(session, [group] if group is not None else scope.groups, since, until, limit)
    return {"items": [assignment_view(a) for a in rows]}


async def delete_assignment(ctx, who, assignment_id: int) -> None:
    """DELETE /class/assignments/{id}: unpin (deliveries already made keep their exercise, without the due time)."""
    scope = await ctx.roster.scope_for(who)
    async with ctx.sessionmaker() as session, session.begin():
        await unpin(session, assignment_id, scope.groups)


def is_late(due: datetime | None, first_pass: datetime | None, now: datetime) -> bool | None:
    """None without a due time; else whether the first pass came after it (or none has come and it is past)."""
    if due is None:
        return None
    return first_pass > due if first_pass is not None else now > due

