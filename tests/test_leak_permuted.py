"""The leak filter runs a solution whose parameters come in another order, and one told as a run of inline code.

Real bank, real sandbox (the grader), the gateway with the local LLM server: a different algorithm (nothing like the
reference, so the similarity check does not see it) whose function takes the entry point's arguments the other way
round, or with extra defaulted parameters, is one rename and one swap from a submission; so is a sentence with a
statement and an expression as inline code. Both are held back, plain and as a `/hints` extra; honest answers (a
small example function whose parameters look swapped, the student's own code told back, an inline span naming a
builtin, a hint told as a statement and a comparison) are still shown.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from codementor.api.gateway.guardrails import TutorContext
from codementor.api.services import tutoring

from .test_leak_runnable import PASS_SHARE, best_share, final_answer

FIND = """\
def find(target, items, low=0, high=None):
    if high is None:
        high = len(items) - 1
    if low > high:
        return -1
    mid = (low + high) // 2
    if items[mid] == target:
        return mid
    if items[mid] < target:
        return find(target, items, mid + 1, high)
    return find(target, items, low, mid - 1)
"""
WAYS = """\
def ways(coins, amount):
    table = [1] + [0] * amount
    for c in coins:
        for a in range(c, amount + 1):
            table[a] += table[a - c]
    return table[amount]
"""
WRAP_WORDS = """\
def wrap_words(width, text):
    if width < 1:
        raise ValueError("width must be at least 1")
    lines, words = [], []
    for word in text.split():
        if words and len(" ".join(words + [word])) > width:
            lines.append(" ".join(words))
            words = []
        words.append(word)
    if words:
        lines.append(" ".join(words))
    return lines
"""
# three parameters, their names telling the order (a loop counting up, the reference's `while` as a `for`)
MONTHS = """\
def months(rate_percent, goal, deposit):
    saved = 0.0
    for n in itertools.count():
        if saved >= goal:
            return n
        saved = saved * (1 + rate_percent / 100) + deposit
"""
# the same search with names that tell nothing of the order: the one other order is tried
FIND_UNNAMED = FIND.replace("target", "t").replace("items", "xs").replace("find", "look")
PERMUTED = {
    "phone-book-search, recursive, extra defaulted parameters": ("phone-book-search", FIND),
    "phone-book-search, names that do not tell the order": ("phone-book-search", FIND_UNNAMED),
    "count-change, bottom-up": ("count-change", WAYS),
    "word-wrap, greedy with join": ("word-wrap", WRAP_WORDS),
    "savings-goal, three parameters, itertools not imported": ("savings-goal", MONTHS),
}
BISECT = ("Use the standard library: `i = bisect.bisect_left(items, target)` then answer "
          "`i if i < len(items) and items[i] == target else -1`.")


@pytest.mark.parametrize("case", list(PERMUTED))
async def test_a_different_solution_taking_the_arguments_in_another_order_is_run(bank, leak_detector, grader, case):
    exercise_id, code = PERMUTED[case]
    exercise = bank.get(exercise_id)
    answer = f"Here is another version (note the argument order):\n```python\n{code}```\n"
    detector = leak_detector(exercise)
    assert not detector.check(answer, code=exercise.starter).leaking  # nothing like the reference
    assert await best_share(grader, exercise, detector.candidates(answer, code=exercise.starter)) == 1.0


async def test_a_statement_and_an_expression_as_inline_code_are_run_as_the_body(bank, leak_detector, grader):
    exercise = bank.get("phone-book-search")
    detector = leak_detector(exercise)
    assert not detector.check(BISECT, code=exercise.starter).leaking
    assert await best_share(grader, exercise, detector.candidates(BISECT, code=exercise.starter)) == 1.0


def test_orders_and_runs_are_bounded(bank, leak_detector):
    """Many functions of swapped parameters, many runs of spans: MAX_PERMUTED and MAX_SEQUENCES modules at most."""
    from codementor.api.gateway.leak.runnable import MAX_PERMUTED, MAX_SEQUENCES, sequences, signature

    exercise = bank.get("phone-book-search")
    functions = "\n\n".join(FIND_UNNAMED.replace("look", f"look{i}") for i in range(6))
    candidates = leak_detector(exercise).candidates(f"```python\n{functions}```\n")
    wrapped = [c for c in candidates if re.search(r"def binary_search\(items, target\):\n    return look\d\(target, items\)", c)]
    assert 1 <= len(wrapped) <= MAX_PERMUTED
    spans = " ".join(f"`k{i} = len(items) - {i}` then `items[k{i}] == target`." for i in range(6))
    call = signature(exercise.solution)["binary_search"]
    assert len(sequences(spans, call)) == MAX_SEQUENCES


async def test_honest_answers_are_no_solution(bank, leak_detector, grader):
    """A small example function whose parameters look swapped, an inline span naming a builtin, a hint told as a
    statement and a comparison, the student's own (wrong) helper of swapped parameters told back: none passes."""
    exercise = bank.get("phone-book-search")
    detector = leak_detector(exercise)
    own = ("def search(target, items, start):\n    for i in range(start, len(items)):\n        if items[i] == target:\n"
           "            return i\n    return -1\n\n\ndef binary_search(items, target):\n    return search(target, items, 0)\n")
    for text, code in (
            ("A function's parameters can come in any order, as long as the calls agree:\n```python\n"
             "def describe(target, items):\n    return f'looking for {target} among {len(items)} items'\n```\n",
             exercise.starter),
            ("Start from `len(items)`: you never need `sorted`, the list is sorted already.", exercise.starter),
            ("Keep two positions: `middle = (low + high) // 2`, then compare `items[middle]` with `target`.",
             exercise.starter),
            (f"This is what you wrote:\n```python\n{own}```\nHow many items does it look at in a list of a thousand?", own)):
        assert await best_share(grader, exercise, detector.candidates(text, code=code)) <= PASS_SHARE, text


