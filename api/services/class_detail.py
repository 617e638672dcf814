"""Drill-down (one student, one exercise) and the grades export, within a viewer's scope."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import String, func, literal, null, select, tuple_, union_all

from ..errors import InvalidRequest, NotFound
from ..models import CourseAssignment, DailyAssignment, HintEvent, Submission, TutorConversation, TutorMessage, User
from .assignments import is_late
from .classroom import MAX_PAGE, day_start, in_scope
from .roster import ClassScope
from .pagination import MAX_ID, check_page_limit, decode_text_cursor, encode_text_cursor

MAX_EXPORT_DAYS = 366


async def user_id_of(session, scope: ClassScope, name: str) -> int | None:
    """The users.id of a student the viewer may see; NotFound (not 403) for anyone else."""
    if not scope.allows(name):
        raise NotFound(f"no student {name!r} in your class")
    found = (await session.execute(select(User.id).where(User.name == name, in_scope(scope)))).scalar_one_or_none()
    if found is None and scope.names is None and name not in scope.known:
        raise NotFound(f"no student {name!r} in your class")
    return found


def _events(user_id: int):
    subs = select(
        literal("submission", String).label("kind"), Submission.id, Submission.exercise_id, Submission.created_at,
        Submission.passed, Submission.score, Submission.message, null().label("rung"),
    ).where(Submission.user_id == user_id)
    hints = select(
        literal("hint", String).label("kind"), HintEvent.id, HintEvent.exercise_id, HintEvent.created_at,
        null().label("passed"), null().label("score"), HintEvent.source.label("message"), HintEvent.rung,
    ).where(HintEvent.user_id == user_id)
    questions = (
        select(
            literal("tutor", String).label("kind"), TutorMessage.id, TutorConversation.exercise_id, TutorMessage.created_at,
            null().label("passed"), null().label("score"), func.left(TutorMessage.content, 300).label("message"), null().label("rung"),
        )
        .join(TutorConversation, TutorConversation.id == TutorMessage.conversation_id)
        .where(TutorConversation.user_id == user_id, TutorMessage.role == "user")
    )
    return union_all(subs, hints, questions).subquery()


async def timeline(session, user_id: int | None, limit: int, cursor: str | None) -> dict:
    """A student's submissions, hints and tutor questions, newest first, one page."""
    check_page_limit(limit, MAX_PAGE)
    if user_id is None:
        return {"items": [], "next_cursor": None}
    ev = _events(user_id)
    stmt = select(ev).order_by(ev.c.created_at.desc(), ev.c.kind.desc(), ev.c.id.desc()).limit(limit + 1)
    if cursor:
        at, kind, ident = _parse_event_cursor(cursor)
        stmt = stmt.where(tuple_(ev.c.created_at, ev.c.kind, ev.c.id) < tuple_(at, kind, ident))
    rows = (await session.execute(stmt)).all()
    page = rows[:limit]
    items = [_event(r) for r in page]
    last = page[-1] if page else None
    next_cursor = encode_text_cursor(f"{last.created_at.isoformat()}|{last.kind}|{last.id}") if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}


def _parse_event_cursor(cursor: str) -> tuple[datetime, str, int]:
    try:
        at, kind, ident = decode_text_cursor(cursor).split("|")
        moment, number = datetime.fromisoformat(at), int(ident)
    except ValueError:
        moment, number = None, 0
    if moment is None or moment.tzinfo is None or not 0 < number <= MAX_ID:
        raise InvalidRequest("the cursor is not one this API gave out")
    return moment, kind, number


def _event(row) -> dict:
    base = {"kind": row.kind, "id": row.id, "exercise_id": row.exercise_id, "at": row.created_at.isoformat()}
    if row.kind == "hint":
        return {**base, "rung": row.rung, "source": row.message}
    if row.kind == "tutor":
        return {**base, "question": row.message}
    return {**base, "passed": row.passed, "score": row.score, "message": row.message}


async def skills(session, user_id: int | None, bank) -> list[dict]:
    """Per topic: exercises attempted and passed (until the progress tables bring mastery)."""
    attempted: dict[str, set] = defaultdict(set)
    passed: dict[str, set] = defaultdict(set)
    if user_id is not None:
        stmt = select(Submission.exercise_id, func.bool_or(Submission.passed)).where(Submission.user_id == user_id).group_by(Submission.exercise_id)
        for exercise_id, ok in await session.execute(stmt):
            topic = bank.get(exercise_id).topic if exercise_id in bank else "unknown"
            attempted[topic].add(exercise_id)
            if ok:
                passed[topic].add(exercise_id)
    topics = sorted({ex.topic for ex in bank.all()} | set(attempted))
    available = Counter(ex.topic for ex in bank.all())
    return [{"topic": t, "exercises": available.get(t, 0), "attempted": len(attempted[t]), "passed": len(passed[t])} for t in topics]


