"""The grade passback queue: what a solve puts in it, how a pass sends it, what instructors see.

Rules:
- one row per (course enrolment, gradebook column): a solve never queues a second score for the
  same column (exercise mode), a day's or week's score only replaces a lower one (and is sent
  again once);
- each score keeps the time it was earned as its AGS timestamp, so a score sent twice (a crash
  between the LMS's answer and our commit) is the same score to the LMS;
- rows are claimed with FOR UPDATE SKIP LOCKED, so several API processes never send one twice;
- a failure that may pass (LMS down, 5xx, 429, 401) is retried after `backoff(attempts)`; an LMS
  that does not answer at all defers the whole pass; after `max_attempts`, or on a refusal that
  will not change (4xx), the row is `failed` with the reason, for instructors to see; the
  student's next solve of it (or, daily and weekly, a higher score) queues it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select, text
from sqlalchemy.dialects.postgresql import insert

from ..models import LtiEnrolment, LtiLineItem, LtiScore, Submission, User
from .ags import AGSClient, PlatformError
from .settings import LTIPassback


@dataclass(frozen=True)
class Column:
    """A gradebook column: the key it is found by (its resourceId), its label and its maximum."""

    key: str
    label: str
    maximum: float
    start: datetime | None = None  # the period's bounds (daily, weekly)
    end: datetime | None = None


def column_for(mode: str, exercise, now: datetime, tz: str, daily_count: int) -> Column:
    """The column a solve of `exercise` at `now` counts in."""
    day = now.astimezone(ZoneInfo(tz)).date()
    if mode == "exercise":
        return Column(f"exercise:{exercise.id}", f"CodeMentor: {exercise.title}"[:255], 1.0)
    if mode == "daily":
        start = datetime.combine(day, time(), ZoneInfo(tz))
        return Column(f"day:{day.isoformat()}", f"CodeMentor {day.isoformat()}", float(max(1, daily_count)), start, start + timedelta(days=1))
    year, week, _ = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, time(), ZoneInfo(tz))
    return Column(f"week:{year}-W{week:02d}", f"CodeMentor week {year}-W{week:02d}", float(max(1, daily_count) * 7), start, start + timedelta(days=7))


async def solved_in(session, user_id: int, column: Column) -> float:
    """Distinct exercises `user_id` solved within the column's period, at most its maximum."""
    stmt = select(func.count(func.distinct(Submission.exercise_id))).where(
        Submission.user_id == user_id, Submission.passed.is_(True), Submission.created_at >= column.start, Submission.created_at < column.end
    )
    return min(column.maximum, float((await session.execute(stmt)).scalar_one()))


async def enqueue_solve(session, settings: LTIPassback, user_id: int, exercise, now: datetime, tz: str, daily_count: int) -> int:
    """Queue the score a passed submission earns in each of the student's LMS courses; returns rows queued."""
    if not settings.posting:
        return 0
    enrolments = select(LtiEnrolment.id).where(LtiEnrolment.user_id == user_id, LtiEnrolment.role == "student", LtiEnrolment.lineitems_url.is_not(None))
    ids = list((await session.execute(enrolments)).scalars())
    if not ids:
        return 0
    column = column_for(settings.mode, exercise, now, tz, daily_count)
    given = 1.0 if column.start is None else await solved_in(session, user_id, column)
    rows = [dict(user_id=user_id, enrolment_id=e, item_key=column.key, label=column.label, score_given=given,
                 score_maximum=column.maximum, scored_at=now, status="pending", attempts=0, next_attempt_at=now) for e in ids]
    stmt = insert(LtiScore).values(rows)
    if column.start is None:  # solved before: only a score that failed is tried again
        stmt = stmt.on_conflict_do_update(
            constraint="uq_lti_scores_enrolment_item",
            set_={"status": "pending", "attempts": 0, "next_attempt_at": stmt.excluded.next_attempt_at, "last_error": None},
            where=LtiScore.status == "failed",
        )
    else:
        new = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            constraint="uq_lti_scores_enrolment_item",
            set_={"score_given": new.score_given, "scored_at": new.scored_at, "status": "pending", "attempts": 0, "next_attempt_at": new.next_attempt_at, "last_error": None},
            where=LtiScore.score_given < new.score_given,
        )
    return len((await session.execute(stmt.returning(LtiScore.id))).all())


def score_body(row: LtiScore, lms_subject: str) -> dict:
    """The AGS score (application/vnd.ims.lis.v1.score+json) of one queued row."""
    done = row.score_given >= row.score_maximum
    return {
        "userId": lms_subject,
        "scoreGiven": row.score_given,
        "scoreMaximum": row.score_maximum,
        "activityProgress": "Completed" if done else "InProgress",
        "gradingProgress": "FullyGraded",
        "timestamp": row.scored_at.isoformat(timespec="milliseconds"),
    }


