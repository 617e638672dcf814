"""Submissions: grade once per idempotency key, store, and list a student's own history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg.types.json import Jsonb
from sqlalchemy import select

from ...exercise_bank import Exercise
from ..errors import InvalidRequest, NotFound
from ..models import Submission
from .pagination import check_page_limit, decode_cursor, encode_cursor

MAX_PAGE = 100


def visible_results(results) -> list[dict]:
    """The visible tests' results, one by one: what a student is shown test by test."""
    return [r for r in results or [] if isinstance(r, dict) and not r.get("hidden")]


def hidden_summary(results) -> dict:
    """The hidden tests as a whole: how many passed of how many, and whether all did.

    Which hidden test passed is kept for the skill model and the instructors, never shown to the
    student: a submission then tells at most log2(hidden + 1) bits about the hidden tests, not one per test."""
    hidden = [r for r in results or [] if isinstance(r, dict) and r.get("hidden")]
    passed = sum(bool(r.get("passed")) for r in hidden)
    return {"passed": passed, "total": len(hidden), "all_passed": passed == len(hidden)}


def to_public(sub, with_code: bool = True) -> dict:
    """A submission as its student sees it (the hidden tests counted, not listed)."""
    data = {
        "id": sub.id,
        "exercise_id": sub.exercise_id,
        "exercise_version": sub.exercise_version,
        "status": sub.status,
        "passed": sub.passed,
        "score": sub.score,
        "message": sub.message,
        "tests": visible_results(sub.results),
        "hidden_tests": hidden_summary(sub.results),
        "duration_ms": sub.duration_ms,
        "hint_count": sub.hint_count,
        "created_at": sub.created_at.isoformat(),
    }
    if with_code:
        data["code"] = sub.code
    return data


# the columns a stored submission is read back with, in the order of `SubmissionRow`
_COLUMNS = "id, exercise_id, exercise_version, status, passed, score, message, results, duration_ms, hint_count, created_at, code"

_FIND = f"SELECT {_COLUMNS} FROM submissions WHERE user_id = %s AND idempotency_key = %s"

# the hint count is taken by the INSERT itself; only what the API does not already hold comes back
STORE = """
INSERT INTO submissions (user_id, exercise_id, exercise_version, idempotency_key, code, status, passed, score, results,
                         message, duration_ms, hint_count)
VALUES (%(user_id)s::bigint, %(exercise_id)s::varchar, %(version)s, %(key)s, %(code)s, %(status)s, %(passed)s, %(score)s, %(results)s,
        %(message)s, %(duration_ms)s,
        (SELECT count(*) FROM hint_events WHERE user_id = %(user_id)s::bigint AND exercise_id = %(exercise_id)s::varchar))
ON CONFLICT ON CONSTRAINT uq_submissions_user_key DO NOTHING
RETURNING id, hint_count, created_at
"""


@dataclass(frozen=True)
class SubmissionRow:
    """A stored submission as the submit path reads it (plain values, no ORM instance)."""

    id: int
    exercise_id: str
    exercise_version: int
    status: str
    passed: bool
    score: float
    message: str
    results: list
    duration_ms: float
    hint_count: int
    created_at: datetime
    code: str


async def find_by_key(pg, user_id: int, key: str) -> SubmissionRow | None:
    """The submission stored under `key`, if any (one statement on a psycopg connection)."""
    async with pg.cursor() as cur:
        await cur.execute(_FIND, (user_id, key))
        row = await cur.fetchone()
    return SubmissionRow(*row) if row else None


_COUNT_SINCE = "SELECT count(*) FROM submissions WHERE user_id = %s AND exercise_id = %s AND created_at >= %s"


async def count_since(pg, user_id: int, exercise_id: str, since: datetime) -> int:
    """How many submissions of `exercise_id` `user_id` has stored since `since`."""
    async with pg.cursor() as cur:
        await cur.execute(_COUNT_SINCE, (user_id, exercise_id, since))
        return (await cur.fetchone())[0]


def store_params(user_id: int, exercise: Exercise, key: str, code: str, result) -> dict:
    """The parameters of STORE for a graded submission."""
    return {
        "user_id": user_id, "exercise_id": exercise.id, "version": exercise.version, "key": key, "code": code,
        "status": result.status, "passed": result.passed, "score": result.score, "results": Jsonb([t.__dict__ for t in result.tests]),
        "message": result.message, "duration_ms": result.duration_ms,
    }


def stored_row(params: dict, returned: tuple) -> SubmissionRow:
    """The row STORE inserted, from its parameters and what it returned (id, hint_count, created_at)."""
    sub_id, hint_count, created = returned
    return SubmissionRow(sub_id, params["exercise_id"], params["version"], params["status"], params["passed"], params["score"],
                         params["message"], params["results"].obj, params["duration_ms"], hint_count, created, params["code"])


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


# a page of history: every column but the code, newest first (plain statement: loading ORM
# objects for up to a hundred rows cost more CPU than the query)
_PAGE_COLUMNS = "id, exercise_id, exercise_version, status, passed, score, message, results, duration_ms, hint_count, created_at, ''"


async def history(pg, user_id: int, limit: int, cursor: str | None, exercise_id: str | None, window=(None, None)) -> dict:
    """One page of a user's submissions, newest first, optionally within a [start, end) window (`pg`: a psycopg connection; reads only)."""
    check_page_limit(limit, MAX_PAGE)
    where, args = ["user_id = %s::bigint"], [user_id]
    for clause, value in (("exercise_id = %s::varchar", exercise_id or None), ("created_at >= %s", window[0]), ("created_at < %s", window[1]),
                          ("id < %s::bigint", decode_cursor(cursor) if cursor else None)):
        if value is not None:
            where.append(clause)
            args.append(value)
    async with pg.pipeline():
        cur = await pg.execute(f"SELECT {_PAGE_COLUMNS} FROM submissions WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %s",
                               [*args, limit + 1])
        if not pg.autocommit:
            await pg.execute("COMMIT")  # reads only: nothing to keep, no ROLLBACK round trip later
    rows = [SubmissionRow(*row) for row in await cur.fetchall()]
    page = rows[:limit]
    return {"items": [to_public(r, with_code=False) for r in page], "next_cursor": encode_cursor(page[-1].id) if len(rows) > limit else None}


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
