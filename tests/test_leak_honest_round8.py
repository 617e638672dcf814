"""Honest tutor answers that the leak filter replaced (158 sent on 46 exercises, 17 replaced), and what a student sees of
one it holds.

- One inline expression of an honest answer (`strict is False`, `year % 400 == 0`, `" " in phrase`) was run as
  the entry point's body and passed every hidden test the starter fails (they all expect the same value) while it
  breaks most of those the starter passes. Judged on every hidden test, it is no step towards a submission.
- An answer quoting the student's own lines back to point at their bug (`you still append `start + amount``)
  read as a walkthrough of the solution. Their own lines tell them nothing.
- A streamed answer held back at its end kept what the student had read only in the filter's memory, not on
  their screen: the `replace` event now brings that text back with the next step after it.

Each false alarm's exact answer is sent with the student's code it answered; real leaks of the same shapes stay
held. Real grader sandbox, Postgres, Redis and the local vendor, through the gateway and the tutor service.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from codementor.api.grader import Grader
from codementor.api.models import TutorDisclosure
from codementor.api.services import tutoring
from tutor_kernel_ext.magics import answer_note

from .fake_llm import set_mode
from .test_gateway import screens_of

pytestmark = pytest.mark.gateway


@dataclass(frozen=True)
class FalseAlarm:
    tag: str
    exercise_id: str
    streamed: bool
    code: str
    answer: str


SORTED_STARTER = (
    'def is_sorted(values, strict=False):\n'
    '    for i in range(len(values) - 1):\n'
    '        if values[i] > values[i + 1]:\n'
    '            return False\n'
    '    return True\n'
)
BALANCE_UNUSED = (
    'def running_balance(start, transactions):\n'
    '    balance = start\n'
    '    balances = []\n'
    '    for amount in transactions:\n'
    '        balances.append(start + amount)\n'
    '    return balances\n'
)
LEAP_STARTER = (
    'def is_leap_year(year):\n'
    '    return year % 4 == 0\n'
)
PALINDROME_STARTER = (
    'def is_palindrome(phrase):\n'
    '    return phrase == phrase[::-1]\n'
)
BALANCE_STARTER = (
    'def running_balance(start, transactions):\n'
    '    balances = []\n'
    '    for amount in transactions:\n'
    '        balances.append(start + amount)\n'
    '    return balances\n'
)
WARM_STARTER = (
    'def warm_days(temps, threshold):\n'
    '    days = []\n'
    '    for i in range(len(temps)):\n'
    '        if temps[i] > threshold:\n'
    '            days.append(i)\n'
    '    return days\n'
)
SAVINGS_STARTER = (
    'def months_to_goal(goal, deposit, rate_percent):\n'
    '    balance = 0\n'
    '    months = 0\n'
    '    while balance < goal:\n'
    '        balance = balance + deposit\n'
    '        months += 1\n'
    '    return months\n'
)
MINUTES_STARTER = (
    'def hours_and_minutes(total_minutes):\n'
    '    hours = total_minutes / 60\n'
    '    return (hours, total_minutes % 60)\n'
)

FALSE_ALARMS = [
    FalseAlarm('b1-34', 'sorted-check', False, SORTED_STARTER,
               "`strict=False` gives the parameter a **default value**. If the caller doesn't pass `strict`, it is `False`; if they do, it's whatever they passed:\n"
               '\n'
               '```python\n'
               'is_sorted([1, 2, 2])               # strict is False\n'
               'is_sorted([1, 2, 2], strict=True)  # strict is True\n'
               '```\n'
               '\n'
               'Inside the function, `strict` is just a normal variable holding `True` or `False`. Right now your loop ignores it — when should it change what your loop decides?\n'),
    FalseAlarm('b2-2', 'running-balance', True, BALANCE_UNUSED,
               "Nice — you've added `balance = start`, which is the right idea. But look inside the loop: you never change `balance`, and you still append `start + amount`. So `balance` sits there unused.\n"
               '\n'
               'Ask yourself at each transaction: what is the balance *now*, after this amount? Where should that new value be stored so the next transaction sees it? And which value do you then want to put in the list?\n'),
    FalseAlarm('b3-rb-alice', 'running-balance', False, BALANCE_UNUSED,
               "Nice — you've added `balance = start`, which is the right idea. But look inside the loop: you never change `balance`, and you still append `start + amount`. So `balance` sits there unused.\n"
               '\n'
               'Ask yourself at each transaction: what is the balance *now*, after this amount? Where should that new value be stored so the next transaction sees it? And which value do you then want to put in the list?\n'),
    FalseAlarm('b5-sorted-check', 'sorted-check', False, SORTED_STARTER,
               'You can call it either way:\n'
               '\n'
               '```python\n'
               'is_sorted([1, 2, 2])               # strict is False\n'
               'is_sorted([1, 2, 2], strict=True)  # strict is True\n'
               '```\n'
               '\n'),
    FalseAlarm('b6-sorted-check', 'sorted-check', False, SORTED_STARTER,
               "Exactly. When the caller leaves it out, `strict is False`; with `strict=True` it's `True`. Inside your function you can test it like any boolean, e.g. `if strict:`. Your loop doesn't look at it yet.\n"),
    FalseAlarm('b6-leap-year', 'leap-year', False, LEAP_STARTER,
               '"Divisible by" means the remainder is zero, so you use `%`. The three rules of the statement read like this in Python:\n'
               '\n'
               '- divisible by 4: `year % 4 == 0`\n'
               '- divisible by 100: `year % 100 == 0`\n'
               '- divisible by 400: `year % 400 == 0`\n'
               '\n'
               'Your code already has the first one. The real puzzle of the exercise is how to *combine* them so that each exception overrides the rule before it — which order will you check them in?\n'),
    FalseAlarm('b7-palindrome-phrase', 'palindrome-phrase', False, PALINDROME_STARTER,
               'The `in` operator checks for a substring: `" " in phrase` is `True` if there\'s at least one space. But you don\'t really need to *detect* the spaces — you need to get rid of them before comparing. Which string method removes characters?\n'),
    FalseAlarm('b7-leap-year', 'leap-year', True, LEAP_STARTER,
               "Great question — it's the part of the rule people forget.\n"
               '\n'
               "The calendar's year is about 365.2422 days long. Adding a leap day every 4 years makes the average 365.25: a bit too long. Skipping the leap day in century years (divisible by 100) makes it 365.24: a bit too short. Putting it back every 400 years gives 365.2425, very close to the real value.\n"
               '\n'
               "So 1900 is a century year that is not a multiple of 400: no leap day. 2000 is a multiple of 400, so the leap day comes back. In Python terms, for 2000 the test `year % 400 == 0` is true, for 1900 it isn't.\n"
               '\n'
               'Now, how does that change the order in which your function asks its questions?\n'),
    FalseAlarm('b8-running-balance', 'running-balance', False, BALANCE_STARTER,
               'Tracing `running_balance(100, [-30, -20, 50])`:\n'
               '\n'
               '- `balances = []`\n'
               '- amount -30: append `100 + -30` = 70\n'
               '- amount -20: append `100 + -20` = 80\n'
               '- amount 50: append `100 + 50` = 150\n'
               '- return `[70, 80, 150]`\n'
               '\n'
               'Each line uses `start`, which stays 100 the whole time. In a bank statement, though, each transaction starts from the balance left by the previous one. What in your code remembers that?\n'),
    FalseAlarm('b12-v0', 'running-balance', False, BALANCE_UNUSED,
               "Nice — you've added a `balance` variable that starts at the starting balance, which is the right idea. But look inside the loop: you never change `balance`, and you still append the starting balance plus the amount. So `balance` sits there unused.\n"
               '\n'
               'Ask yourself at each transaction: what is the balance *now*, after this amount? Where should that new value be stored so the next transaction sees it? And which value do you then want to put in the list?\n'),
    FalseAlarm('b12-v2', 'running-balance', False, BALANCE_UNUSED,
               "Nice — you've added `balance = start`, which is the right idea. But look inside the loop: you never change `balance`, and you still append `start + amount`. So `balance` sits there unused.\n"),
    FalseAlarm('b15-leap', 'leap-year', False, LEAP_STARTER,
               'Use the remainder again, with `!=`: `year % 100 != 0` is `True` when 100 does *not* divide the year evenly. You could also write `not (year % 100 == 0)`, but `!=` reads more naturally.\n'),
    FalseAlarm('b15-pal-stream', 'palindrome-phrase', True, PALINDROME_STARTER,
               'Your comparison itself is fine: for a single lower-case word like "level", reversing gives the same string.\n'
               '\n'
               '"Taco cat" is different in two ways. Reversed it\'s "tac ocaT": the capital T moved to the end, and the space moved from position 4 to position 3. Your code compares character by character, so both differences make it `False`.\n'
               '\n'
               'You can spot these cases in your tests: a phrase that contains a capital, or where `" " in phrase` is true, is where your current version will disagree with the statement. What could you do to the phrase before comparing so those differences go away?\n'),
    FalseAlarm('b15-sc-stream', 'sorted-check', True, SORTED_STARTER,
               'Good: the non-strict behaviour is right, since your loop returns `False` as soon as a bigger value comes before a smaller one.\n'
               '\n'
               'The strict tests fail because your loop never looks at the `strict` parameter. Try `is_sorted([3, 5, 5, 9], strict=True)`: the pair (5, 5) is not *decreasing*, so your loop lets it through.\n'
               '\n'
               'Think about it like this: when `strict` is on, which kind of neighbouring pair becomes a problem too? Remember that inside the function `strict` is just a boolean — when the caller leaves it out, `strict is False`.\n'),
    FalseAlarm('b17-warm-days', 'warm-days', False, WARM_STARTER,
               'Your loop `for i in range(len(temps))` with `if temps[i] > threshold:` and `days.append(i)` has two small mismatches with the statement: `i` starts at 0 while days are numbered from 1, and `>` leaves out a day exactly at the threshold ("at least"). Which two small changes would fix those?\n'),
    FalseAlarm('b17-savings-goal', 'savings-goal', False, SAVINGS_STARTER,
               'Right: your loop `while balance < goal:` does `balance = balance + deposit` and `months += 1`, so it only ever adds the deposit. The statement says that each month the money already there first earns `rate_percent` percent. Where in the loop, and before or after the deposit, should that happen?\n'),
    FalseAlarm('b17-minutes-to-hours', 'minutes-to-hours', False, MINUTES_STARTER,
               'In your code `hours = total_minutes / 60` gives 2.25 for 135, because `/` always gives a float. `//` is floor division: it drops the remainder, so `135 // 60` is 2. Your `total_minutes % 60` is already right for the minutes.\n'),
]

# real leaks of the same shapes: the exercise's whole expression as the body; the solution walked through while
# quoting the student's own lines, with the steps they lack
WHOLE_EXPRESSIONS = {
    "leap-year": (LEAP_STARTER, "Put the three rules in one line: `year % 400 == 0 or (year % 4 == 0 and year % 100 != 0)`."),
    "sorted-check": (SORTED_STARTER, "One line does it: `all(a < b if strict else a <= b for a, b in zip(values, values[1:]))`."),
    "palindrome-phrase": (PALINDROME_STARTER, "Compare the cleaned phrase with its reverse: "
                          "`phrase.replace(' ', '').lower() == phrase.replace(' ', '').lower()[::-1]`."),
}
WALKS_QUOTING_OWN_LINES = {
    "running-balance": (BALANCE_UNUSED, "Keep your `balance = start` and `balances = []`. Then, for each amount in "
                        "transactions, set balance = balance + amount, and then append balance to balances. Finally return balances."),
    "warm-days": (WARM_STARTER, "Your `days = []` is right. Walk through the temperatures numbered from 1 with enumerate; for "
                  "each day, if the temperature is at least the threshold, append the day number to `days`; return `days`."),
}


@pytest.fixture
async def grader():
    g = Grader()
    yield g
    await g.aclose()


@pytest.fixture
def make_gateway(make_gateway, grader):
    return functools.partial(make_gateway, grader=grader, read_timeout=1.0, retry_backoff=0.01, cache_enabled=False)


def request(code: str, question: str, stream: bool):
    return SimpleNamespace(question=question, code=code, error="", traceback="", stream=stream)


async def ask(sessionmaker, gw, asker, exercise, answer: str, code: str, stream: bool, question: str = "can you help?"):
    """One exchange through the tutor service: (every text the screen held in turn, the final event)."""
    set_mode(gw.base_url, mode="script", answers=[answer])
    return await screens_of(tutoring.ask(sessionmaker, gw, asker, exercise, request(code, question, stream)))


async def memory_of(sessionmaker, asker, exercise_id: str) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.execute(select(TutorDisclosure.text).where(TutorDisclosure.user_id == asker.user_id,
                                                                        TutorDisclosure.exercise_id == exercise_id))
        return list(rows.scalars())


# the one-line fix of minutes-to-hours is its whole formula: `//` where the starter has `/`, with the remainder and 60
# it already holds. The walkthrough reads one token for both divisions, and a worded formula told to a student with
# the starter is a leak the guardrail bench counts (walkthrough-terse, -italian, -portuguese): not told apart yet
STILL_HELD = {"b17-minutes-to-hours"}


@pytest.mark.parametrize("alarm", [pytest.param(a, marks=pytest.mark.xfail(strict=True, reason="see STILL_HELD"))
                                   if a.tag in STILL_HELD else a for a in FALSE_ALARMS], ids=lambda a: a.tag)
async def test_each_false_alarm_is_now_judged_honest(make_gateway, bank, alarm):
    """The verdict the gateway gives (similarity, walkthrough, and the sandbox for code that may run), with the
    student's code as they sent it."""
    gw, ex = make_gateway(), bank.get(alarm.exercise_id)
    check = await gw.judge(ex, alarm.answer, code=alarm.code)
    print(f"\n[figure] {alarm.tag}: similarity {check.similarity:.2f}, walkthrough {check.walkthrough:.2f}, "
          f"hidden tests {check.passes_share}, verdict {check.reason or 'shown'}")
    assert not check.leaking, check


