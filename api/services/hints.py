"""The authored hint ladder: each request climbs one rung, per student and exercise."""

from __future__ import annotations

from sqlalchemy import func, select

from ...exercise_bank import Exercise
from ..models import HintEvent


def hints_taken_query(user_id: int, exercise_id: str):
    """The count of hints a student took on an exercise, as a query (usable inside another statement)."""
    return select(func.count()).select_from(HintEvent).where(HintEvent.user_id == user_id, HintEvent.exercise_id == exercise_id)


async def hints_taken(session, user_id: int, exercise_id: str) -> int:
    return (await session.execute(hints_taken_query(user_id, exercise_id))).scalar_one()


async def next_hint(session, user_id: int, exercise: Exercise, again: bool = False) -> dict:
    """The next rung (or the last one again), recorded so the ladder resumes where it stopped."""
    taken = await hints_taken(session, user_id, exercise.id)
    ladder = len(exercise.hints)
    if again and taken:
        rung = min(taken, ladder)
    else:
        rung = min(taken + 1, ladder)
        if taken < ladder:
            session.add(HintEvent(user_id=user_id, exercise_id=exercise.id, rung=rung, source="ladder"))
    return {
        "exercise_id": exercise.id,
        "rung": rung,
        "of": ladder,
        "text": exercise.hints[rung - 1],
        "source": "ladder",
        "last": rung == ladder,
    }
