"""Skill estimates: a Rasch (one-parameter logistic) model tracked by an Elo-style filter.

The model
---------
A student's chance to solve an exercise of topic ``t`` with difficulty ``d`` (in logits) is
the Rasch / item-response model (G. Rasch, 1960, *Probabilistic Models for Some
Intelligence and Attainment Tests*)::

    P(success) = sigmoid(theta_t - d),   theta_t = g + delta_t

where ``g`` is the student's general programming skill and ``delta_t`` their offset on the
topic. Splitting the ability this way lets one solved loop exercise say a little about
strings too, which matters when a student has only a handful of attempts per topic.

Tracking
--------
Each unknown is kept as a normal belief (mean, variance) and updated after every graded
attempt with one step of an extended Kalman filter on the logistic link. This is the
Elo rating system with an uncertainty-dependent K factor, as in M. E. Glickman, "Parameter
estimation in large dynamic paired comparison experiments" (Applied Statistics 48, 1999,
the Glicko system), and as surveyed for learning systems by R. Pelánek, "Applications of
the Elo rating system in adaptive educational systems" (Computers & Education 98, 2016)::

    p      = sigmoid(mu_g + mu_t - d)
    r      = outcome - p                     (outcome in [0, 1])
    s      = 1 + (var_g + var_t) * p * (1 - p)
    mu_x  += var_x * r / s                   (the K factor is var_x / s)
    var_x -= var_x**2 * p * (1 - p) / s      for x in (g, t)

The covariance between ``g`` and ``delta_t`` is dropped (a diagonal filter), so the update
stays a few multiplications. Students learn, so beliefs widen with time as in Glicko:
each idle day adds ``DRIFT`` to the variances, up to the prior.

Exercises are rated too (the item side of Elo, as in Pelánek 2016): each exercise's
difficulty starts at its authored level (easy -1, medium 0, hard +1 logits) with variance
``ITEM_PRIOR_VAR`` and is updated by the same step with the opposite sign, from every
student's first attempts. Authors' levels are rough; a class's attempts sharpen them.

Outcomes
--------
A graded submission counts test by test (partial credit): each test is a Rasch item of its
own, rated like an exercise (its difficulty starts ``TEST_OFFSET`` below its exercise's
level and is learned from the class), so failing one edge case says little and failing
everything says a lot. The tests of one attempt are not independent (one wrong idea fails
several), so their pooled evidence is capped by ``TESTLET_VAR``, the assumed variance of
an effect the attempt shares across its tests (Bradlow, Wainer & Wang 1999; see
`SkillState.update_tests`). The exercise's own rating keeps predicting the chance of full
success, which is what the daily choice aims at. In the band the choice aims at, almost
every test passes, so the per-test results add most on the attempts that go badly.

A submission that did not get graded (load error, timeout, crash) counts as a plain
attempt: a clean solve counts 1, a failure a quarter of its test score. Hints lower the
credit (a solve after three hints says less than a clean solve): ``1 - 0.15 * hints``,
never below 0.5; with per-test results, they discount the passed tests' evidence by the
same factor. Only the first ``MAX_ATTEMPTS_COUNTED`` attempts at an exercise count, and
none after it was solved: resubmitting a solved exercise must not inflate a skill.

What a student is shown
-----------------------
The filter above serves the daily choice and stays as it is: after failures and a hinted
solve its estimate of the topic can go down (the solve counted for less than predicted, or
the narrower belief pulls a low estimate further from 50 %), and a topic nobody tried sits at
the prior, which can be above a topic the student just worked hard on. A student reads a drop
right after a solve as a punishment, so `%progress` shows a *mastery estimate* instead: the
filter's chance to solve a medium exercise of the topic, but never below a floor set at each
solve. At a solve the floor rises to the higher of the estimate shown just before, the
filter's estimate just after, and the estimate of a topic not tried yet (the prior on the
current general skill). So a solve never lowers the number shown, and a topic just solved is
never shown below an untouched one. Failures lower the filter's estimate but not the floor:
the shown number records the best level demonstrated and the level now, whichever is higher.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

GENERAL = "_general"  # the topic key of the general skill g

# nominal difficulty of each authored level, in logits
LEVEL_DIFFICULTY = {"easy": -1.0, "medium": 0.0, "hard": 1.0}
# the general skill's prior mean by the student's self-reported level
LEVEL_PRIOR = {"beginner": 0.0, "intermediate": 1.0, "advanced": 2.0}
PRIOR_VAR_GENERAL = 0.8
PRIOR_VAR_TOPIC = 0.4
ITEM_VAR = 0.1  # how unsure a nominal difficulty is
ITEM_PRIOR_VAR = 0.3  # an exercise's learned difficulty starts at its level, this unsure
ITEM_MIN_VAR = 0.01
DRIFT = 0.01  # variance added per day (students learn, beliefs age)
HINT_PENALTY = 0.15
MIN_HINTED_CREDIT = 0.5
FAILED_CREDIT = 0.25
MAX_ATTEMPTS_COUNTED = 3
# per-test observations (partial credit, see `SkillState.update_tests`)
TESTLET_VAR = 0.5  # assumed variance of the effect one attempt shares across its tests
TEST_OFFSET = 2.0  # a single test starts this much easier than its exercise, in logits
TEST_PRIOR_VAR = 1.0  # how unsure a fresh test's difficulty is
MASTERY_PROBABILITY = 0.8  # predicted chance on a hard exercise
MASTERY_MAX_SD = 0.7


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass
class Belief:
    """A normal belief about one skill component: mean and variance, in logits."""

    mean: float
    var: float
    attempts: int = 0
    successes: int = 0


def prior(topic: str, level: str | None) -> Belief:
    """The belief before any attempt: the self-reported level sets the general skill."""
    if topic == GENERAL:
        return Belief(LEVEL_PRIOR.get(level or "beginner", 0.0), PRIOR_VAR_GENERAL)
    return Belief(0.0, PRIOR_VAR_TOPIC)


def attempt_credit(passed: bool, score: float, hints: int) -> float:
    """The outcome a graded attempt counts as, between 0 and 1."""
    if passed:
        return max(MIN_HINTED_CREDIT, 1.0 - HINT_PENALTY * max(0, hints))
    return FAILED_CREDIT * min(1.0, max(0.0, score))


def key_of_test(exercise_id: str, test: str) -> str:
    """Where a test's rating is kept: beside its exercise's, keyed by the exercise and the test's name."""
    key = f"{exercise_id}#{hashlib.sha1(test.encode()).hexdigest()[:12]}"
    return key if len(key) <= 100 else f"#{hashlib.sha1(key.encode()).hexdigest()}"


