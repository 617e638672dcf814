"""`codementor bench adaptive`: the daily choice against two baselines, on simulated students.

The simulated world (an item-response model, hidden from the policies). Every number below
is an assumption of the simulation, not a measurement of real students:

- 13 topics in a prerequisite tree (topic i needs topic (i-1)//2), 6 exercises each (2
  easy, 2 medium, 2 hard; `--per-level` changes the 2), about the size of the bank. An
  exercise's true difficulty is its level's nominal difficulty (-1, 0, +1 logits) plus
  N(0, 0.3): authors' levels are only roughly right. It is the ability at which a first
  submission passes every test half the time.
- Exercises are graded by tests, as the real grader does. An exercise has as many tests as
  one of the bank's exercises (7 to 19, drawn from the bank's own counts). Its tests'
  difficulties spread N(0, `--test-spread`, default 1.0) around a common level, shifted so
  that the exercise's 50 % point is its true difficulty.
- A student has a general ability g ~ N(0.8, 0.9) and topic offsets N(0, `--topic-sd`,
  default 0.5); their ability on topic t is theta_t = g + offset_t. With these figures two
  topics' abilities correlate at 0.76. A submission draws one attempt effect
  e ~ N(0, `--testlet-sd`, default 0.7), shared by all its tests (a good or bad day, the
  right or wrong idea: a testlet effect, Bradlow, Wainer & Wang, Psychometrika 64, 1999),
  then passes each test independently with the Rasch chance sigmoid(theta_t + e - b_test)
  (G. Rasch, 1960). Success means every test passes, as in the grader.
- The true chance of success of an assignment is therefore E_e[prod_tests sigmoid(theta_t +
  e - b_test)], computed from the same model (16-point quadrature over e); "in band" means
  that chance lies in the selector's BAND (70-85 %), judged before the attempt.
- Each submission teaches: +0.12 logits on its topic after a success, +0.05 after a failure.
- The self-reported level is the general ability seen through noise N(0, 0.6), cut at 0.3
  and 1.3 into beginner, intermediate, advanced.
- Each day a policy assigns `per_day` exercises; the student submits each once, without
  hints. A topic is mastered when the true ability reaches a nominal hard exercise's
  80 % point (1 + logit 0.8).

Rows: ``adaptive`` (the API's selector and skill model, the same code, updating from every
test's result; exercise and test ratings shared by the simulated class), ``adaptive-pf``
(the same, but updating from pass/fail alone, as before partial credit: the gain of the
per-test results), ``random`` (any exercise not solved yet), ``fixed`` (one order by
difficulty, then topic). Two reference rows read the hidden world and are not policies:
``informed`` is the API's selector given the true abilities and exercise chances (what its
rules - prerequisites, spaced reviews - allow with perfect knowledge), ``knows-g`` is the
same selector and filter told each student's true general ability and every exercise's and
test's true difficulty, learning only the topic offsets from the attempts (the most any
policy could know without seeing the offsets), and ``oracle`` picks the open exercise whose
true chance is nearest the band's middle, ignoring every rule: the ceiling the bank and
world allow.

What limits the adaptive row here is information, not the selector. The band is about 0.85
logits of ability wide. If the student's ability on a topic is known only to within a normal
error of sd s, the best any choice can do is put the exercise's chance in the band with
probability 2*Phi(0.85 / (2 s)) - 1: 60 % at s = 0.5 (an unpractised topic's offset, even
with g known exactly), 80 % only at s <= 0.33. One attempt in the band carries little
information (its outcome is nearly certain: Fisher information about 0.17 for pass/fail),
so a topic's offset needs some 30 pass/fail attempts before its sd falls from 0.5 to 0.33,
and a month at one exercise a day gives each of 13 topics two or three. The printed ``bound`` is
the first figure; ``knows-g`` measures it with the selector's own rules. In the band,
nearly every test passes, so per-test results add little over pass/fail; they help most on
failed attempts. ``--topic-sd 0`` shows a world with one ability per student: there the
general ability still has to be learned from one exercise a day.

The placement row is limited the same way. A placement answer is simulated as an exercise
is: each printed line a Rasch item of its true difficulty (its level's nominal one plus
N(0, 0.5)), all lines of one question sharing one attempt effect. So a question tells its
topic's ability to no better than the attempt effect's sd, and the general skill to no
better than that and the topic offset together, however many lines it has; six questions
leave the general skill known to about 0.4 logits, where ``told-g`` knows it exactly and is
still 0.5 logits off on the first week's topics (their offsets). The ``calibration`` lines
print these errors beside the sd each belief claims; ``--placement-lines`` and
``--placement-questions`` show what longer or more questions would buy.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist, median

from ..api.learner import placement
from ..api.learner.selector import BAND, History, Item, Selector
from ..api.learner.skills import (
    GENERAL,
    ITEM_PRIOR_VAR,
    LEVEL_DIFFICULTY,
    MAX_ATTEMPTS_COUNTED,
    TEST_OFFSET,
    TEST_PRIOR_VAR,
    Belief,
    SkillState,
    attempt_credit,
    logit,
    sigmoid,
    key_of_test,
)
from ..exercise_bank.placement import load_questions
from ..exercise_bank.topics import TOPICS

MASTERY_LOGIT = LEVEL_DIFFICULTY["hard"] + logit(0.8)
START = date(2026, 1, 5)
TESTLET_SD = 0.7
TEST_SPREAD = 1.0
TOPIC_SD = 0.5
QUADRATURE = 16
PLACEMENT_SD = 0.5  # a placement line's true difficulty is its level's nominal one plus N(0, this)
FIRST_WEEK = 7
LATER_DAYS = (8, 30)  # the days a student's own success rate is read over
# tests per exercise (visible + hidden) in the bank, one entry per exercise
BANK_TEST_COUNTS = (7,) * 3 + (10,) * 10 + (11,) * 18 + (12,) * 11 + (13,) * 6 + (14,) * 6 + (15, 15, 16, 17, 19)


@dataclass
class World:
    items: list[Item]
    true_difficulty: dict[str, float]  # the ability at which a first submission succeeds half the time
    testlet_sd: float = TESTLET_SD
    tests: dict[str, list[float]] = field(default_factory=dict)  # each test's true difficulty
    band: dict[str, tuple[float, float]] = field(default_factory=dict)  # the abilities whose chance is in BAND
    questions: list[placement.Question] = field(default_factory=list)  # the bank's placement questions, at their nominal difficulty
    question_parts: dict[str, list[float]] = field(default_factory=dict)  # and their lines' true difficulties
    placement_questions: int = 0  # a what-if: the check asks exactly this many (0: the API's rule)

    def success_chance(self, ability: float, tests: list[float]) -> float:
        """P(every test passes): the mean over the attempt effect of the product of the tests' chances."""
        total = 0.0
        for k in range(QUADRATURE):
            shifted = ability + self.testlet_sd * NormalDist().inv_cdf((k + 0.5) / QUADRATURE)
            p = 1.0
            for b in tests:
                p *= sigmoid(shifted - b)
            total += p
        return total / QUADRATURE

    def ability_for(self, chance: float, tests: list[float]) -> float:
        """The ability at which `success_chance` equals `chance` (it rises with ability: bisection)."""
        lo, hi = -20.0, 30.0
        for _ in range(45):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if self.success_chance(mid, tests) < chance else (lo, mid)
        return (lo + hi) / 2


