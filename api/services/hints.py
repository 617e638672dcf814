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


# The ladder's next rung in one statement: the count of hints taken, and the new rung's row
# unless the ladder is climbed or the student asked for the last one again.
_CLIMB = """
WITH taken AS (SELECT count(*) AS n FROM hint_events WHERE user_id = %(u)s::bigint AND exercise_id = %(ex)s::varchar),
     climbed AS (INSERT INTO hint_events (user_id, exercise_id, rung, source)
                 SELECT %(u)s::bigint, %(ex)s::varchar, n + 1, 'ladder' FROM taken
                 WHERE n < %(ladder)s AND NOT (%(again)s AND n > 0)
                 RETURNING rung)
SELECT n FROM taken
"""


async def next_hint(pg, user_id: int, exercise: Exercise, again: bool = False) -> dict:
    """The next rung (or the last one again), recorded so the ladder resumes where it stopped; COMMITs.

    `pg` is a psycopg connection not inside a transaction (one round trip with the COMMIT)."""
    ladder = len(exercise.hints)
    async with pg.pipeline():
        cur = await pg.execute(_CLIMB, {"u": user_id, "ex": exercise.id, "ladder": ladder, "again": again})
        await pg.execute("COMMIT")
    (taken,) = await cur.fetchone()
    rung = min(taken, ladder) if again and taken else min(taken + 1, ladder)
    return {
        "exercise_id": exercise.id,
        "rung": rung,
        "of": ladder,
        "text": exercise.hints[rung - 1],
        "source": "ladder",
        "last": rung == ladder,
    }
