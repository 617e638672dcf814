"""The placement check at onboarding: which question comes next, its answers, and the skills they seed.

One row per student (`placement_checks`) holds when the check started and each answer's
verdicts. The next question is not stored: it is chosen again from the student's skill
beliefs (api/learner/placement.py), which the answers before it have moved, so a student
always answers the question the chooser would pick now. The check ends after its questions
or when its time is up; it runs once.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select

from ...exercise_bank.placement import PlacementQuestion, check_answers, load_questions
from ...exercise_bank.topics import TOPICS
from ..errors import Conflict
from ..learner import placement
from ..learner.skills import GENERAL, SkillState
from ..models import PlacementCheck
from .profile import get_profile
from .progress import load_skills, lock_student, save_skills


@cache
def questions() -> dict[str, PlacementQuestion]:
    return {q.id: q for q in load_questions()}


@cache
def chooser_questions() -> list[placement.Question]:
    return [placement.Question.of(q) for q in questions().values()]


def _deadline(check: PlacementCheck) -> datetime:
    return check.started_at + timedelta(seconds=placement.TIME_LIMIT_SECONDS)


def _asked(check: PlacementCheck | None) -> list[str]:
    return [a["question"] for a in check.answers] if check is not None else []


def current_question(skills: SkillState, check: PlacementCheck | None) -> PlacementQuestion | None:
    """The question to answer now (None before the check starts and after it ends)."""
    if check is None or check.finished_at is not None:
        return None
    chosen = placement.next_question(skills, chooser_questions(), _asked(check), TOPICS)
    return questions()[chosen.id] if chosen is not None else None


def view(check: PlacementCheck | None, question: PlacementQuestion | None, now: datetime) -> dict:
    status = "not_started" if check is None else "finished" if check.finished_at is not None else "in_progress"
    left = max(0, int((_deadline(check) - now).total_seconds())) if status == "in_progress" else None
    return {
        "status": status,
        "asked": len(_asked(check)),
        "min_questions": placement.MIN_QUESTIONS,
        "max_questions": placement.MAX_QUESTIONS,
        "time_limit_seconds": placement.TIME_LIMIT_SECONDS,
        "seconds_left": left,
        "question": question.public() if question is not None else None,
        "answered": [
            {"question": a["question"], "topic": questions()[a["question"]].topic if a["question"] in questions() else None,
             "right": sum(a["correct"]), "lines": len(a["correct"])}
            for a in (check.answers if check is not None else [])
        ],
    }


async def _load(session, user_id: int, now: datetime, lock: bool) -> tuple[PlacementCheck | None, SkillState, PlacementQuestion | None]:
    """The check, the skills and the current question; a check whose time is up or whose questions are done is closed."""
    query = select(PlacementCheck).where(PlacementCheck.user_id == user_id)
    check = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    profile = await get_profile(session, user_id)
    skills = await load_skills(session, user_id, profile.level if profile else None, now)
    question = current_question(skills, check)
    if check is not None and check.finished_at is None and (question is None or now >= _deadline(check)):
        check.finished_at = min(now, _deadline(check))
        question = None
    return check, skills, question


@asynccontextmanager
async def _changing(ctx, who):
    """A transaction holding the student's lock: (session, user id, now, check, skills, current question)."""
    user_id = await ctx.users.user_id(who)
    now = ctx.clock()
    async with ctx.sessionmaker() as session, session.begin():
        await lock_student(session, user_id)
        yield (session, user_id, now, *await _load(session, user_id, now, lock=True))


def _start(session, user_id: int, now: datetime) -> PlacementCheck:
    check = PlacementCheck(user_id=user_id, started_at=now, answers=[])
    session.add(check)
    return check


async def my_placement(ctx, who) -> dict:
    """GET /me/placement: where the student's check stands (and closes one whose time is up)."""
    user_id = await ctx.users.user_id(who)
    now = ctx.clock()
    async with ctx.sessionmaker() as session, session.begin():
        check, _, question = await _load(session, user_id, now, lock=False)
    return view(check, question, now)


async def start_placement(ctx, who) -> dict:
    """POST /me/placement: start the check (once; starting again shows where it stands)."""
    async with _changing(ctx, who) as (session, user_id, now, check, skills, question):
        if check is None:
            check = _start(session, user_id, now)
            question = current_question(skills, check)
    return view(check, question, now)


async def answer_placement(ctx, who, req) -> dict:
    """POST /me/placement/answers: judge the current question's answers, seed the skills, show what comes next."""
    async with _changing(ctx, who) as (session, user_id, now, check, skills, question):
        if check is None:
            raise Conflict("the placement check has not started: POST /me/placement first")
        if question is None:
            raise Conflict("the placement check is over; your answers are already counted")
        if req.question_id != question.id:
            raise Conflict(f"answer the current question, {question.id!r}", current=question.id)
        correct = check_answers(question, req.answers)
        placement.record(skills, placement.Question.of(question), correct)
        await save_skills(session, user_id, skills, [GENERAL, question.topic], now)
        check.answers = [*check.answers, {"question": question.id, "correct": correct, "at": now.isoformat()}]
        following = current_question(skills, check)
        if following is None:
            check.finished_at = now
    result = view(check, following, now)
    result["last"] = {"question": question.id, "correct": correct, "expected": list(question.output)}
    return result


async def finish_placement(ctx, who) -> dict:
    """POST /me/placement/finish: end the check early; the answers given so far count."""
    async with _changing(ctx, who) as (session, user_id, now, check, _, _):
        check = check or _start(session, user_id, now)
        if check.finished_at is None:
            check.finished_at = now
    return view(check, None, now)