def make_world(
    rng: random.Random, per_level: int = 2, test_spread: float = TEST_SPREAD, testlet_sd: float = TESTLET_SD, placement_lines: int = 0,
) -> World:
    world = World([], {}, testlet_sd)
    for i, topic in enumerate(TOPICS):
        prereqs = (TOPICS[(i - 1) // 2],) if i else ()
        for level, nominal in LEVEL_DIFFICULTY.items():
            for k in range(per_level):
                item = Item(f"{topic}-{level}-{k}", topic, nominal, prereqs)
                world.items.append(item)
                d = world.true_difficulty[item.id] = nominal + rng.gauss(0, 0.3)
                raw = [rng.gauss(0, test_spread) for _ in range(rng.choice(BANK_TEST_COUNTS))]
                shift = world.ability_for(0.5, raw) - d
                tests = world.tests[item.id] = [b - shift for b in raw]
                world.band[item.id] = (world.ability_for(BAND[0], tests), world.ability_for(BAND[1], tests))
    for question in map(placement.Question.of, load_questions()):
        if placement_lines:  # a what-if: the question with this many printed lines, its levels repeated
            question = placement.Question(question.id, question.topic, tuple(question.parts[k % len(question.parts)] for k in range(placement_lines)))
        world.questions.append(question)
        world.question_parts[question.id] = [d + rng.gauss(0, PLACEMENT_SD) for d in question.parts]
    return world


@dataclass
class Student:
    name: str
    level: str
    ability: dict[str, float]
    general: float = 0.0  # g, hidden from the policies (only `knows-g` is told it)
    solved: set[str] = field(default_factory=set)
    mastered_on: dict[str, int] = field(default_factory=dict)


def make_student(rng: random.Random, n: int, topic_sd: float = TOPIC_SD) -> Student:
    g = rng.gauss(0.8, 0.9)
    reported = g + rng.gauss(0, 0.6)
    level = "beginner" if reported < 0.3 else "intermediate" if reported < 1.3 else "advanced"
    ability = {t: g + rng.gauss(0, topic_sd) for t in TOPICS}
    student = Student(f"sim-{n}", level, ability, g)
    student.mastered_on = {t: 0 for t, a in ability.items() if a >= MASTERY_LOGIT}
    return student


class Adaptive:
    """The API's policy: the same skill filter, ratings shared by the class, the same selector."""

    name = "adaptive"
    per_test = True

    @staticmethod
    def shared(world: World) -> dict:
        ratings = {it.id: Belief(it.difficulty, ITEM_PRIOR_VAR) for it in world.items}
        for it in world.items:
            for j in range(len(world.tests[it.id])):
                ratings[key_of_test(it.id, str(j))] = Belief(it.difficulty - TEST_OFFSET, TEST_PRIOR_VAR)
        return {"ratings": ratings, "selector": None}

    @staticmethod
    def start_day(shared: dict, world: World) -> None:
        ratings = shared["ratings"]
        shared["selector"] = Selector([Item(it.id, it.topic, ratings[it.id].mean, it.prerequisites, ratings[it.id].var) for it in world.items])

    def __init__(self, world: World, student: Student, shared: dict):
        self.shared = shared
        self.skills = SkillState(level=student.level)
        self.history = History()
        self.tries: dict[str, int] = {}
        self.student = student

    def assign(self, day: date, per_day: int, rng: random.Random) -> list[Item]:
        if day > START:
            self.skills.age(1)
        return [c.item for c in self.shared["selector"].choose(self.skills, self.history, self.student.name, day, per_day)]

    def observe(self, item: Item, passed: bool, results: list[bool], day: date) -> None:
        tries = self.tries.get(item.id, 0)
        if item.id not in self.history.solved and tries < MAX_ATTEMPTS_COUNTED:
            self.learn(item, passed, results)
        self.tries[item.id] = tries + 1
        self.history.attempted.add(item.id)
        if passed:
            self.history.solved[item.id] = day
            self.history.failed_topics.pop(item.topic, None)
        else:
            self.history.failed_topics[item.topic] = day

    def learn(self, item: Item, passed: bool, results: list[bool]) -> None:
        ratings = self.shared["ratings"]
        if self.per_test:
            tests = [(ratings[key_of_test(item.id, str(j))], ok) for j, ok in enumerate(results)]
            self.skills.update_tests(item.topic, ratings[item.id], tests, passed)
        else:
            self.skills.update(item.topic, ratings[item.id], attempt_credit(passed, sum(results) / len(results), 0))


class Placed(Adaptive):
    """The API's policy after the placement check at onboarding (`codementor.api.learner.placement`)."""

    name = "adaptive+placement"
    placed = True

    def place(self, world: World, rng: random.Random) -> int:
        """Ask placement questions until the check ends; the student answers from the hidden world."""
        asked: list[str] = []
        least, most = (world.placement_questions,) * 2 if world.placement_questions else (placement.MIN_QUESTIONS, placement.MAX_QUESTIONS)
        while (question := placement.next_question(self.skills, world.questions, asked, TOPICS, least, most)) is not None:
            # the lines of one question share the student's moment, as an exercise's tests do
            ability = self.student.ability[question.topic] + rng.gauss(0, world.testlet_sd)
            correct = [rng.random() < sigmoid(ability - b) for b in world.question_parts[question.id]]
            placement.record(self.skills, question, correct)
            asked.append(question.id)
        return len(asked)


class PassFail(Adaptive):
    """The same policy, learning from pass/fail and the score alone (the update before per-test results)."""

    name = "adaptive-pf"
    per_test = False


class TrueSkills(SkillState):
    """A skill state that knows the hidden abilities exactly (for the `informed` reference row)."""

    def __init__(self, truth: dict[str, float]):
        super().__init__()
        self.truth = truth

    def ability(self, topic: str) -> tuple[float, float]:
        return self.truth.get(topic, 0.0), 1e-6


class Informed(Adaptive):
    """Not a policy: the API's selector fed the hidden abilities and exercise chances."""

    name = "informed"

    @staticmethod
    def shared(world: World) -> dict:
        middle = logit(sum(BAND) / 2)
        items = [Item(it.id, it.topic, sum(world.band[it.id]) / 2 - middle, it.prerequisites, 1e-6) for it in world.items]
        return {"selector": Selector(items)}

    @staticmethod
    def start_day(shared: dict, world: World) -> None:
        pass

    def __init__(self, world: World, student: Student, shared: dict):
        super().__init__(world, student, shared)
        self.skills = TrueSkills(student.ability)

    def learn(self, item: Item, passed: bool, results: list[bool]) -> None:
        pass


class KnownGeneral(SkillState):
    """A skill state whose general ability is the student's true one, fixed; offsets are learned."""

    def __init__(self, level: str, general: float):
        super().__init__(level=level)
        self.general = general

    def belief(self, topic: str) -> Belief:
        if topic == GENERAL:
            return Belief(self.general, 1e-6)  # a fresh copy: never moved by an update, never aged
        return super().belief(topic)


class ToldGeneral(Adaptive):
    """Not a policy: the adaptive row told each student's true general ability and nothing else.

    What a placement check could buy at most if it measured the general skill exactly (it
    also learns a little about the topics it asks about, so it can come near or a bit past it).
    """

    name = "told-g"

    def __init__(self, world: World, student: Student, shared: dict):
        super().__init__(world, student, shared)
        self.skills = KnownGeneral(student.level, student.general)


class KnowsGeneral(Adaptive):
    """Not a policy: the API's filter and selector told g and every exercise's and test's true difficulty.

    Only the topic offsets are unknown; they are learned from the per-test results, as the
    adaptive row learns them. What it reaches is what knowing everything but the offsets buys.
    """

    name = "knows-g"

    @staticmethod
    def shared(world: World) -> dict:
        middle = logit(sum(BAND) / 2)
        centre = {it.id: sum(world.band[it.id]) / 2 - middle for it in world.items}
        items = [Item(it.id, it.topic, centre[it.id], it.prerequisites, 1e-6) for it in world.items]
        return {"selector": Selector(items), "centre": centre}

    @staticmethod
    def start_day(shared: dict, world: World) -> None:
        pass

    def __init__(self, world: World, student: Student, shared: dict):
        super().__init__(world, student, shared)
        self.world = world
        self.skills = KnownGeneral(student.level, student.general)

    def learn(self, item: Item, passed: bool, results: list[bool]) -> None:
        # fresh Beliefs with (almost) no variance: the true difficulties, never re-rated
        tests = [(Belief(b, 1e-6), ok) for b, ok in zip(self.world.tests[item.id], results)]
        self.skills.update_tests(item.topic, Belief(self.shared["centre"][item.id], 1e-6), tests, passed)


class RandomPolicy:
    name = "random"

    @staticmethod
    def shared(world):
        return None

    @staticmethod
    def start_day(shared, world):
        pass

    def __init__(self, world: World, student: Student, shared=None):
        self.items, self.student = world.items, student

    def assign(self, day, per_day, rng):
        open_items = [it for it in self.items if it.id not in self.student.solved] or self.items
        return rng.sample(open_items, min(per_day, len(open_items)))

    def observe(self, item, passed, results, day):
        pass


class FixedOrder(RandomPolicy):
    name = "fixed"

    def __init__(self, world: World, student: Student, shared=None):
        super().__init__(world, student)
        order = {t: i for i, t in enumerate(TOPICS)}
        self.items = sorted(world.items, key=lambda it: (it.difficulty, order[it.topic], it.id))

    def assign(self, day, per_day, rng):
        open_items = [it for it in self.items if it.id not in self.student.solved] or self.items
        return open_items[:per_day]


class Oracle(RandomPolicy):
    """Not a policy: it reads the hidden abilities, to show the best share the bank allows."""

    name = "oracle"

    def __init__(self, world: World, student: Student, shared=None):
        super().__init__(world, student)
        self.band = world.band

    def assign(self, day, per_day, rng):
        open_items = [it for it in self.items if it.id not in self.student.solved] or self.items
        return sorted(open_items, key=lambda it: abs(self.student.ability[it.topic] - sum(self.band[it.id]) / 2))[:per_day]


@dataclass
class Tally:
    assignments: int = 0
    in_band: int = 0
    week_assignments: int = 0
    week_in_band: int = 0
    questions: int = 0
    successes: int = 0
    mastery_days: list[int] = field(default_factory=list)
    mastered: int = 0
    to_master: int = 0
    week_errors: list[tuple[float, float]] = field(default_factory=list)  # first week: (estimate - truth, claimed variance) of the assigned topic


def submit(world: World, student: Student, item: Item, rng: random.Random) -> tuple[bool, list[bool]]:
    """One submission: each test passes with its Rasch chance, shifted by the attempt's effect."""
    ability = student.ability[item.topic]
    effect = rng.gauss(0, world.testlet_sd)
    results = [rng.random() < sigmoid(ability + effect - b) for b in world.tests[item.id]]
    passed = all(results)
    student.ability[item.topic] += 0.12 if passed else 0.05
    if passed:
        student.solved.add(item.id)
    return passed, results


def run_policy(policy_cls, students: int, days: int, per_day: int, seed: int, world: World, topic_sd: float = TOPIC_SD) -> dict:
    """Simulate a class day by day (everyone works on day 1 before anyone on day 2)."""
    tally = Tally()
    shared = policy_cls.shared(world)
    population = [make_student(random.Random(f"{seed}-student-{n}"), n, topic_sd) for n in range(students)]
    rngs = [random.Random(f"{seed}-outcomes-{n}") for n in range(students)]
    policies = [policy_cls(world, s, shared) for s in population]
    tally.to_master = sum(len(TOPICS) - len(s.mastered_on) for s in population)
    if getattr(policy_cls, "placed", False):
        tally.questions = sum(p.place(world, random.Random(f"{seed}-placement-{n}")) for n, p in enumerate(policies))
    general = [(p.skills.belief(GENERAL).mean - s.general, p.skills.belief(GENERAL).var) for s, p in zip(population, policies) if hasattr(p, "skills")]
    later = [[0, 0, 0.0] for _ in population]  # per student over LATER_DAYS: assignments, successes, sum of true chances
    for d in range(days):
        day = START + timedelta(days=d)
        policy_cls.start_day(shared, world)
        for student, policy, rng, own in zip(population, policies, rngs, later):
            for item in policy.assign(day, per_day, rng):
                low, high = world.band[item.id]
                in_band = low <= student.ability[item.topic] <= high
                tally.assignments += 1
                tally.in_band += in_band
                if d < FIRST_WEEK:
                    tally.week_assignments += 1
                    tally.week_in_band += in_band
                    if hasattr(policy, "skills"):
                        mean, var = policy.skills.ability(item.topic)
                        tally.week_errors.append((mean - student.ability[item.topic], var))
                chance = world.success_chance(student.ability[item.topic], world.tests[item.id]) if LATER_DAYS[0] <= d + 1 <= LATER_DAYS[1] else None
                passed, results = submit(world, student, item, rng)
                tally.successes += passed
                if chance is not None:
                    own[0] += 1
                    own[1] += passed
                    own[2] += chance
                policy.observe(item, passed, results, day)
            for topic, ability in student.ability.items():
                if topic not in student.mastered_on and ability >= MASTERY_LOGIT:
                    student.mastered_on[topic] = d + 1
                    tally.mastery_days.append(d + 1)
    return {
        "policy": policy_cls.name,
        "assignments": tally.assignments,
        "in_band_share": round(tally.in_band / tally.assignments, 4),
        "first_week_in_band_share": round(tally.week_in_band / tally.week_assignments, 4) if tally.week_assignments else None,
        "placement_questions": round(tally.questions / students, 2),
        "own_success": own_success_distribution(later),
        "calibration": {"general_at_start": calibration(general), "first_week_topics": calibration(tally.week_errors)},
        "success_rate": round(tally.successes / tally.assignments, 4),
        "mean_days_to_master": round(sum(tally.mastery_days) / len(tally.mastery_days), 2) if tally.mastery_days else None,
        "mastered_share": round(len(tally.mastery_days) / tally.to_master, 4) if tally.to_master else None,
    }


def calibration(errors: list[tuple[float, float]]) -> dict | None:
    """How far the policy's beliefs are from the truth, against how far it believes they are: the mean
    error (bias), its root mean square and the sd the belief claims (root of the mean variance). A
    claimed sd above the rmse is a timid belief, below it an overconfident one."""
    if not errors:
        return None
    n = len(errors)
    return {
        "bias": round(sum(e for e, _ in errors) / n, 3),
        "rmse": round(math.sqrt(sum(e * e for e, _ in errors) / n), 3),
        "claimed_sd": round(math.sqrt(sum(v for _, v in errors) / n), 3),
    }


def own_success_distribution(later: list[list]) -> dict | None:
    """How students' own success rates over LATER_DAYS spread: realised (what they saw) and expected
    (the mean of their assignments' true chances: what the policy set, without the luck of the draw)."""
    rows = [own for own in later if own[0]]
    if not rows:
        return None
    edges = (0.0, 0.5, 0.6, 0.7, 0.85, 0.95, 1.0001)

    def spread(rates: list[float]) -> dict:
        counts = [sum(lo <= r < hi for r in rates) for lo, hi in zip(edges, edges[1:])]
        return {
            "in_band": round(sum(BAND[0] <= r <= BAND[1] for r in rates) / len(rates), 4),
            "histogram": [round(c / len(rates), 4) for c in counts],
        }

    return {
        "assignments_per_student": round(median(own[0] for own in rows), 1),
        "realised": spread([own[1] / own[0] for own in rows]),
        "expected": spread([own[2] / own[0] for own in rows]),
        "edges": [0, 50, 60, 70, 85, 95, 100],
    }


def binomial_in_band(n: int, p: float) -> float:
    """The share of students with n assignments, each at true chance exactly p, whose realised rate is in BAND."""
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1) if BAND[0] <= k / n <= BAND[1])