def _step_item(item: Belief, residual: float, pq: float, s: float, success: bool) -> None:
    """The item side of the filter step: a surprise success makes the item look easier."""
    item.mean -= item.var * residual / s
    item.var = max(ITEM_MIN_VAR, item.var - item.var * item.var * pq / s)
    item.attempts += 1
    item.successes += success


@dataclass
class SkillState:
    """All beliefs of one student: the general skill and one offset per topic."""

    level: str | None = None
    beliefs: dict[str, Belief] = field(default_factory=dict)
    floors: dict[str, float] = field(default_factory=dict)  # the shown estimate's floor per topic, set at solves

    def belief(self, topic: str) -> Belief:
        if topic not in self.beliefs:
            self.beliefs[topic] = prior(topic, self.level)
        return self.beliefs[topic]

    def ability(self, topic: str) -> tuple[float, float]:
        """Mean and variance of theta_t = g + delta_t."""
        g, t = self.belief(GENERAL), self.belief(topic)
        return g.mean + t.mean, g.var + t.var

    def expected(self, topic: str, difficulty: float, difficulty_var: float = ITEM_VAR) -> float:
        """The predicted chance of success, averaging over the uncertainty (probit approximation)."""
        mean, var = self.ability(topic)
        return sigmoid((mean - difficulty) / math.sqrt(1.0 + math.pi * (var + difficulty_var) / 8.0))

    def update(self, topic: str, difficulty: float | Belief, outcome: float) -> float:
        """One filter step after an attempt; returns the prediction made before it.

        `difficulty` is a number (a nominal difficulty, taken as known up to ITEM_VAR) or the
        exercise's own Belief, which is then updated too (the item side of Elo: an exercise
        that many strong students fail is harder than its level says).
        """
        item = difficulty if isinstance(difficulty, Belief) else Belief(difficulty, ITEM_VAR)
        g, t = self.belief(GENERAL), self.belief(topic)
        p = sigmoid(g.mean + t.mean - item.mean)
        pq = p * (1.0 - p)
        s = 1.0 + (g.var + t.var + item.var) * pq
        r = outcome - p
        for b in (g, t):
            b.mean += b.var * r / s
            b.var = max(1e-4, b.var - b.var * b.var * pq / s)
        if isinstance(difficulty, Belief):
            _step_item(item, r, pq, s, outcome >= MIN_HINTED_CREDIT)
        t.attempts += 1
        t.successes += outcome >= MIN_HINTED_CREDIT
        return p

    def update_tests(self, topic: str, exercise: Belief, tests: list[tuple[Belief, bool]], passed: bool, hints: int = 0,
                     hidden: frozenset[int] = frozenset()) -> float:
        """One filter step from an attempt's per-test results; returns the predicted chance of success.

        Each test is a Rasch observation with its own difficulty (a Belief, updated too, like
        an exercise's). Their residuals are pooled into one step whose information is capped
        by TESTLET_VAR: the tests of one attempt share the student's state that day (a
        testlet, E. T. Bradlow, H. Wainer & X. Wang, "A Bayesian random effects model for
        testlets", Psychometrika 64, 1999), so twelve tests are not twelve attempts. Hints
        discount the evidence of the passed tests (a hinted pass says less). The exercise's
        own rating (its chance of full success, used for the daily choice) is updated from
        `passed` on the item side only, so the attempt is not counted twice for the student.

        `hidden` (indexes into `tests`): tests the student is told about only as a count. Their
        residuals use the tests' mean predicted chance, so the student's step depends on how many
        of them passed, never on which: the skills shown after a submission must not tell the
        student more about the hidden tests than the count does. Each test's own rating still
        learns from its own result.
        """
        g, t = self.belief(GENERAL), self.belief(topic)
        theta, var = g.mean + t.mean, g.var + t.var
        weight = attempt_credit(True, 1.0, hints)
        chances = [sigmoid(theta - rating.mean) for rating, _ in tests]
        pooled = [chances[i] for i in hidden if i < len(tests)]
        pooled_chance = sum(pooled) / len(pooled) if pooled else 0.0
        residual = info = 0.0
        for i, ((rating, ok), p) in enumerate(zip(tests, chances)):
            pq = p * (1.0 - p)
            r = (1.0 if ok else 0.0) - p
            seen = (1.0 if ok else 0.0) - (pooled_chance if i in hidden else p)  # the residual the student's step uses
            residual += seen * weight if seen > 0 else seen
            info += pq
            _step_item(rating, r, pq, 1.0 + (var + rating.var) * pq, ok)
        s = 1.0 + (var + TESTLET_VAR) * info
        for b in (g, t):
            b.mean += b.var * residual / s
            b.var = max(1e-4, b.var - b.var * b.var * info / s)
        p = sigmoid(theta - exercise.mean)
        pq = p * (1.0 - p)
        outcome = attempt_credit(passed, 0.0, hints)
        _step_item(exercise, outcome - p, pq, 1.0 + (var + exercise.var) * pq, passed)
        t.attempts += 1
        t.successes += passed
        return p

    def untouched_level(self) -> float:
        """The predicted chance on a medium exercise of a topic never tried: the prior offset on the current g."""
        g, t = self.belief(GENERAL), prior("", self.level)
        return sigmoid((g.mean + t.mean - LEVEL_DIFFICULTY["medium"]) / math.sqrt(1.0 + math.pi * (g.var + t.var + ITEM_VAR) / 8.0))

    def shown_level(self, topic: str) -> float:
        """What the student is shown for a topic: the filter's estimate, never below the floor set at solves."""
        return max(self.expected(topic, LEVEL_DIFFICULTY["medium"]), self.floors.get(topic, 0.0))

    def note_solve(self, topic: str, shown_before: float) -> float:
        """Raise the topic's floor after a solve (the filter already updated); returns the new floor."""
        floor = max(shown_before, self.shown_level(topic), self.untouched_level())
        self.floors[topic] = floor
        return floor

    def age(self, days: float, topic: str | None = None) -> None:
        """Widen beliefs (all, or one topic's) for `days` without practice, never beyond the prior."""
        if days <= 0:
            return
        for name in [topic] if topic else list(self.beliefs):
            b = self.belief(name)
            cap = PRIOR_VAR_GENERAL if name == GENERAL else PRIOR_VAR_TOPIC
            b.var = max(b.var, min(cap, b.var + DRIFT * days))

    def mastered(self, topic: str) -> bool:
        """Confident that a hard exercise of the topic would be solved 80 % of the time."""
        _, var = self.ability(topic)
        return math.sqrt(var) <= MASTERY_MAX_SD and self.expected(topic, LEVEL_DIFFICULTY["hard"]) >= MASTERY_PROBABILITY

    def summary(self, topic: str) -> dict:
        """What a student sees for one topic."""
        mean, var = self.ability(topic)
        b = self.belief(topic)
        return {
            "topic": topic,
            "level": round(self.expected(topic, LEVEL_DIFFICULTY["medium"]), 3),
            "shown": round(self.shown_level(topic), 3),
            "rating": round(mean, 3),
            "uncertainty": round(math.sqrt(var), 3),
            "attempts": b.attempts,
            "successes": b.successes,
            "mastered": self.mastered(topic),
        }
