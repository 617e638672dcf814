"""Today's exercises for a student: a deterministic choice per (student, day)."""

from __future__ import annotations

import hashlib
from datetime import date

from ...exercise_bank import Exercise

LEVEL = {"easy": 0, "medium": 1, "hard": 2}


def _tiebreak(student: str, day: date, exercise_id: str) -> str:
    return hashlib.sha256(f"{student}|{day.isoformat()}|{exercise_id}".encode()).hexdigest()


def choose_today(exercises: list[Exercise], student: str, day: date, solved: set[str], count: int = 1) -> list[Exercise]:
    """Unsolved exercises first, easiest first, in an order fixed by (student, day).

    The same student gets the same set all day long (a server restart changes nothing),
    and a new set the next day once today's are solved.
    """
    ranked = sorted(
        exercises,
        key=lambda ex: (ex.id in solved, LEVEL.get(ex.difficulty, 1), _tiebreak(student, day, ex.id)),
    )
    return ranked[:count]
