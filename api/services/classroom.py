"""The class at a glance: overview, who is stuck now, and the roster, for one viewer's scope.

Every query is limited to the viewer's `ClassScope` (roster.py). Tutor use counts the
students' questions (tutor_messages); LLM cost sums the ledger (llm_costs, settled calls).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from ..errors import InvalidRequest
from ..models import HintEvent, LLMCost, Submission, TutorConversation, TutorMessage, User
from .pagination import check_page_limit, decode_text_cursor, encode_text_cursor
from .roster import ClassScope

MAX_PAGE = 200
STREAK_LOOKBACK_DAYS = 60


def in_scope(scope: ClassScope):
    """A WHERE clause on User for the students `scope` may see."""
    if scope.names is None:
        return User.role == "student"
    return User.name.in_(sorted(scope.names))


def day_start(tz: str, day: date) -> datetime:
    """Midnight of `day` in the course's time zone (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


async def scope_names(session, scope: ClassScope) -> list[str]:
    """Every student name in scope, sorted (admins: every student the API has seen or the Hub groups hold)."""
    if scope.names is not None:
        return sorted(scope.names)
    rows = await session.execute(select(User.name).where(User.role == "student"))
    return sorted(set(rows.scalars()) | scope.known)


def streak(days: set[date], today: date) -> int:
    """Consecutive days with a pass, ending today (or yesterday: today is not over yet)."""
    cursor = today if today in days else today - timedelta(days=1)
    count = 0
    while cursor in days:
        count += 1
        cursor -= timedelta(days=1)
    return count


async def streaks(session, scope: ClassScope, tz: str, today: date) -> dict[str, int]:
    """Current streak length per student in scope (0 for students without one)."""
    local_day = func.date(func.timezone(tz, Submission.created_at))
    since = day_start(tz, today - timedelta(days=STREAK_LOOKBACK_DAYS))
    stmt = (
        select(User.name, local_day)
        .join(Submission, Submission.user_id == User.id)
        .where(in_scope(scope), Submission.passed.is_(True), Submission.created_at >= since)
        .distinct()
    )
    by_user: dict[str, set[date]] = defaultdict(set)
    for name, day in await session.execute(stmt):
        by_user[name].add(day)
    return {name: streak(by_user.get(name, set()), today) for name in await scope_names(session, scope)}


def streak_distribution(per_student: dict[str, int]) -> list[dict]:
    counts = Counter(per_student.values())
    return [{"days": days, "students": counts[days]} for days in sorted(counts)]


async def exercise_stats(session, scope: ClassScope, since: datetime, bank) -> list[dict]:
    """Submissions and pass rate per exercise since `since`."""
    stmt = (
        select(
            Submission.exercise_id,
            func.count(),
            func.count(func.distinct(Submission.user_id)),
            func.count(func.distinct(Submission.user_id)).filter(Submission.passed.is_(True)),
        )
        .join(User, User.id == Submission.user_id)
        .where(in_scope(scope), Submission.created_at >= since)
        .group_by(Submission.exercise_id)
        .order_by(Submission.exercise_id)
    )
    out = []
    for exercise_id, subs, attempted, passed in await session.execute(stmt):
        title = bank.get(exercise_id).title if exercise_id in bank else exercise_id
        out.append(
            {
                "exercise_id": exercise_id,
                "title": title,
                "submissions": subs,
                "students_attempted": attempted,
                "students_passed": passed,
                "pass_rate": round(passed / attempted, 3) if attempted else 0.0,
            }
        )
    return out


async def count_since(session, scope: ClassScope, model, since: datetime) -> int:
    stmt = select(func.count()).select_from(model).join(User, User.id == model.user_id).where(in_scope(scope), model.created_at >= since)
    return (await session.execute(stmt)).scalar_one()


async def tutor_questions_since(session, scope: ClassScope, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(TutorMessage)
        .join(TutorConversation, TutorConversation.id == TutorMessage.conversation_id)
        .join(User, User.id == TutorConversation.user_id)
        .where(in_scope(scope), TutorMessage.role == "user", TutorMessage.created_at >= since)
    )
    return (await session.execute(stmt)).scalar_one()


async def llm_cost_since(session, scope: ClassScope, since: datetime) -> float:
    """Settled provider spend of the scope's students since `since`, in USD."""
    stmt = (
        select(func.coalesce(func.sum(LLMCost.cost_micro), 0))
        .join(User, User.id == LLMCost.user_id)
        .where(in_scope(scope), LLMCost.status.in_(("settled", "overrun")), LLMCost.created_at >= since)
    )
    return round(float((await session.execute(stmt)).scalar_one()) / 1_000_000, 6)


async def active_since(session, scope: ClassScope, since: datetime) -> int:
    """Students with a submission or a hint since `since`."""
    ids = set()
    for model in (Submission, HintEvent):
        stmt = select(model.user_id).join(User, User.id == model.user_id).where(in_scope(scope), model.created_at >= since).distinct()
        ids |= set((await session.execute(stmt)).scalars())
    return len(ids)


