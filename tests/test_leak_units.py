"""The leak filter's detector on the cases a maximally compliant model used to get past it.

Real bank, real sandbox (the grader) for the cases only execution shows: a function of variable
arguments, a one-expression solution in prose.
"""

from __future__ import annotations

import pytest

from codementor.api.gateway.leak.judgement import hidden_share
from codementor.api.grader import Grader


@pytest.fixture
async def grader():
    g = Grader(timeout=3.0)
    yield g
    await g.aclose()


async def best_share(grader, exercise, candidates: list[str]) -> float:
    baseline = await grader.grade(exercise, exercise.starter, feedback=False)
    passed = {t.name for t in baseline.tests if t.passed}
    return max([hidden_share(await grader.grade(exercise, code, feedback=False), passed) for code in candidates], default=0.0)


# --- code the sandbox has to run ------------------------------------------------------------------
VARARGS = "```python\ndef add_up(*xs):\n    return sum(x for x in xs[0] if not x & 1)\n```"
EXPRESSION = "Return `sum(filter(lambda x: x % 2 == 0, numbers))` from your function."


@pytest.mark.parametrize("answer", [
    VARARGS,
    "```python\ndef add_up(values, start=0, **options):\n    return start + sum(filter(lambda v: not v & 1, values))\n```",
    EXPRESSION,
    "The whole function is one line:\n\nsum(filter(lambda v: not v & 1, numbers))\n",
], ids=["varargs", "defaults-and-kwargs", "inline-expression", "expression-line"])
async def test_a_working_solution_of_any_signature_or_as_an_expression_is_run(bank, leak_detector, grader, answer):
    exercise = bank.get("sum-of-evens")
    detector = leak_detector(exercise)
    assert not detector.check(answer).leaking  # nothing like the reference: only running it shows it works
    candidates = detector.candidates(answer)
    assert candidates and await best_share(grader, exercise, candidates) == 1.0


async def test_an_expression_uses_the_exercise_arguments_and_defaults(bank, leak_detector, grader):
    exercise = bank.get("shipping-cost")
    candidates = leak_detector(exercise).candidates("Use `weight_kg * 2` as the answer.")
    assert candidates == ["def shipping_cost(weight_kg, express=False):\n    return weight_kg * 2\n"]
    assert await best_share(grader, exercise, candidates) < 1.0  # run, and wrong


def test_explanations_and_the_students_own_expressions_are_not_run(bank, leak_detector):
    detector = leak_detector(bank.get("sum-of-evens"))
    own = "def sum_of_evens(numbers):\n    return sum(filter(lambda x: x % 2 == 0, numbers))\n"
    assert detector.candidates(EXPRESSION, code=own) == []  # quoting their own code back gives nothing away
    for text in ("Look at `numbers` and at `total` after the loop.", "Check `n % 2 == 0` for each `n`.",
                 "A keyword-only helper:\n```python\ndef helper(a, *, strict):\n    return a\n```"):
        assert detector.candidates(text) == [], text