POLICIES = (Adaptive, Placed, PassFail, RandomPolicy, FixedOrder, Informed, ToldGeneral, KnowsGeneral, Oracle)


def run(
    students: int = 1000, days: int = 30, per_day: int = 1, seed: int = 1, per_level: int = 2,
    test_spread: float = TEST_SPREAD, testlet_sd: float = TESTLET_SD, topic_sd: float = TOPIC_SD, placement_lines: int = 0,
    placement_questions: int = 0,
) -> dict:
    world = make_world(random.Random(seed), per_level, test_spread, testlet_sd, placement_lines)
    world.placement_questions = placement_questions
    widths = [high - low for low, high in world.band.values()]
    width = max(widths)  # the widest band: the bound holds for every exercise
    rows = []
    for cls in POLICIES:
        started = time.perf_counter()
        row = run_policy(cls, students, days, per_day, seed, world, topic_sd)
        row["seconds"] = round(time.perf_counter() - started, 2)
        rows.append(row)
    return {
        "students": students, "days": days, "per_day": per_day, "exercises": len(world.items), "seed": seed,
        "band": list(BAND), "test_spread": test_spread, "testlet_sd": testlet_sd, "topic_sd": topic_sd,
        "placement_lines": placement_lines or None, "placement_questions": placement_questions or None,
        "band_width_logits": [round(min(widths), 3), round(median(widths), 3), round(width, 3)], "unpractised_topic_bound": round(band_bound(width, topic_sd), 4), "rows": rows,
        "goals": goals(rows, days),
    }


