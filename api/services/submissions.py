"""Submissions: grade once per idempotency key, store, and list a student's own history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ...exercise_bank import Exercise
from ..errors import InvalidRequest, NotFound
from ..models import Submission
from .hints import hints_taken_query
from .pagination import check_page_limit, newest_first

MAX_PAGE = 100


def to_public(sub: Submission, with_code: bool = True) -> dict:
    data = {
        "id": sub.id,
        "exercise_id": sub.exercise_id,
        "exercise_version": sub.exercise_version,
        "status": sub.status,
        "passed": sub.passed,
        "score": sub.score,
        "message": sub.message,
        "tests": sub.results,
        "duration_ms": sub.duration_ms,
        "hint_count": sub.hint_count,
        "created_at": sub.created_at.isoformat(),
    }
    if with_code:
        data["code"] = sub.code
    return data


async def find_by_key(session, user_id: int, key: str) -> Submission | None:
    stmt = select(Submission).where(Submission.user_id == user_id, Submission.idempotency_key == key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def store(session, user_id: int, exercise: Exercise, key: str, code: str, result) -> tuple[Submission, bool]:
    """Insert the graded submission once; a concurrent retry gets the stored one back."""
    values = dict(
        user_id=user_id,
        exercise_id=exercise.id,
        exercise_version=exercise.version,
        idempotency_key=key,
        code=code,
        status=result.status,
        passed=result.passed,
        score=result.score,
        results=[t.__dict__ for t in result.tests],
        message=result.message,
        duration_ms=result.duration_ms,
        hint_count=hints_taken_query(user_id, exercise.id).scalar_subquery(),  # counted by the INSERT itself
    )
    # the whole row comes back with the insert: no second query for it
    stmt = insert(Submission).values(**values).on_conflict_do_nothing(constraint="uq_submissions_user_key").returning(Submission)
    stored = (await session.execute(select(Submission).from_statement(stmt))).scalar_one_or_none()
    if stored is None:
        return await find_by_key(session, user_id, key), False
    return stored, True


def _parse_moment(raw: str, name: str, zone: ZoneInfo, end: bool) -> datetime:
    """A date (local midnight; for an end, the next midnight) or an ISO 8601 time (local when naive)."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day + timedelta(days=int(end)), time(), zone)
        moment = datetime.fromisoformat(raw)
    except (ValueError, OverflowError):
        raise InvalidRequest(f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 time, not {raw[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_window(since: str | None, until: str | None, day: str | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """The [start, end) window of a history query; dates are days in the student's time zone."""
    zone = ZoneInfo(tz)
    if day is not None:
        if since is not None or until is not None:
            raise InvalidRequest("use either day or since/until, not both")
        if len(day) != 10:
            raise InvalidRequest(f"day must be a date (YYYY-MM-DD), not {day[:40]!r}")
        return _parse_moment(day, "day", zone, False), _parse_moment(day, "day", zone, True)
    start = _parse_moment(since, "since", zone, False) if since is not None else None
    end = _parse_moment(until, "until", zone, True) if until is not None else None
    if start and end and start >= end:
        raise InvalidRequest("since must be before until")
    return start, end


async def history(session, user_id: int, limit: int, cursor: str | None, exercise_id: str | None, window=(None, None)) -> dict:
    """One page of a user's submissions, newest first, optionally within a [start, end) window."""
    check_page_limit(limit, MAX_PAGE)
    stmt = select(Submission).where(Submission.user_id == user_id)
    if exercise_id:
        stmt = stmt.where(Submission.exercise_id == exercise_id)
    if window[0] is not None:
        stmt = stmt.where(Submission.created_at >= window[0])
    if window[1] is not None:
        stmt = stmt.where(Submission.created_at < window[1])
    page, next_cursor = await newest_first(session, stmt, Submission.id, limit, cursor)
    return {"items": [to_public(s, with_code=False) for s in page], "next_cursor": next_cursor}


async def get_own(session, user_id: int, submission_id: int) -> Submission:
    sub = await session.get(Submission, submission_id)
    if sub is None or sub.user_id != user_id:
        # someone else's submission looks exactly like a missing one
        raise NotFound(f"no submission {submission_id}")
    return sub


async def solved_ids(session, user_id: int) -> set[str]:
    """Ids of the exercises a user has passed at least once."""
    stmt = select(Submission.exercise_id).where(Submission.user_id == user_id, Submission.passed.is_(True)).distinct()
    return set((await session.execute(stmt)).scalars())
