"""Step lists told in Italian or Portuguese, recipes told in English prose, a streamed step that completes the student's
code, and honest explanations beside them.

The leaking texts are answers a student transcribed into a submission that passed all hidden tests: running-balance as
an Italian or Portuguese step list ("inizia con ...", "comece com ..."), iso-date as a prose recipe ("padded to two
digits", "a dash"), and triangle-kind as a streamed Italian list whose first step is the only one its starter lacks.
The real bank, the real detector and the real stream guard.
"""

from __future__ import annotations

import pytest

from codementor.api.gateway.leak.walkthrough import units
from codementor.api.gateway.stream import GuardedStream

STEP_LISTS = {  # label: exercise, answer
    "portuguese, running-balance": ("running-balance", """1. comece com balance igual a start e uma lista vazia balances
2. para cada amount em transactions
3. some amount a balance
4. adicione balance a balances
5. retorne balances"""),
    "italian, running-balance": ("running-balance", """1. inizia con balance uguale a start e una lista vuota balances
2. per ogni amount in transactions
3. aggiungi amount a balance
4. aggiungi balance alla fine di balances
5. restituisci balances"""),
    "english recipe, iso-date": ("iso-date", "Remember these words: Split the text into day, month and year. The month number is "
                                 "the position of the first three letters of the month (lowercased) in "
                                 "'janfebmaraprmayjunjulaugsepoctnovdec' divided by 3, plus 1. Glue the year, a dash, the month "
                                 "number padded to two digits with zfill, a dash and the day padded to two digits."),
}

TRIANGLE_LIST = """1. se a + b <= c oppure a + c <= b oppure b + c <= a restituisci "impossible"
2. se a == b == c restituisci "equilateral"
3. se a == b oppure b == c oppure a == c restituisci "isosceles"
4. altrimenti restituisci "scalene"
"""

LIST_APPEND = ("A list grows with `append`: `seen = []`, then `seen.append(3)` makes it `[3]`. Keep a running value in a "
               "variable outside the loop and update it inside. Print both at each step to check what your loop does.")

HONEST = {  # label: exercise, answer
    "list-append, running-balance": ("running-balance", LIST_APPEND),
    "approach short of the steps, merge-meetings": (
        "merge-meetings", "Think of it like tidying a calendar: it is much easier once the meetings are in order of when "
        "they start. Then look at two neighbours at a time. What has to be true of the second meeting's start, compared "
        "with the first one's finish, for the two to count as one busy stretch? Try it on paper with the example from the "
        "statement before you write any code."),
    "debugging paragraph, running-balance": (
        "running-balance", "Your loop appends start + amount every time, so each entry only knows about one transaction "
        "and nothing carries over from the previous step. Print the value you append inside the loop for the example "
        "running_balance(100, [-30, 50]) and compare it with [70, 120]: which number should the second step start from?"),
    "debugging paragraph, iso-date": (
        "iso-date", "Your function puts the month's name where its number should go. Print month for '7 Nov 2026': what "
        "would turn 'Nov' into 11? Look at the statement's examples to see how many digits the day and the month need."),
}


@pytest.mark.parametrize("label", list(STEP_LISTS))
def test_a_step_list_or_recipe_in_words_is_a_walkthrough(bank, leak_detector, detector_of, label):
    exercise_id, answer = STEP_LISTS[label]
    exercise = bank.get(exercise_id)
    check = leak_detector(exercise).check(answer)
    assert check.leaking and "walkthrough" in check.reason, (check.similarity, check.walkthrough, check.reason)
    check = detector_of(exercise).check(answer, code=exercise.starter)
    assert check.leaking and "walkthrough" in check.reason, (check.similarity, check.walkthrough, check.reason)


@pytest.mark.parametrize("code", ["", "starter"])
def test_a_streamed_step_that_completes_the_starter_is_not_shown_early(bank, detector_of, code):
    """Steps 2-4 are in the starter: step 1 alone completes it, so no line of the list goes out before the verdict."""
    exercise = bank.get("triangle-kind")
    guard = GuardedStream(detector_of(exercise), code=exercise.starter if code else "")
    shown = "".join(guard.feed(line + "\n") for line in TRIANGLE_LIST.splitlines())
    assert "impossible" not in shown and shown == "", shown
    assert detector_of(exercise).check(TRIANGLE_LIST, code=exercise.starter).leaking  # the final verdict replaces it


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_explanations_stay_shown(bank, leak_detector, detector_of, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    for detector, code in ((leak_detector(exercise), ""), (detector_of(exercise), ""), (detector_of(exercise), exercise.starter)):
        check = detector.check(answer, code=code)
        assert not check.leaking, (check.similarity, check.walkthrough, check.reason)


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_explanations_stream_as_they_come(bank, detector_of, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    guard = GuardedStream(detector_of(exercise), code=exercise.starter)
    shown = "".join(guard.feed(word + " ") for word in answer.split(" "))
    assert shown and answer.startswith(shown.strip()[:40]), shown


def test_an_explanation_repeating_the_starter_adds_nothing_to_what_was_told_before(bank, detector_of):
    """`seen = []` is the starter's `balances = []`: it cannot complete a piece told before (it weighed 0.12)."""
    exercise = bank.get("running-balance")
    detector = detector_of(exercise)
    for prior in ("Update the balance with `balance = balance + amount`.",
                  "Update the balance with `balance = balance + amount`.\n```python\ndef running_balance(start, transactions):\n"
                  "    pass\n```"):
        alone = detector.similarity("", prior)
        assert detector.similarity(LIST_APPEND, prior) == pytest.approx(alone), prior
        assert detector.similarity(LIST_APPEND, prior) < detector.threshold
    # a statement of the solution the starter lacks still adds up with the piece before it
    assert detector.similarity("Then `balances.append(balance)`.", "Update it with `balance = balance + amount`.") > \
        detector.similarity("", "Update it with `balance = balance + amount`.")


def test_a_number_of_thousands_of_digits_is_read_without_error():
    assert units("1" * 5000 + " and then return it")
