"""Edits told one per answer over a conversation (the round 10 closing note's form that still passed), and honest ones.

Since round 10 the filter makes the edits an answer tells line by line in the student's code and runs the result when
two or more apply; one told edit stays shown (a hint). A student who asks again and again got one edit each time: each
answer alone is one fix, but together they make the student's unchanged code pass. Now an answer is also read after
the answers told before it on the same exercise: the edits they told that the student's code does not hold yet are made
first, then the answer's, and the result is run. The answer that completes the solution is replaced; the ones before it
(their edits do not make it pass yet) stay shown.

Honest: a student who makes each told edit (or fixes those lines their own way) before asking again gets one fix on
their code as it is now, up to the last one that makes it pass; edits said under another exercise edit none of this
one's code; an edit told again is made once. Real Postgres, Redis, the local vendor and the grader's sandbox, through
the tutor service.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from codementor.api.gateway.leak import fixes
from codementor.api.gateway.leak.memory import Memory
from codementor.api.services import tutoring

from .fake_llm import set_mode
from .test_gateway import screens_of
from .test_leak_round10_forms import SUM_OF_EVENS_CODE

pytestmark = pytest.mark.gateway

STARTER = None  # the student's code is the exercise's starter

EVENS_EDITS = ["Look at line 4: `n % 2 == 1` picks the odd numbers. Change `== 1` to `== 0`.",
               "Line 5: instead of `total = n` write `total += n`, so each even number is added to what you have.",
               "Nearly there: after the loop, add `return total`."]
MERGE_EDITS = ["Line 6: change `<` to `<=`, since meetings that touch should merge too.",
               "Line 7: instead of `end` write `max(periods[-1][1], end)`, so a meeting inside another does not shorten it."]
STREAK_EDITS = ["Line 3: replace `count = 0` with `best = current = 1 if temps else 0`, so a run starts at one day.",
                "Before: `count += 1` / After: `current += 1`",
                "When a day is not warmer the run starts again: add `else: current = 1` after `current += 1`.",
                "At the end of the loop's body, add `best = max(best, current)`.",
                "Line 7: `return count` should be `return best`."]
HOTTEST_EDITS = ["On a tie the earliest day should win. Line 5: change `>=` to `>`.",
                 "An empty list has no hottest day: at the start of the function, add `if not temps: return -1`."]

SPREAD = {  # label: exercise, the student's code (sent unchanged each time), one edit per answer; the last completes it
    "three answers in prose, sum-of-evens": ("sum-of-evens", SUM_OF_EVENS_CODE, EVENS_EDITS),
    "two answers on the starter, merge-meetings": ("merge-meetings", STARTER, MERGE_EDITS),
    "five answers, prose and a before/after pair, warming-streak": ("warming-streak", STARTER, STREAK_EDITS),
    "a replacement, then an insertion at the start, hottest-day": ("hottest-day", STARTER, HOTTEST_EDITS),
}


def made(code: str, *edits: tuple[str, str]) -> str:
    """`code` with each (old, new) made once, as the student does it by hand."""
    for old, new in edits:
        assert old in code, old
        code = code.replace(old, new, 1)
    return code


EVENS_MADE = [SUM_OF_EVENS_CODE, made(SUM_OF_EVENS_CODE, ("== 1", "== 0")),
              made(SUM_OF_EVENS_CODE, ("== 1", "== 0"), ("total = n", "total += n"))]
EVENS_OWN_WAY = [SUM_OF_EVENS_CODE, made(SUM_OF_EVENS_CODE, ("if n % 2 == 1:", "if not n % 2:")),
                 made(SUM_OF_EVENS_CODE, ("if n % 2 == 1:", "if not n % 2:"), ("total = n", "total = total + n"))]
MERGE_STARTER_FIXED = ("    if periods and start < periods[-1][1]:", "    if periods and start <= periods[-1][1]:")


async def ask(sessionmaker, gw, asker, exercise, code: str, answer: str, stream: bool = False):
    """One tutor exchange through the service: (every text that was on the screen, the final event)."""
    set_mode(gw.base_url, mode="script", answers=[answer])
    request = SimpleNamespace(question="what is still wrong?", code=code, error="", traceback="", stream=stream)
    return await screens_of(tutoring.ask(sessionmaker, gw, asker, exercise, request))


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("label", list(SPREAD))
async def test_the_answer_completing_edits_told_over_the_conversation_is_held_back(infra, filter_gateway, bank, new_asker,
                                                                                   label, stream):
    """Each answer tells one edit of the student's code, which they send unchanged: the answers before the last are
    shown whole (their edits do not make it pass yet); the last, whose edit with the ones told before does, is replaced
    and none of it is on the screen."""
    exercise_id, code, answers = SPREAD[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    code = exercise.starter if code is None else code
    asker = await new_asker(prefix="r11-spread")
    for answer in answers[:-1]:
        _, told = await ask(infra[0], gw, asker, exercise, code, answer, stream=stream)
        assert not told.meta["leak_blocked"] and told.text == answer, (answer, told.text)
    screens, last = await ask(infra[0], gw, asker, exercise, code, answers[-1], stream=stream)
    assert last.meta["leak_blocked"] and answers[-1] not in last.text, last.text
    assert not any(answers[-1] in screen for screen in screens)


async def test_edits_the_student_skipped_count_with_the_last_one(infra, filter_gateway, bank, new_asker):
    """A student who made the first edit but not the second, then got the third: the second and third, both told, make
    their code pass: replaced."""
    gw, exercise = filter_gateway(), bank.get("sum-of-evens")
    asker = await new_asker(prefix="r11-skip")
    for code, answer in zip([EVENS_MADE[0], EVENS_MADE[1]], EVENS_EDITS[:2]):
        _, told = await ask(infra[0], gw, asker, exercise, code, answer)
        assert not told.meta["leak_blocked"] and told.text == answer
    _, last = await ask(infra[0], gw, asker, exercise, EVENS_MADE[1], EVENS_EDITS[2])
    assert last.meta["leak_blocked"], last.text


STREAK_MADE = [("count = 0", "best = current = 1 if temps else 0"), ("count += 1", "current += 1"),
               ("current += 1\n", "current += 1\n        else:\n            current = 1\n"),
               ("current = 1\n    return", "current = 1\n        best = max(best, current)\n    return")]


def by_hand(steps: list[tuple[str, str]]):
    """The starter, then the starter with each told edit made by hand, one more each time."""
    return lambda starter: [made(starter, *steps[:k]) for k in range(len(steps) + 1)]


HONEST = {  # label: exercise, the student's code at each question (from the starter), the answers (one edit each)
    "each told edit made before asking again, sum-of-evens": ("sum-of-evens", lambda _: EVENS_MADE, EVENS_EDITS),
    "each bug fixed their own way before asking again, sum-of-evens": ("sum-of-evens", lambda _: EVENS_OWN_WAY, EVENS_EDITS),
    "the first edit made, merge-meetings": ("merge-meetings", by_hand([MERGE_STARTER_FIXED]), MERGE_EDITS),
    "each told edit made before asking again, warming-streak": ("warming-streak", by_hand(STREAK_MADE), STREAK_EDITS),
    "the tie fixed, then the empty list, hottest-day": ("hottest-day", by_hand([("temp >= temps", "temp > temps")]),
                                                        HOTTEST_EDITS),
    "the same edit told twice, sum-of-evens": ("sum-of-evens", lambda _: [EVENS_MADE[2]] * 2, [EVENS_EDITS[2]] * 2),
}


@pytest.mark.parametrize("label", list(HONEST))
async def test_one_edit_at_a_time_on_the_code_as_it_is_stays_shown(infra, filter_gateway, bank, new_asker, label):
    """The student works through the edits: each answer is one fix of their code as they send it, the last one too,
    after which their code passes through their own work."""
    exercise_id, codes, answers = HONEST[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    asker = await new_asker(prefix="r11-honest")
    for code, answer in zip(codes(exercise.starter), answers, strict=True):
        _, told = await ask(infra[0], gw, asker, exercise, code, answer)
        assert not told.meta["leak_blocked"] and told.text == answer, (answer, told.text)


async def test_edits_said_under_another_exercise_edit_none_of_this_ones_code(filter_gateway, bank):
    """The first two sum-of-evens edits remembered as said under another exercise: the third answer is one fix of the
    student's code (nothing is run for it); said under sum-of-evens, the three together pass and it is replaced."""
    gw, exercise = filter_gateway(), bank.get("sum-of-evens")
    elsewhere = Memory((text, True) for text in EVENS_EDITS[:2])
    assert gw.detector(exercise).candidates(EVENS_EDITS[2], elsewhere, SUM_OF_EVENS_CODE) == []
    assert not (await gw.judge(exercise, EVENS_EDITS[2], elsewhere, SUM_OF_EVENS_CODE)).leaking
    here = Memory((text, False) for text in EVENS_EDITS[:2])
    assert (await gw.judge(exercise, EVENS_EDITS[2], here, SUM_OF_EVENS_CODE)).leaking


def test_an_edit_the_code_holds_is_not_made_again(bank):
    """`fixes.applied` after earlier answers: an insertion the code holds and a replacement whose new text holds its old
    one (`end` becoming `max(periods[-1][1], end)`) count as made already, so one more edit is one fix; with the code as
    it was, they are made, in the order told."""
    merge = bank.get("merge-meetings").starter
    widened = made(merge, ("(periods[-1][0], end)", "(periods[-1][0], max(periods[-1][1], end))"))
    assert fixes.applied(MERGE_EDITS[0], widened, MERGE_EDITS[1:]) is None
    both = fixes.applied(MERGE_EDITS[0], merge, MERGE_EDITS[1:])
    assert both == made(widened, MERGE_STARTER_FIXED)
    assert fixes.applied(EVENS_EDITS[1], EVENS_MADE[1] + "    return total\n", EVENS_EDITS[2:]) is None
    assert fixes.applied(EVENS_EDITS[2], EVENS_MADE[0], EVENS_EDITS[:2]).count("return total") == 1
    assert fixes.applied(EVENS_EDITS[2], EVENS_MADE[0], EVENS_EDITS[2:]) is None  # told again: one edit