@pytest.mark.parametrize("alarm", [a for a in FALSE_ALARMS if a.streamed], ids=lambda a: a.tag)
async def test_the_streamed_false_alarms_reach_the_student_whole(infra, make_gateway, bank, new_asker, alarm):
    gw, ex = make_gateway(), bank.get(alarm.exercise_id)
    screens, final = await ask(infra[0], gw, await new_asker(prefix="h8"), ex, alarm.answer, alarm.code, stream=True)
    assert not final.meta["leak_blocked"] and final.text == alarm.answer and screens[-1] == alarm.answer


@pytest.mark.parametrize("exercise_id", sorted(WHOLE_EXPRESSIONS))
async def test_the_exercises_whole_expression_as_the_body_is_still_held(make_gateway, bank, exercise_id):
    gw, ex = make_gateway(), bank.get(exercise_id)
    code, answer = WHOLE_EXPRESSIONS[exercise_id]
    assert await gw.passes_share(ex, answer, code=code) == 1.0
    assert (await gw.judge(ex, answer, code=code)).leaking


async def test_a_partial_expression_that_fixes_open_tests_without_breaking_any_still_counts(make_gateway, bank):
    """Case and spaces taken out on one side only: it passes the phrases the starter fails (with capitals and spaces,
    not tests a constant passes) and breaks none the starter passes, so it counts as before."""
    gw, ex = make_gateway(), bank.get("palindrome-phrase")
    answer = "Try `phrase.replace(' ', '').lower() == phrase[::-1].replace(' ', '').lower()`."
    assert await gw.passes_share(ex, answer, code=PALINDROME_STARTER) > gw.leak_pass_share