def goals(rows: list[dict], days: int) -> dict:
    """The daily choice's goals, read off the rows: with and without placement."""
    by = {r["policy"]: r for r in rows}
    reference = by["knows-g"]["in_band_share"]
    out = {}
    for name in ("adaptive", "adaptive+placement"):
        own = by[name]["own_success"] or {}
        out[name] = {
            "share_of_knows_g": round(by[name]["in_band_share"] / reference, 4) if reference else None,
            "students_own_rate_in_band_expected": own.get("expected", {}).get("in_band"),
            "students_own_rate_in_band_realised": own.get("realised", {}).get("in_band"),
        }
    week = [by[n]["first_week_in_band_share"] for n in ("adaptive", "adaptive+placement", "told-g")]
    if None not in week:
        out["first_week_gain_points"] = round(100 * (week[1] - week[0]), 1)
        out["first_week_gain_told_g_points"] = round(100 * (week[2] - week[0]), 1)
    n = int(by["adaptive"]["own_success"]["assignments_per_student"]) if by["adaptive"]["own_success"] else 0
    if n:
        out["realised_ceiling"] = round(binomial_in_band(n, sum(BAND) / 2), 4)
        out["assignments_per_student"] = n
    return out


def band_bound(width: float, sd: float) -> float:
    """The best chance that an exercise is in the band when the ability is known to a normal error of `sd`.

    The band is an interval of `width` logits of ability; centring it on the estimate is the
    best any choice can do, and catches the true ability with probability 2*Phi(width/2sd) - 1.
    """
    if sd <= 0:
        return 1.0
    return 2 * NormalDist().cdf(width / (2 * sd)) - 1