async def overview(session, scope: ClassScope, bank, tz: str, now: datetime, days: int = 7) -> dict:
    """The class overview the dashboard's first page shows."""
    if not 1 <= days <= 90:
        raise InvalidRequest("days must be between 1 and 90")
    today = now.astimezone(ZoneInfo(tz)).date()
    start_today, start_week = day_start(tz, today), day_start(tz, today - timedelta(days=6))
    since = day_start(tz, today - timedelta(days=days - 1))
    per_student = await streaks(session, scope, tz, today)
    return {
        "day": today.isoformat(),
        "time_zone": tz,
        "scope": {"viewer": scope.viewer, "groups": list(scope.groups) if scope.groups is not None else "all"},
        "students": len(per_student),
        "active_today": await active_since(session, scope, start_today),
        "window_days": days,
        "exercises": await exercise_stats(session, scope, since, bank),
        "streaks": streak_distribution(per_student),
        "hints": {"today": await count_since(session, scope, HintEvent, start_today), "week": await count_since(session, scope, HintEvent, start_week)},
        "submissions": {"today": await count_since(session, scope, Submission, start_today), "week": await count_since(session, scope, Submission, start_week)},
        "tutor": {
            "available": True,
            "questions_today": await tutor_questions_since(session, scope, start_today),
            "questions_week": await tutor_questions_since(session, scope, start_week),
        },
        "llm_cost_usd": {
            "available": True,
            "today": await llm_cost_since(session, scope, start_today),
            "week": await llm_cost_since(session, scope, start_week),
        },
        "generated_at": now.isoformat(),
    }


async def stuck(session, scope: ClassScope, now: datetime, minutes: int, failures: int, hints: int) -> dict:
    """Students who failed `failures` times or took `hints` hints on one exercise in the
    last `minutes` minutes, without passing it in that window."""
    if not 1 <= minutes <= 24 * 60:
        raise InvalidRequest("minutes must be between 1 and 1440")
    if failures < 1 or hints < 1:
        raise InvalidRequest("failures and hints must be at least 1")
    since = now - timedelta(minutes=minutes)
    subs = (
        select(
            User.name,
            Submission.exercise_id,
            func.count().filter(Submission.passed.is_(False)),
            func.count().filter(Submission.passed.is_(True)),
            func.max(Submission.created_at),
        )
        .join(User, User.id == Submission.user_id)
        .where(in_scope(scope), Submission.created_at >= since)
        .group_by(User.name, Submission.exercise_id)
    )
    hint_q = (
        select(User.name, HintEvent.exercise_id, func.count(), func.max(HintEvent.created_at))
        .join(User, User.id == HintEvent.user_id)
        .where(in_scope(scope), HintEvent.created_at >= since)
        .group_by(User.name, HintEvent.exercise_id)
    )
    rows: dict[tuple, dict] = {}
    for name, ex, failed, passed, last in await session.execute(subs):
        rows[(name, ex)] = {"student": name, "exercise_id": ex, "failures": failed, "passes": passed, "hints": 0, "last_activity": last}
    for name, ex, count, last in await session.execute(hint_q):
        row = rows.setdefault((name, ex), {"student": name, "exercise_id": ex, "failures": 0, "passes": 0, "hints": 0, "last_activity": last})
        row["hints"], row["last_activity"] = count, max(row["last_activity"], last)
    items = [r for r in rows.values() if not r["passes"] and (r["failures"] >= failures or r["hints"] >= hints)]
    items.sort(key=lambda r: (-(r["failures"] + r["hints"]), r["student"]))
    for r in items:
        del r["passes"]
        r["last_activity"] = r["last_activity"].isoformat()
    return {"since": since.isoformat(), "minutes": minutes, "thresholds": {"failures": failures, "hints": hints}, "items": items}


async def roster(session, scope: ClassScope, limit: int, cursor: str | None) -> dict:
    """One page of students (by name) with their totals."""
    check_page_limit(limit, MAX_PAGE)
    names = await scope_names(session, scope)
    if cursor:
        after = decode_text_cursor(cursor)
        names = [n for n in names if n > after]
    page = names[:limit]
    stats = await totals(session, page)
    items = [{"name": n, **stats.get(n, {"submissions": 0, "passed_exercises": 0, "hints": 0, "last_active": None})} for n in page]
    return {"items": items, "next_cursor": encode_text_cursor(page[-1]) if len(names) > limit else None}


async def totals(session, names: list[str]) -> dict[str, dict]:
    """Submission, pass and hint totals for the named students."""
    subs = (
        select(User.name, func.count(), func.count(func.distinct(Submission.exercise_id)).filter(Submission.passed.is_(True)), func.max(Submission.created_at))
        .join(Submission, and_(Submission.user_id == User.id))
        .where(User.name.in_(names))
        .group_by(User.name)
    )
    out = {n: {"submissions": s, "passed_exercises": p, "hints": 0, "last_active": last.isoformat()} for n, s, p, last in await session.execute(subs)}
    hint_q = select(User.name, func.count(), func.max(HintEvent.created_at)).join(HintEvent, HintEvent.user_id == User.id).where(User.name.in_(names)).group_by(User.name)
    for name, count, last in await session.execute(hint_q):
        row = out.setdefault(name, {"submissions": 0, "passed_exercises": 0, "hints": 0, "last_active": last.isoformat()})
        row["hints"] = count
        row["last_active"] = max(row["last_active"], last.isoformat())
    return out