@pytest.mark.parametrize("exercise_id", sorted(WALKS_QUOTING_OWN_LINES))
async def test_the_solution_walked_through_with_the_students_lines_quoted_is_still_held(make_gateway, bank, exercise_id):
    gw, ex = make_gateway(), bank.get(exercise_id)
    code, answer = WALKS_QUOTING_OWN_LINES[exercise_id]
    check = await gw.judge(ex, answer, code=code)
    assert check.leaking and "walkthrough" in check.reason, check


async def test_a_quote_of_what_the_tutor_said_before_is_still_the_tutors(make_gateway, bank):
    """The missing step told before, pasted into the student's code and quoted back with the rest of the solution:
    it is still what the tutor gave (no laundering through the student's code)."""
    gw, ex = make_gateway(), bank.get("running-balance")
    told = "Inside the loop, first `balance = balance + amount`."
    code = BALANCE_UNUSED.replace("        balances.append(start + amount)", "        balance = balance + amount\n        balances.append(start + amount)")
    answer = ("Keep `balance = start` and the empty list; for each amount do `balance = balance + amount`, then append "
              "balance to balances, and return balances.")
    check = await gw.judge(ex, answer, prior=told, code=code)
    assert check.leaking, check


async def test_a_streamed_answer_held_back_at_its_end_keeps_what_the_student_read(infra, make_gateway, bank, new_asker):
    """Two paragraphs of explanation stream, then the whole solution in a block: the answer is held back, and the
    `replace` event brings back the two paragraphs the student read, with the next step after them (and a note that
    says why). What was read is in the filter's memory; the solution never reached the screen."""
    gw, ex = make_gateway(), bank.get("running-balance")
    shown = ("A running balance is a total that changes as you go through the list.\n\n"
             "Each transaction starts from the balance left by the previous one.\n\n")
    answer = f"{shown}Here it is:\n\n```python\n{ex.solution}```\n"
    student = await new_asker(prefix="h8-keep")
    screens, final = await ask(infra[0], gw, student, ex, answer, BALANCE_UNUSED, stream=True)
    assert final.meta["leak_blocked"] and final.meta["source"] == "guardrail"
    assert any(s.startswith(shown.rstrip()) for s in screens[:-2])  # it streamed before the verdict
    assert final.text.startswith(shown.rstrip()) and final.text.endswith(ex.hints[0]) and screens[-1] == final.text
    assert "came too close to the solution" in final.text
    assert not any("balance = balance + amount" in s for s in screens)
    assert any(shown.strip() in m for m in await memory_of(infra[0], student, ex.id))
    assert final.meta.get("hint_rung") == 1  # the replacement still hands out, and counts as, the next hint


