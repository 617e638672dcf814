"""`codementor bench adaptive`: the daily choice against two baselines, on simulated students.

The simulated world (an item-response model, hidden from the policies):

- 13 topics in a prerequisite tree (topic i needs topic (i-1)//2), 6 exercises each
  (2 easy, 2 medium, 2 hard; `--per-level` changes the 2), about the size of the bank. An exercise's true difficulty is its level's nominal
  difficulty (-1, 0, +1 logits) plus N(0, 0.3): authors' levels are only roughly right.
- A student has a general ability g ~ N(0.8, 0.9) and topic offsets N(0, 0.5); the chance
  to solve an exercise is sigmoid(g + offset_t - difficulty) (Rasch). Each attempt teaches:
  +0.12 logits on the topic after a success, +0.05 after a failure.
- The self-reported level is the general ability seen through noise N(0, 0.6).
- Each day a policy assigns `per_day` exercises; the student attempts each once, without
  hints. A topic is mastered when the true chance on a nominal hard exercise reaches 80 %.

Policies: ``adaptive`` (the API's selector and skill model, the same code, with exercise
ratings shared by the simulated class), ``random`` (any exercise not solved yet) and
``fixed`` (one order by difficulty, then topic). A fourth row, ``oracle``, reads the hidden
abilities and true difficulties: it is the ceiling the world allows, not a policy.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..api.learner.selector import BAND, History, Item, Selector
from ..api.learner.skills import (
    ITEM_PRIOR_VAR,
    LEVEL_DIFFICULTY,
    MAX_ATTEMPTS_COUNTED,
    Belief,
    SkillState,
    attempt_credit,
    logit,
    sigmoid,
)
from ..exercise_bank.topics import TOPICS

MASTERY_LOGIT = LEVEL_DIFFICULTY["hard"] + logit(0.8)
START = date(2026, 1, 5)


@dataclass
class World:
    items: list[Item]
    true_difficulty: dict[str, float]


@dataclass
class Student:
    name: str
    level: str
    ability: dict[str, float]
    solved: set[str] = field(default_factory=set)
    mastered_on: dict[str, int] = field(default_factory=dict)


def make_world(rng: random.Random, per_level: int = 2) -> World:
    items, truth = [], {}
    for i, topic in enumerate(TOPICS):
        prereqs = (TOPICS[(i - 1) // 2],) if i else ()
        for level, nominal in LEVEL_DIFFICULTY.items():
            for k in range(per_level):
                item = Item(f"{topic}-{level}-{k}", topic, nominal, prereqs)
                items.append(item)
                truth[item.id] = nominal + rng.gauss(0, 0.3)
    return World(items, truth)


def make_student(rng: random.Random, n: int) -> Student:
    g = rng.gauss(0.8, 0.9)
    reported = g + rng.gauss(0, 0.6)
    level = "beginner" if reported < 0.3 else "intermediate" if reported < 1.3 else "advanced"
    ability = {t: g + rng.gauss(0, 0.5) for t in TOPICS}
    student = Student(f"sim-{n}", level, ability)
    student.mastered_on = {t: 0 for t, a in ability.items() if a >= MASTERY_LOGIT}
    return student


class Adaptive:
    """The API's policy: the same skill filter, item ratings shared by the class, the same selector."""

    name = "adaptive"

    @staticmethod
    def shared(world: World) -> dict:
        return {"ratings": {it.id: Belief(it.difficulty, ITEM_PRIOR_VAR) for it in world.items}, "selector": None}

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

    def observe(self, item: Item, passed: bool, day: date) -> None:
        tries = self.tries.get(item.id, 0)
        if item.id not in self.history.solved and tries < MAX_ATTEMPTS_COUNTED:
            self.skills.update(item.topic, self.shared["ratings"][item.id], attempt_credit(passed, 1.0 if passed else 0.0, 0))
        self.tries[item.id] = tries + 1
        self.history.attempted.add(item.id)
        if passed:
            self.history.solved[item.id] = day
            self.history.failed_topics.pop(item.topic, None)
        else:
            self.history.failed_topics[item.topic] = day


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

    def observe(self, item, passed, day):
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
        self.truth = world.true_difficulty

    def assign(self, day, per_day, rng):
        open_items = [it for it in self.items if it.id not in self.student.solved] or self.items
        target = sum(BAND) / 2
        return sorted(open_items, key=lambda it: abs(sigmoid(self.student.ability[it.topic] - self.truth[it.id]) - target))[:per_day]


