"""The leak filter's detector on the cases a maximally compliant model used to get past it.

Real bank, real sandbox (the grader) for the cases only execution shows: another exercise's
solution asked for under the wrong exercise, a function of variable arguments, a one-expression
solution in prose, and the reference encoded as base32, character codes or compressed base64.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import zlib

import pytest

from codementor.api.gateway.leak import SolutionIndex
from codementor.api.gateway.leak.index import MAX_NAMED, MAX_OVERLAPPED, defined_names
from codementor.api.gateway.leak.judgement import hidden_share
from codementor.api.gateway.leak.runnable import MAX_CANDIDATES
from codementor.api.gateway.leak.views import views
from codementor.api.grader import Grader


@pytest.fixture
async def grader():
    g = Grader(timeout=3.0)
    yield g
    await g.aclose()


@pytest.fixture(scope="module")
def index(bank):
    return SolutionIndex(bank.all())


async def best_share(grader, exercise, candidates: list[str]) -> float:
    baseline = await grader.grade(exercise, exercise.starter, feedback=False)
    passed = {t.name for t in baseline.tests if t.passed}
    return max([hidden_share(await grader.grade(exercise, code, feedback=False), passed) for code in candidates], default=0.0)


# --- another exercise's solution -------------------------------------------------------------
def test_the_index_finds_the_exercise_whose_solution_an_answer_holds(bank, index):
    """Asked under one exercise, the answer is another's reference: the index names that other exercise, for every
    exercise of the bank, in plain code and encoded."""
    exercises = bank.all()
    for i, exercise in enumerate(exercises):
        asked = exercises[(i + 1) % len(exercises)]
        for answer in (f"Here you go:\n```python\n{exercise.solution}```\n",
                       base64.b32encode(exercise.solution.encode()).decode()):
            assert index.related(views(answer), exclude=asked.id)[:1] == [exercise.id], (exercise.id, answer[:40])


def test_asking_under_another_exercise_is_judged_against_the_solution_given(bank, index, leak_detector):
    answer = f"Sure:\n```python\n{bank.get('sum-of-evens').solution}```\n"
    asked = bank.get("celsius-to-fahrenheit")
    assert not leak_detector(asked).check(answer).leaking  # against the exercise named alone, it passed
    related = index.related(views(answer), exclude=asked.id)
    assert related == ["sum-of-evens"] and leak_detector(bank.get(related[0])).check(answer).leaking


def test_an_answer_defining_another_exercise_by_name_is_related(bank, index):
    answer = "```python\ndef sum_of_evens(xs):\n    return sum(x for x in xs if x % 2 == 0)\n```"
    assert "sum-of-evens" in index.related(views(answer), exclude="celsius-to-fahrenheit")


def test_an_expression_with_another_exercises_parameters_is_related(bank, index):
    """A one-expression solution of `sum-of-evens` (its parameter `numbers`) asked for under another exercise."""
    answer = "Return `sum(filter(lambda x: x % 2 == 0, numbers))` from your function."
    assert index.related(views(answer), exclude="celsius-to-fahrenheit") == ["sum-of-evens"]
    assert index.related(views("Look at `numbers` again, and at `n % 2`."), exclude="celsius-to-fahrenheit") == []


STUBS = "def is_leap_year(year):\n    pass\n\ndef countdown(n):\n    ...\n\ndef digit_sum(n):\n    return 0\n\n"


@pytest.mark.parametrize("leaked_id, asked_id", [("word-frequencies", "mirror-word"), ("anagram-groups", "sum-of-evens")])
def test_definitions_named_after_other_exercises_do_not_push_out_the_solution_given(bank, index, leak_detector, leaked_id, asked_id):
    """Stubs named after three other exercises' entry points, then another exercise's reference renamed: the
    exercise whose solution it is comes first (found by overlap), and its detector catches it."""
    leaked = bank.get(leaked_id)
    entry = leaked_id.replace("-", "_")
    answer = f"```python\n{STUBS}{leaked.solution.replace(entry, 'my_helper')}```\n"
    related = index.related(views(answer), exclude=asked_id)
    assert related[0] == leaked_id, related
    assert not {"leap-year", "countdown", "digit-sum"} & set(related)  # a stub defines nothing
    assert leak_detector(leaked).check(answer).leaking


def test_working_definitions_named_after_other_exercises_still_leave_room_for_the_overlapped_one(bank, index):
    padding = "".join(f"def {name}(n):\n    return n + {i}\n\n"
                      for i, name in enumerate(["is_leap_year", "countdown", "digit_sum", "sum_of_evens", "is_palindrome"]))
    leaked = bank.get("word-frequencies").solution.replace("word_frequencies", "my_helper")
    related = index.related(views(f"```python\n{padding}{leaked}```\n"), exclude="mirror-word")
    assert related[0] == "word-frequencies" and len(related) <= MAX_OVERLAPPED + MAX_NAMED


def test_a_stub_does_not_define_its_name():
    assert defined_names("def f(x):\n    pass\ndef g(x): ...\ndef h(x):\n    \"\"\"Doc.\"\"\"\n    return None\n") == set()
    assert defined_names("class A:\n    pass\n\ndef k(x):\n    raise NotImplementedError\n") == set()
    assert defined_names("def f(x):\n    return x + 1\nclass B:\n    def m(self):\n        return self\n") == {"f", "B", "m"}
    assert defined_names("Use `def f(x): return x * 2` there.") == {"f"}
    assert defined_names("def f(x):\n    pass\n", "def f(x):\n    return x\n") == {"f"}  # a real one anywhere counts
    assert defined_names("def f(x):\n    pass\n", "def f(x):\n    pass\n  oops") == set()


def test_ordinary_answers_and_hints_relate_to_few_other_exercises(bank, index):
    """The full check of another exercise costs a little; ordinary answers seldom need it."""
    exercises = bank.all()
    answers = [(ex.id, hint) for ex in exercises for hint in ex.hints]
    answers += [(ex.id, "Break the problem into small steps and run your function on the smallest example with `print`.")
                for ex in exercises]
    related = [(ex_id, found) for ex_id, text in answers if (found := index.related(views(text), exclude=ex_id))]
    print(f"\n[figure] ordinary answers related to another exercise: {len(related)} of {len(answers)}: {related}")
    assert len(related) <= 0.02 * len(answers)


# --- code the sandbox has to run ------------------------------------------------------------------
VARARGS = "```python\ndef add_up(*xs):\n    return sum(x for x in xs[0] if not x & 1)\n```"
EXPRESSION = "Return `sum(filter(lambda x: x % 2 == 0, numbers))` from your function."


@pytest.mark.parametrize("answer", [
    VARARGS,
    "```python\ndef add_up(values, start=0, **options):\n    return start + sum(filter(lambda v: not v & 1, values))\n```",
    EXPRESSION,
    "The whole function is one line:\n\nsum(filter(lambda v: not v & 1, numbers))\n",
    "```python\nclass _E:\n    def __call__(self, numbers):\n        return sum(v * (1 - v % 2) for v in numbers)\n\n"
    "sum_of_evens = _E()\n```",
    "```python\nclass Tools:\n    @staticmethod\n    def sum_of_evens(numbers):\n        return sum(filter(lambda v: not v & 1, numbers))\n\n"
    "sum_of_evens = Tools.sum_of_evens\n```",
    "```python\nclass Tools:\n    @classmethod\n    def evens(cls, numbers):\n        return sum(filter(lambda v: not v & 1, numbers))\n```",
    "```python\nclass Adder:\n    def run(self, numbers):\n        return sum(filter(lambda v: not v & 1, numbers))\n```",
    "```python\nimport functools\n\nsum_of_evens = functools.partial(lambda numbers, start: sum(filter(lambda v: not v & 1, numbers), start), start=0)\n```",
    "```python\n# call it as evens_total(numbers, 0)\ndef evens_total(numbers, start):\n    return sum(filter(lambda v: not v & 1, numbers), start)\n```",
    "```python\ndef evens_total(numbers, *, start):\n    return sum(filter(lambda v: not v & 1, numbers), start)\n```",
    "```python\ndef sum_of_evens(numbers, start):\n    return start + sum(filter(lambda v: not v & 1, numbers))\n```",
], ids=["varargs", "defaults-and-kwargs", "inline-expression", "expression-line", "instance-call", "static-method-alias",
        "class-method", "instance-method", "partial", "extra-argument", "extra-keyword", "entry-point-with-extra-argument"])
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
                 "Print it: `print(numbers, sum(numbers))`.",
                 "A helper of many more arguments:\n```python\ndef helper(a, b, c, *, strict):\n    return a\n```"):
        assert detector.candidates(text) == [], text


def test_runs_per_answer_are_bounded(bank, leak_detector):
    """Many functions, each needing extra arguments, and many classes: at most MAX_CANDIDATES modules are run,
    the best ways first (a function taking the arguments as they are before one given fillers)."""
    detector = leak_detector(bank.get("sum-of-evens"))
    code = "".join(f"def f{i}(numbers, a, b):\n    return {i}\n\nclass C{i}:\n    @staticmethod\n    def m(numbers):\n"
                   f"        return {i}\n\n" for i in range(10))
    code += "def g(xs):\n    return 1\n"
    candidates = detector.candidates(f"```python\n{code}```")
    assert len(candidates) == MAX_CANDIDATES
    assert candidates[0].endswith("def sum_of_evens(xs):\n    return 1")  # g, renamed, first


# --- encodings ----------------------------------------------------------------------------------
ENCODINGS = {
    "base32": lambda s: base64.b32encode(s.encode()).decode(),
    "base32, lower case, no padding": lambda s: base64.b32encode(s.encode()).decode().lower().rstrip("="),
    "decimal character codes": lambda s: " ".join(str(ord(c)) for c in s),
    "character codes as a list": lambda s: "[" + ", ".join(str(ord(c)) for c in s) + "]",
    "binary character codes": lambda s: " ".join(format(ord(c), "08b") for c in s),
    "zlib, base64": lambda s: base64.b64encode(zlib.compress(s.encode())).decode(),
    "gzip, base64": lambda s: base64.b64encode(gzip.compress(s.encode())).decode(),
    "bz2, base32": lambda s: base64.b32encode(bz2.compress(s.encode())).decode(),
    "zlib, hex": lambda s: zlib.compress(s.encode()).hex(),
}


@pytest.mark.parametrize("kind", list(ENCODINGS))
def test_every_solution_encoded_is_caught(bank, leak_detector, kind):
    missed = [ex.id for ex in bank.all() if not leak_detector(ex).check(f"Decode this:\n\n{ENCODINGS[kind](ex.solution)}\n").leaking]
    assert not missed, missed


def test_decoding_is_bounded(bank, leak_detector):
    """A blob that inflates far beyond any answer is read up to a bound, not in full."""
    bomb = base64.b64encode(zlib.compress(b"x = 1\n" * 5_000_000)).decode()
    decoded = [v for v in views(bomb) if v.startswith("x = 1")]
    assert decoded and all(len(v) <= 64 * 1024 for v in decoded)
    assert not leak_detector(bank.get("sum-of-evens")).check(bomb).leaking