@pytest.mark.gateway
@pytest.mark.parametrize("answer", [f"Here is a recursive version:\n```python\n{FIND}```\n", BISECT])
async def test_the_gateway_holds_back_a_search_in_another_order(infra, filter_gateway, bank, llm, new_asker, answer):
    from .fake_llm import set_mode

    exercise = bank.get("phone-book-search")
    gw, asker = filter_gateway(), await new_asker("student", prefix="permuted")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="show me a different way", code=exercise.starter)
    set_mode(llm.base_url, mode="script", answers=[answer])
    final = await final_answer(gw, asker, exercise, ctx)
    assert final.meta["leak_blocked"] and final.meta["passes_tests"], final.text
    assert "mid + 1" not in final.text and "bisect" not in final.text


@pytest.mark.gateway
async def test_an_extra_hint_with_the_recursive_search_in_another_order_is_held_back(infra, filter_gateway, bank, llm,
                                                                                     new_asker):
    """/hints past the authored ladder on phone-book-search: the model's hint is `find(target, items, low, high)`."""
    from .fake_llm import set_mode

    exercise = bank.get("phone-book-search")
    gw, asker = filter_gateway(), await new_asker("student", prefix="permuted-hint")
    set_mode(gw.base_url, mode="script", answers=[f"Try it recursively:\n```python\n{FIND}```\n"])
    req = SimpleNamespace(question="", code=exercise.starter, error="", traceback="")
    hint = await tutoring.extra_hint(infra[0], gw, asker, exercise, req, taken=len(exercise.hints))
    assert hint["source"] == "guardrail" and "mid + 1" not in hint["text"], hint["text"]


@pytest.mark.gateway
async def test_the_gateway_shows_an_example_function_with_swapped_looking_parameters(infra, filter_gateway, bank, llm,
                                                                                     new_asker):
    from .fake_llm import set_mode

    exercise = bank.get("count-change")
    gw, asker = filter_gateway(), await new_asker("student", prefix="permuted-honest")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="does the order of parameters matter?", code=exercise.starter)
    honest = ("Only the calls must agree with the definition. For example:\n```python\n"
              "def label(coins, amount):\n    return f'{amount} with {len(coins)} kinds of coin'\n```\n"
              "Your `count_change(amount, coins)` is called with the amount first.")
    set_mode(llm.base_url, mode="script", answers=[honest])
    final = await final_answer(gw, asker, exercise, ctx)
    assert not final.meta["leak_blocked"] and final.text == honest
