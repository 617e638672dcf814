"""Placement: a few short questions at onboarding that seed the skill model.

A self-reported level says little (two students who call themselves beginners can be two
logits apart), and the first week's exercises are chosen from it. A placement question is
a short snippet; the student writes what each of its print() lines shows. Each line is a
Rasch item with the nominal difficulty of its level, and the lines of one question are
pooled as an exercise's tests are (`SkillState.update_tests`, with its cap for what one
attempt's results share), so a question takes a minute and updates the same filter an
exercise does.

Questions are chosen for what they tell: the next one is the question whose lines' predicted
chances are nearest 50 % under the current belief (the largest Fisher information, the sum of
``p (1 - p)`` over its lines), on a topic not asked yet, so the answers spread over topics and
each also speaks to the general skill. Earlier topics in teaching order win ties: they are the ones
the first exercises come from. The check stops after ``MAX_QUESTIONS``, or after
``MIN_QUESTIONS`` once the general skill is known to ``STOP_SD`` logits, or when its time
(``TIME_LIMIT_SECONDS``) is up; a question left unanswered counts as not known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .skills import GENERAL, ITEM_VAR, LEVEL_DIFFICULTY, Belief, SkillState

MIN_QUESTIONS = 4
MAX_QUESTIONS = 6
STOP_SD = 0.45
TIME_LIMIT_SECONDS = 300


@dataclass(frozen=True)
class Question:
    """What the chooser needs of a placement question: its topic and its lines' difficulties."""

    id: str
    topic: str
    parts: tuple[float, ...]

    @property
    def difficulty(self) -> float:
        return sum(self.parts) / len(self.parts)

    @classmethod
    def of(cls, question) -> Question:
        """From the bank's PlacementQuestion (levels easy, medium, hard on the exercises' scale)."""
        return cls(question.id, question.topic, tuple(LEVEL_DIFFICULTY[level] for level in question.levels))


def information(skills: SkillState, question: Question) -> float:
    """Fisher information of the answers about the ability: the sum of p (1 - p) over the lines."""
    total = 0.0
    for difficulty in question.parts:
        p = skills.expected(question.topic, difficulty, ITEM_VAR)
        total += p * (1.0 - p)
    return total


def finished(skills: SkillState, asked: int, least: int = MIN_QUESTIONS, most: int = MAX_QUESTIONS) -> bool:
    if asked >= most:
        return True
    return asked >= least and math.sqrt(skills.belief(GENERAL).var) <= STOP_SD


def next_question(
    skills: SkillState, questions: list[Question], asked_ids: list[str], topic_order: tuple[str, ...],
    least: int = MIN_QUESTIONS, most: int = MAX_QUESTIONS,
) -> Question | None:
    """The most informative question on a topic not asked yet; None when the check is finished
    (`least` and `most` bound the number of questions: the API uses the defaults)."""
    if finished(skills, len(asked_ids), least, most):
        return None
    by_id = {q.id: q for q in questions}
    asked_topics = {by_id[i].topic for i in asked_ids if i in by_id}
    rank = {t: n for n, t in enumerate(topic_order)}
    open_ = [q for q in questions if q.id not in asked_ids and q.topic not in asked_topics]
    open_ = open_ or [q for q in questions if q.id not in asked_ids]
    if not open_:
        return None
    return max(open_, key=lambda q: (round(information(skills, q), 3), -rank.get(q.topic, len(rank)), q.id))


def record(skills: SkillState, question: Question, correct: list[bool]) -> float:
    """Seed the filter with one question's answers (one verdict per line); returns the chance it
    predicted that every line is right.

    An answer moves the beliefs but is not an attempt at an exercise: the topic's attempt and
    success counts (what `%progress` reports as exercises tried and solved) stay as they were.
    """
    topic = skills.belief(question.topic)
    counts = topic.attempts, topic.successes
    lines = [(Belief(d, ITEM_VAR), ok) for d, ok in zip(question.parts, correct)]
    predicted = skills.update_tests(question.topic, Belief(question.difficulty, ITEM_VAR), lines, all(correct))
    topic.attempts, topic.successes = counts
    return predicted