async def exercise_detail(session, scope: ClassScope, exercise) -> dict:
    """One exercise across the class: attempts to pass, common errors, hint rungs used."""
    stmt = (
        select(Submission.user_id, Submission.passed, Submission.status, Submission.message, Submission.results)
        .join(User, User.id == Submission.user_id)
        .where(in_scope(scope), Submission.exercise_id == exercise.id)
        .order_by(Submission.user_id, Submission.id)
    )
    attempts: dict[int, int] = {}
    passed_at: dict[int, int] = {}
    errors: Counter = Counter()
    for user_id, ok, status, message, results in await session.execute(stmt):
        attempts[user_id] = attempts.get(user_id, 0) + 1
        if ok and user_id not in passed_at:
            passed_at[user_id] = attempts[user_id]
        if not ok:
            errors.update(_failure_labels(status, message, results))
    rungs = select(HintEvent.rung, func.count(func.distinct(HintEvent.user_id))).join(User, User.id == HintEvent.user_id)
    rungs = rungs.where(in_scope(scope), HintEvent.exercise_id == exercise.id).group_by(HintEvent.rung).order_by(HintEvent.rung)
    return {
        "exercise_id": exercise.id,
        "title": exercise.title,
        "topic": exercise.topic,
        "difficulty": exercise.difficulty,
        "students_attempted": len(attempts),
        "students_passed": len(passed_at),
        "attempts_to_pass": [{"attempts": k, "students": v} for k, v in sorted(Counter(passed_at.values()).items())],
        "common_errors": [{"error": e, "count": n} for e, n in errors.most_common(10)],
        "hint_rungs": [{"rung": r, "students": n, "of": len(exercise.hints)} for r, n in await session.execute(rungs)],
    }


def _failure_labels(status: str, message: str, results) -> list[str]:
    if status != "graded":
        return [f"{status}: {(message or '').splitlines()[0][:120] if message else status}"]
    return [f"{t.get('name')}: {(t.get('message') or 'failed')[:120]}" for t in results or () if not t.get("passed")]


def parse_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """The export's date range (inclusive), defaulting to the last 7 days."""
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=6)
        last + timedelta(days=1)  # the range ends at the next midnight: that day must exist too
    except (ValueError, OverflowError):
        raise InvalidRequest("from and to must be dates like 2026-11-27") from None
    if first > last:
        raise InvalidRequest("from must not be after to")
    if (last - first).days >= MAX_EXPORT_DAYS:
        raise InvalidRequest(f"the range may span at most {MAX_EXPORT_DAYS} days")
    return first, last


async def export_rows(session, scope: ClassScope, bank, tz: str, first: date, last: date, limit: int, cursor: str | None,
                      now: datetime | None = None) -> dict:
    """Grades and progress per (student, exercise) in the range, one page, ordered by both; an
    exercise an instructor assigned to the student carries its due time and whether it was late."""
    check_page_limit(limit, 1000)
    now = now or datetime.now(timezone.utc)
    since, until = day_start(tz, first), day_start(tz, last + timedelta(days=1))
    due = (
        select(DailyAssignment.user_id, DailyAssignment.exercise_id, func.min(CourseAssignment.due_at).label("due_at"))
        .join(CourseAssignment, CourseAssignment.id == DailyAssignment.assignment_id)
        .where(CourseAssignment.due_at.is_not(None))
        .group_by(DailyAssignment.user_id, DailyAssignment.exercise_id)
        .subquery()
    )
    hints = (
        select(HintEvent.user_id, HintEvent.exercise_id, func.count().label("hints"))
        .where(HintEvent.created_at >= since, HintEvent.created_at < until)
        .group_by(HintEvent.user_id, HintEvent.exercise_id)
        .subquery()
    )
    stmt = (
        select(
            User.name, Submission.exercise_id, func.count().label("attempts"), func.bool_or(Submission.passed).label("passed"),
            func.max(Submission.score).label("best_score"), func.min(Submission.created_at).filter(Submission.passed.is_(True)).label("first_pass"),
            func.max(Submission.created_at).label("last_submission"), func.max(func.coalesce(hints.c.hints, 0)).label("hints"),
            func.min(due.c.due_at).label("due_at"),
        )
        .join(User, User.id == Submission.user_id)
        .outerjoin(hints, (hints.c.user_id == Submission.user_id) & (hints.c.exercise_id == Submission.exercise_id))
        .outerjoin(due, (due.c.user_id == Submission.user_id) & (due.c.exercise_id == Submission.exercise_id))
        .where(in_scope(scope), Submission.created_at >= since, Submission.created_at < until)
        .group_by(User.name, Submission.exercise_id)
        .order_by(User.name, Submission.exercise_id)
        .limit(limit + 1)
    )
    if cursor:
        name, exercise_id = _split_pair(decode_text_cursor(cursor))
        stmt = stmt.where(tuple_(User.name, Submission.exercise_id) > tuple_(literal(name), literal(exercise_id)))
    rows = (await session.execute(stmt)).all()
    page = rows[:limit]
    items = [_export_item(r, bank, now) for r in page]
    next_cursor = encode_text_cursor(f"{page[-1].name}\n{page[-1].exercise_id}") if len(rows) > limit else None
    return {"from": first.isoformat(), "to": last.isoformat(), "items": items, "next_cursor": next_cursor}


def _split_pair(text: str) -> tuple[str, str]:
    parts = text.split("\n")
    if len(parts) != 2:
        raise InvalidRequest("the cursor is not one this API gave out")
    return parts[0], parts[1]


def _export_item(row, bank, now: datetime) -> dict:
    topic = bank.get(row.exercise_id).topic if row.exercise_id in bank else ""
    return {
        "student": row.name,
        "exercise_id": row.exercise_id,
        "topic": topic,
        "attempts": row.attempts,
        "passed": bool(row.passed),
        "best_score": round(row.best_score, 3),
        "first_passed_at": row.first_pass.isoformat() if row.first_pass else None,
        "last_submission_at": row.last_submission.isoformat(),
        "hints": row.hints,
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "late": is_late(row.due_at, row.first_pass, now),
    }