async def test_a_whole_answer_held_back_shows_the_next_step_only(infra, make_gateway, bank, new_asker):
    """Not streamed, the student read nothing of it: the next step alone, and nothing of the model's text."""
    gw, ex = make_gateway(), bank.get("running-balance")
    answer = f"A running balance changes as you go.\n\nHere it is:\n\n```python\n{ex.solution}```\n"
    screens, final = await ask(infra[0], gw, await new_asker(prefix="h8-whole"), ex, answer, BALANCE_UNUSED, stream=False)
    assert final.meta["leak_blocked"] and final.text == f"Let's keep you doing the thinking. **Next step:** {ex.hints[0]}"


def test_the_note_under_a_replaced_answer_blames_no_question():
    note = answer_note({"leak_blocked": True, "hint_rung": 2, "source": "guardrail"})
    assert "too much away" not in note and "too close to the solution" in note and "hint 2" in note


# near the new readings: a trace's results (`0 + 2` = 2) assign nothing, and "you've added `...`" says what the
# student's code has; a step list with real assignments and additions is still read as one
NEAR_HONEST = {
    "sum-of-evens": "Tracing `sum_of_evens([1, 2, 4])`:\n- total starts at 0\n- 1 is odd: skip\n- 2 is even: `0 + 2` = 2\n"
                    "- 4 is even: `2 + 4` = 6\n- return 6\n\nYours returns 0 here: which line never runs?",
    "word-frequencies": "You've added `counts[word] = 1`, good. Now what should happen when the word is already in `counts`?",
}


@pytest.mark.parametrize("exercise_id", sorted(NEAR_HONEST))
async def test_traces_and_descriptions_of_the_students_code_near_the_new_readings_are_shown(make_gateway, bank, exercise_id):
    gw, ex = make_gateway(), bank.get(exercise_id)
    assert not (await gw.judge(ex, NEAR_HONEST[exercise_id], code=ex.starter)).leaking


async def test_a_step_list_with_its_assignments_and_additions_is_still_held(make_gateway, bank):
    gw, ex = make_gateway(), bank.get("running-balance")
    steps = ("1. balance = start\n2. an empty list of balances\n3. for each amount: balance = balance + amount, then append "
             "balance to the list\n4. return the list")
    assert (await gw.judge(ex, steps, code=BALANCE_STARTER)).leaking
