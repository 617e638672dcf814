"""The daily choice: exercises a student should succeed at 70-85 % of the time.

Rules, in order:

1. Never repeat an exercise solved in the last ``REPEAT_AFTER_DAYS`` days.
2. Respect prerequisites: an exercise is open when each prerequisite topic is either
   absent from the bank, already solved once, or predicted at ``UNLOCK_PROBABILITY`` on a
   medium exercise. If nothing is open, the exercises with the fewest closed
   prerequisites are offered instead (a student is never left with nothing).
3. Aim at the band: each exercise scores the probability, under the skill belief, that
   the student's true chance of success lies in [70 %, 85 %]. Uncertain topics score
   lower by themselves, so the choice leans on what the model knows.
4. Mix in a spaced review: a topic the student failed and has not passed since comes back
   1, 3, 7, 14 and 28 days after the failure (expanding intervals, after P. Pimsleur,
   "A memory schedule", Modern Language Journal 51, 1967), taking one slot.
5. Small nudges: topics of interest and topics not yet chosen today score a little more.
6. Ties are broken by a hash of (student, day, exercise), so the choice is deterministic
   for a (student, day) pair and differs between students.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date

from .skills import ITEM_VAR, LEVEL_DIFFICULTY, SkillState, logit

BAND = (0.70, 0.85)
BAND_LOGITS = (logit(BAND[0]), logit(BAND[1]))
REPEAT_AFTER_DAYS = 60
UNLOCK_PROBABILITY = 0.6
REVIEW_DAYS = (1, 3, 7, 14, 28)
INTEREST_BONUS = 0.05
SAME_TOPIC_PENALTY = 0.25
NEW_EXERCISE_BONUS = 0.02


@dataclass(frozen=True)
class Item:
    """What the selector knows of an exercise."""

    id: str
    topic: str
    difficulty: float
    prerequisites: tuple[str, ...] = ()
    difficulty_var: float = ITEM_VAR


@dataclass
class History:
    """What the selector knows of a student's past, besides the skill beliefs."""

    solved: dict[str, date] = field(default_factory=dict)  # exercise id -> last day solved
    attempted: set[str] = field(default_factory=set)
    failed_topics: dict[str, date] = field(default_factory=dict)  # topic -> last failure not passed since
    interests: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Choice:
    item: Item
    predicted: float
    review: bool = False


def item_from_exercise(ex, learned: dict | None = None) -> Item:
    """The selector's view of an exercise, with its learned difficulty when there is one."""
    rated = (learned or {}).get(ex.id)
    if rated is not None:
        return Item(ex.id, ex.topic, rated.mean, tuple(ex.prerequisites), rated.var)
    return Item(ex.id, ex.topic, LEVEL_DIFFICULTY.get(ex.difficulty, 0.0), tuple(ex.prerequisites))


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def band_probability(skills: SkillState, item: Item) -> float:
    """P(the true chance of success on `item` is inside BAND) under the current belief."""
    mean, var = skills.ability(item.topic)
    sd = math.sqrt(var + item.difficulty_var)
    m = mean - item.difficulty
    return _phi((BAND_LOGITS[1] - m) / sd) - _phi((BAND_LOGITS[0] - m) / sd)


def _tiebreak(student: str, day: date, item_id: str) -> float:
    digest = hashlib.sha256(f"{student}|{day.isoformat()}|{item_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def review_topics(history: History, day: date) -> list[str]:
    """Failed topics due for review today, longest-waiting first."""
    due = [(failed, topic) for topic, failed in history.failed_topics.items() if (day - failed).days in REVIEW_DAYS]
    return [topic for _, topic in sorted(due)]


class Selector:
    """Chooses a day's exercises from a fixed list of items."""

    def __init__(self, items: list[Item]):
        self.items = list(items)
        self.topics = {it.topic for it in self.items}

    def closed_prerequisites(self, item: Item, skills: SkillState, solved_topics: set[str]) -> int:
        medium = LEVEL_DIFFICULTY["medium"]
        return sum(
            1
            for p in item.prerequisites
            if p in self.topics and p not in solved_topics and skills.expected(p, medium) < UNLOCK_PROBABILITY
        )

    def candidates(self, skills: SkillState, history: History, day: date) -> list[Item]:
        fresh = [it for it in self.items if it.id not in history.solved or (day - history.solved[it.id]).days >= REPEAT_AFTER_DAYS]
        fresh = fresh or list(self.items)
        solved_topics = {it.topic for it in self.items if it.id in history.solved}
        closed = {it.id: self.closed_prerequisites(it, skills, solved_topics) for it in fresh}
        fewest = min(closed.values())
        return [it for it in fresh if closed[it.id] == fewest]

    def choose(self, skills: SkillState, history: History, student: str, day: date, count: int = 1) -> list[Choice]:
        """The day's exercises, best first; a review (if due) takes one slot."""
        if not self.items:
            return []
        pool = self.candidates(skills, history, day)
        base = {it.id: self._score(skills, history, it, student, day) for it in pool}
        chosen: list[Choice] = []
        for topic in review_topics(history, day)[:1]:
            in_topic = [it for it in pool if it.topic == topic]
            if in_topic and count:
                best = max(in_topic, key=lambda it: base[it.id])
                chosen.append(Choice(best, skills.expected(best.topic, best.difficulty, best.difficulty_var), review=True))
        while len(chosen) < count and len(chosen) < len(pool):
            taken = {c.item.id for c in chosen}
            topics = {c.item.topic for c in chosen}
            best = max(
                (it for it in pool if it.id not in taken),
                key=lambda it: base[it.id] - (SAME_TOPIC_PENALTY if it.topic in topics else 0.0),
            )
            chosen.append(Choice(best, skills.expected(best.topic, best.difficulty, best.difficulty_var)))
        return chosen

    @staticmethod
    def _score(skills: SkillState, history: History, item: Item, student: str, day: date) -> float:
        score = band_probability(skills, item)
        if item.topic in history.interests:
            score += INTEREST_BONUS
        if item.id not in history.attempted:
            score += NEW_EXERCISE_BONUS
        return score + 0.01 * _tiebreak(student, day, item.id)