@dataclass
class Tally:
    assignments: int = 0
    in_band: int = 0
    successes: int = 0
    mastery_days: list[int] = field(default_factory=list)
    mastered: int = 0
    to_master: int = 0


def attempt(world: World, student: Student, item: Item, rng: random.Random, tally: Tally) -> bool:
    p = sigmoid(student.ability[item.topic] - world.true_difficulty[item.id])
    passed = rng.random() < p
    tally.assignments += 1
    tally.in_band += BAND[0] <= p <= BAND[1]
    tally.successes += passed
    student.ability[item.topic] += 0.12 if passed else 0.05
    if passed:
        student.solved.add(item.id)
    return passed


def run_policy(policy_cls, students: int, days: int, per_day: int, seed: int, per_level: int = 2) -> dict:
    """Simulate a class day by day (everyone works on day 1 before anyone on day 2)."""
    world = make_world(random.Random(seed), per_level)
    tally = Tally()
    shared = policy_cls.shared(world)
    population = [make_student(random.Random(f"{seed}-student-{n}"), n) for n in range(students)]
    rngs = [random.Random(f"{seed}-outcomes-{n}") for n in range(students)]
    policies = [policy_cls(world, s, shared) for s in population]
    tally.to_master = sum(len(TOPICS) - len(s.mastered_on) for s in population)
    for d in range(days):
        day = START + timedelta(days=d)
        policy_cls.start_day(shared, world)
        for student, policy, rng in zip(population, policies, rngs):
            for item in policy.assign(day, per_day, rng):
                policy.observe(item, attempt(world, student, item, rng, tally), day)
            for topic, ability in student.ability.items():
                if topic not in student.mastered_on and ability >= MASTERY_LOGIT:
                    student.mastered_on[topic] = d + 1
                    tally.mastery_days.append(d + 1)
    return {
        "policy": policy_cls.name,
        "assignments": tally.assignments,
        "in_band_share": round(tally.in_band / tally.assignments, 4),
        "success_rate": round(tally.successes / tally.assignments, 4),
        "mean_days_to_master": round(sum(tally.mastery_days) / len(tally.mastery_days), 2) if tally.mastery_days else None,
        "mastered_share": round(len(tally.mastery_days) / tally.to_master, 4) if tally.to_master else None,
    }


def run(students: int = 1000, days: int = 30, per_day: int = 1, seed: int = 1, per_level: int = 2) -> dict:
    rows = []
    for cls in (Adaptive, RandomPolicy, FixedOrder, Oracle):
        started = time.perf_counter()
        row = run_policy(cls, students, days, per_day, seed, per_level)
        row["seconds"] = round(time.perf_counter() - started, 2)
        rows.append(row)
    bank = len(TOPICS) * len(LEVEL_DIFFICULTY) * per_level
    return {"students": students, "days": days, "per_day": per_day, "exercises": bank, "seed": seed, "band": list(BAND), "rows": rows}


def format_table(result: dict) -> str:
    lines = [
        f"{result['students']} simulated students, {result['days']} days, {result['per_day']} exercise(s) a day "
        f"from {result['exercises']} exercises "
        f"(seed {result['seed']}); band = true chance of success in {result['band'][0]:.0%}-{result['band'][1]:.0%}",
        f"{'policy':<10} {'in band':>8} {'success':>8} {'days to master':>15} {'mastered':>9} {'time':>7}",
    ]
    for r in result["rows"]:
        days = "-" if r["mean_days_to_master"] is None else f"{r['mean_days_to_master']:.1f}"
        lines.append(
            f"{r['policy']:<10} {r['in_band_share']:>8.1%} {r['success_rate']:>8.1%} {days:>15} {r['mastered_share']:>9.1%} {r['seconds']:>6.1f}s"
        )
    lines.append("days to master: mean over (student, topic) pairs not mastered at the start and mastered within the run")
    lines.append("oracle: reads the hidden abilities; the ceiling this bank and world allow, not a policy")
    return "\n".join(lines)


def main(args) -> None:
    result = run(args.students, args.days, args.per_day, args.seed, args.per_level)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