async def line_item_url(session, client: AGSClient, settings: LTIPassback, lineitems_url: str, row: LtiScore) -> str:
    """The column's line item URL: remembered, found at the LMS, or created there (once: an advisory lock)."""
    known = select(LtiLineItem.url).where(LtiLineItem.lineitems_url == lineitems_url, LtiLineItem.item_key == row.item_key)
    url = (await session.execute(known)).scalar_one_or_none()
    if url:
        return url
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"lti-line-item {lineitems_url} {row.item_key}"})
    url = (await session.execute(known)).scalar_one_or_none()
    if url:
        return url
    url = await client.find_line_item(lineitems_url, row.item_key, settings.tag)
    if url is None:
        url = await client.create_line_item(lineitems_url, row.item_key, settings.tag, row.label, row.score_maximum)
    await session.execute(insert(LtiLineItem).values(lineitems_url=lineitems_url, item_key=row.item_key, url=url).on_conflict_do_nothing())
    return url


def mark_failure(row: LtiScore, err: PlatformError, now: datetime, settings: LTIPassback) -> None:
    row.attempts += 1
    row.last_error = err.message[:500]
    if err.retry and row.attempts < settings.max_attempts:
        row.next_attempt_at = now + timedelta(seconds=settings.backoff(row.attempts))
    else:
        row.status = "failed"


async def claim_due(session, now: datetime, batch: int) -> list[tuple[LtiScore, LtiEnrolment]]:
    stmt = (
        select(LtiScore, LtiEnrolment)
        .join(LtiEnrolment, LtiEnrolment.id == LtiScore.enrolment_id)
        .where(LtiScore.status == "pending", LtiScore.next_attempt_at <= now)
        .order_by(LtiScore.next_attempt_at, LtiScore.id)
        .limit(batch)
        .with_for_update(of=LtiScore, skip_locked=True)
    )
    return [(score, enrolment) for score, enrolment in (await session.execute(stmt)).all()]


async def send_due(session, client: AGSClient, settings: LTIPassback, now: datetime, log) -> dict:
    """One pass: send the scores due, in this transaction; returns counts by outcome."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    claimed = await claim_due(session, now, settings.batch)
    for index, (row, enrolment) in enumerate(claimed):
        try:
            url = await line_item_url(session, client, settings, enrolment.lineitems_url, row)
            await client.post_score(url, score_body(row, enrolment.lms_subject))
        except PlatformError as err:
            # an LMS that does not answer: the rest of this pass would only wait for it too
            for waiting, _ in claimed[index:] if err.unreachable else [(row, enrolment)]:
                mark_failure(waiting, err, now, settings)
                counts["failed" if waiting.status == "failed" else "retry"] += 1
                log.warning("lti passback: score #%d (%s) attempt %d: %s", waiting.id, waiting.item_key, waiting.attempts, err.message)
            if err.unreachable:
                break
            continue
        row.attempts += 1
        row.status, row.sent_at, row.last_error = "sent", now, None
        counts["sent"] += 1
        log.info("lti passback: score #%d (%s) %.3g/%.3g sent for user#%d", row.id, row.item_key, row.score_given, row.score_maximum, row.user_id)
    return counts


async def sync_status(session, groups: tuple[str, ...] | None, now: datetime, recent: int = 50) -> dict:
    """Per LMS course (Hub group) in `groups` (None: all): last sync, queued and failed scores, and the latest rows."""
    where = [] if groups is None else [LtiEnrolment.hub_group.in_(groups)]
    summary = (
        select(
            LtiEnrolment.hub_group, func.max(LtiEnrolment.context_title),
            func.max(LtiScore.sent_at),
            func.count().filter(LtiScore.status == "sent"),
            func.count().filter(LtiScore.status == "pending"),
            func.count().filter(LtiScore.status == "failed"),
            func.count().filter(and_(LtiScore.status == "pending", LtiScore.attempts > 0)),
            func.min(LtiScore.next_attempt_at).filter(LtiScore.status == "pending"),
        )
        .join(LtiScore, LtiScore.enrolment_id == LtiEnrolment.id, isouter=True)
        .where(*where)
        .group_by(LtiEnrolment.hub_group)
        .order_by(LtiEnrolment.hub_group)
    )
    courses = [
        {"group": g, "title": title or g, "last_sync": last, "sent": sent, "pending": pending, "failed": failed, "retrying": retrying, "next_attempt": nxt}
        for g, title, last, sent, pending, failed, retrying, nxt in (await session.execute(summary)).all()
    ]
    latest = (
        select(LtiScore, LtiEnrolment.hub_group, User.name)
        .join(LtiEnrolment, LtiEnrolment.id == LtiScore.enrolment_id)
        .join(User, User.id == LtiScore.user_id)
        .where(*where)
        .order_by(func.coalesce(LtiScore.sent_at, LtiScore.next_attempt_at).desc(), LtiScore.id.desc())
        .limit(recent)
    )
    items = [
        {"group": g, "student": name, "item": s.item_key, "label": s.label, "score": s.score_given, "maximum": s.score_maximum,
         "status": s.status, "attempts": s.attempts, "last_error": s.last_error, "sent_at": s.sent_at,
         "next_attempt": s.next_attempt_at if s.status == "pending" else None}
        for s, g, name in (await session.execute(latest)).all()
    ]
    return {"now": now, "courses": courses, "recent": items}
