"""Streaks and badges: pure rules over a student's days and the submission just stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

COMEBACK_GAP_DAYS = 7


def streaks(days: list[date], today: date) -> dict:
    """Current and longest run of consecutive active days.

    A streak is alive while the student was active today or yesterday (today may still
    come), so a streak does not drop to zero at midnight.
    """
    active = set(days)
    start = today if today in active else today - timedelta(days=1)
    current = 0
    while start - timedelta(days=current) in active:
        current += 1
    longest, run, previous = 0, 0, None
    for d in sorted(active):
        run = run + 1 if previous is not None and (d - previous).days == 1 else 1
        longest, previous = max(longest, run), d
    return {"current": current, "longest": longest, "active_today": today in active}


@dataclass(frozen=True)
class Facts:
    """What the badge rules look at, right after a submission was stored."""

    passed: bool
    hints: int
    difficulty: str
    earlier_attempts: int  # at this exercise, before this submission
    earlier_failures: int
    solved_before: bool  # this exercise
    submissions: int  # in total, this one included
    solved_exercises: int  # distinct, this one included
    solved_topics: int
    streak: int
    gap_days: int | None  # days since the previous active day; None on the first day
    mastered_topics: int


@dataclass(frozen=True)
class BadgeRule:
    id: str
    title: str
    rule: str

    def earned(self, f: Facts) -> bool:
        return RULES[self.id](f)


RULES = {
    "first-steps": lambda f: f.submissions >= 1,
    "first-solve": lambda f: f.solved_exercises >= 1,
    "on-your-own": lambda f: f.passed and f.hints == 0,
    "first-try": lambda f: f.passed and f.earlier_attempts == 0,
    "persistence": lambda f: f.passed and not f.solved_before and f.earlier_failures >= 3,
    "hard-nut": lambda f: f.passed and f.difficulty == "hard",
    "streak-3": lambda f: f.streak >= 3,
    "streak-7": lambda f: f.streak >= 7,
    "streak-30": lambda f: f.streak >= 30,
    "comeback": lambda f: f.gap_days is not None and f.gap_days >= COMEBACK_GAP_DAYS,
    "ten-solved": lambda f: f.solved_exercises >= 10,
    "explorer": lambda f: f.solved_topics >= 5,
    "topic-mastered": lambda f: f.mastered_topics >= 1,
}

BADGES = (
    # badges a failed submission can earn name the practice, never a success
    BadgeRule("first-steps", "First attempt", "Send your first submission, whether it passes or not."),
    BadgeRule("first-solve", "First solve", "Pass every test of an exercise for the first time."),
    BadgeRule("on-your-own", "On your own", "Solve an exercise without taking any hint."),
    BadgeRule("first-try", "First try", "Solve an exercise with your first submission for it."),
    BadgeRule("persistence", "Persistence", "Solve an exercise after three or more failed attempts at it."),
    BadgeRule("hard-nut", "Hard nut", "Solve a hard exercise."),
    BadgeRule("streak-3", "Three days of practice", "Submit work on 3 days in a row, passing or not."),
    BadgeRule("streak-7", "A week of practice", "Submit work on 7 days in a row, passing or not."),
    BadgeRule("streak-30", "A month of practice", "Submit work on 30 days in a row, passing or not."),
    BadgeRule("comeback", "Welcome back", f"Come back after a break of {COMEBACK_GAP_DAYS} days or more."),
    BadgeRule("ten-solved", "Ten solved", "Solve 10 different exercises."),
    BadgeRule("explorer", "Explorer", "Solve exercises in 5 different topics."),
    BadgeRule("topic-mastered", "Topic mastered", "Reach mastery of a topic (80 % predicted success on its hard exercises)."),
)
BADGES_BY_ID = {b.id: b for b in BADGES}


def earned_badges(facts: Facts) -> list[str]:
    """Ids of every badge whose rule holds (the database keeps each one once)."""
    return [b.id for b in BADGES if b.earned(facts)]