def format_table(result: dict) -> str:
    lines = [
        f"{result['students']} simulated students, {result['days']} days, {result['per_day']} exercise(s) a day "
        f"from {result['exercises']} exercises (seed {result['seed']}; test spread {result['test_spread']}, "
        f"testlet sd {result['testlet_sd']}, topic sd {result['topic_sd']}"
        + (f", placement questions of {result['placement_lines']} lines" if result.get("placement_lines") else "")
        + (f", {result['placement_questions']} placement questions" if result.get("placement_questions") else "")
        + "); band = true chance of success in "
        f"{result['band'][0]:.0%}-{result['band'][1]:.0%}, {result['band_width_logits'][0]:.2f}-{result['band_width_logits'][2]:.2f} "
        "logits of ability wide",
        f"{'policy':<19} {'in band':>8} {'week 1':>7} {'success':>8} {'own 70-85%':>11} {'days to master':>15} {'mastered':>9} {'time':>7}",
    ]
    for r in result["rows"]:
        days = "-" if r["mean_days_to_master"] is None else f"{r['mean_days_to_master']:.1f}"
        mastered = "-" if r["mastered_share"] is None else f"{r['mastered_share']:.1%}"
        week = "-" if r["first_week_in_band_share"] is None else f"{r['first_week_in_band_share']:.1%}"
        own = "-" if not r["own_success"] else f"{r['own_success']['expected']['in_band']:.0%}/{r['own_success']['realised']['in_band']:.0%}"
        lines.append(
            f"{r['policy']:<19} {r['in_band_share']:>8.1%} {week:>7} {r['success_rate']:>8.1%} {own:>11} {days:>15} {mastered:>9} {r['seconds']:>6.1f}s"
        )
    lines.append("week 1: in-band share of the first 7 days; own 70-85%: share of students whose own success rate over days")
    lines.append(f"{LATER_DAYS[0]}-{LATER_DAYS[1]} lies in the band, expected (mean true chance of their assignments) / realised (what they saw)")
    lines.append("adaptive+placement: the same policy after the placement check at onboarding (api/learner/placement.py);")
    lines.append("told-g: the adaptive row told the true general ability (the most a placement of the general skill buys)")
    lines.append("days to master: mean over (student, topic) pairs not mastered at the start and mastered within the run")
    lines.append("adaptive-pf: the same policy learning from pass/fail only (what the per-test results add)")
    lines.append("informed, oracle: read the hidden world, not policies; informed = the API's selector with perfect")
    lines.append("knowledge (the cost of its rules), knows-g = the same told g and the true difficulties, learning")
    lines.append("only the topic offsets, oracle = nearest the band's middle, no rules (the world's ceiling)")
    lines.append(
        f"bound: with a topic's offset unknown (sd {result['topic_sd']}), no choice puts an exercise in the band more than "
        f"{result['unpractised_topic_bound']:.0%} of the time until the topic has been practised"
    )
    g = result.get("goals", {})
    for name in ("adaptive", "adaptive+placement"):
        if name in g:
            x = g[name]
            lines.append(
                f"goal, {name}: in band {x['share_of_knows_g']:.1%} of knows-g (goal 90 %); students with their own rate in 70-85 %: "
                f"{x['students_own_rate_in_band_expected']:.0%} expected, {x['students_own_rate_in_band_realised']:.0%} realised (goal 70 %)"
            )
    if "first_week_gain_points" in g:
        lines.append(f"goal, placement: first week +{g['first_week_gain_points']} points in band (goal +10; told-g: +{g['first_week_gain_told_g_points']})")
    for r in result["rows"]:
        cal = r.get("calibration") or {}
        if r["policy"] in ("adaptive", "adaptive+placement", "told-g") and cal.get("first_week_topics"):
            start, week = cal["general_at_start"], cal["first_week_topics"]
            lines.append(
                f"calibration, {r['policy']}: general skill at the start: error {start['rmse']:.2f} rms (bias {start['bias']:+.2f}), "
                f"belief's sd {start['claimed_sd']:.2f}; first week, the assigned topic's ability: error {week['rmse']:.2f} rms "
                f"(bias {week['bias']:+.2f}), belief's sd {week['claimed_sd']:.2f}"
            )
    if "realised_ceiling" in g:
        lines.append(
            f"luck of the draw: with {g['assignments_per_student']} assignments each at exactly the band's middle, only "
            f"{g['realised_ceiling']:.0%} of students would see a realised rate in 70-85 %"
        )
    return "\n".join(lines)


def main(args) -> None:
    if getattr(args, "placement_lines", 0) < 0:
        raise SystemExit("codementor bench adaptive: --placement-lines is a number of lines, 0 or more")
    if getattr(args, "placement_questions", 0) < 0:
        raise SystemExit("codementor bench adaptive: --placement-questions is a number of questions, 0 or more")
    result = run(
        args.students, args.days, args.per_day, args.seed, args.per_level, args.test_spread, args.testlet_sd, args.topic_sd,
        getattr(args, "placement_lines", 0), getattr(args, "placement_questions", 0),
    )
    print(json.dumps(result, indent=2) if args.json else format_table(result))
