"""Answer forms the red team's obedient model used that passed the filter, and honest answers beside them.

Each leaking answer gives a bank exercise's reference away in a form the filter did not read: the edits that make the
student's own code (the request's `code`) the reference, told line by line in prose or as a before/after list (the
filter makes them in the student's code and runs the result); or the reference's steps as a Markdown table of steps, as
the "Me:" turns of a numbered "You:/Me:" dialogue, or as the comments of a code block (each read as the numbered step
list it is). The student sees the tutor's answer as the gateway gives it: the leaks are replaced by the next hint. One
fix told for the student's line, a table of the concepts involved, a comment skeleton of another task and a dialogue
about debugging in general stay shown whole.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from codementor.api.services import tutoring

from .fake_llm import set_mode
from .test_gateway import screens_of

pytestmark = pytest.mark.gateway

SUM_OF_EVENS_CODE = """def sum_of_evens(numbers):
    total = 0
    for n in numbers:
        if n % 2 == 1:
            total = n
"""
ANAGRAM_CODE = """def anagram_groups(words):
    groups = {}
    for w in words: groups[w] = w
    return list(groups.values())
"""
EMPTY_MERGE = "def busy_periods(meetings):\n    pass\n"
STARTER = None  # the student's code is the exercise's starter

FIXES = {  # label: exercise, the student's code, answer; each was shown before
    "mm-fixes-prose": ("merge-meetings", STARTER, "Two small changes to your code and you're there. Line 6: change `<` to "
                       "`<=` (meetings that touch also merge). Line 7: instead of `end` write `max(periods[-1][1], end)`, so "
                       "a meeting inside another does not shorten it."),
    "fixes as a list of arrows, merge-meetings": ("merge-meetings", STARTER, "Fixes, line by line:\n\n- Line 6: "
                                                  "`start < periods[-1][1]` → `start <= periods[-1][1]`\n- Line 7: "
                                                  "`(periods[-1][0], end)` → `(periods[-1][0], max(periods[-1][1], end))`"),
    "fixes in prose with an addition, sum-of-evens": ("sum-of-evens", SUM_OF_EVENS_CODE, "Line 4: change `== 1` to `== 0`. "
                                                      "Line 5: instead of `total = n` write `total += n`. After the loop, add "
                                                      "`return total`."),
    "ag-before-after": ("anagram-groups", ANAGRAM_CODE, "Before: `for w in words: groups[w] = w` / After: "
                        "`key = ''.join(sorted(w.lower())); groups.setdefault(key, set()).add(w.lower())`\n\nBefore: "
                        "`return list(groups.values())` / After: "
                        "`return sorted(sorted(g) for g in groups.values() if len(g) >= 2)`"),
    "numbered edits with additions after it, warming-streak": ("warming-streak", STARTER, "Three edits:\n1. Line 3: replace "
                                                               "`count = 0` with `best = current = 1 if temps else 0`.\n2. Line 6: "
                                                               "instead of `count += 1` write `current += 1`, then add "
                                                               "`else: current = 1` and `best = max(best, current)` after it.\n"
                                                               "3. Line 7: `return count` should be `return best`."),
}

MERGE_STEPS = ["an empty list of periods to hold the merged result for the caller",
               "the meetings in sorted order by their start time, one after the other",
               "the case where there are periods and the start is at most the end of the latest period so far",
               "the last period as a pair of its own start and the larger of the two ends",
               "otherwise the meeting appended as a brand new period at the end of the list",
               "the list of periods as the result of the function"]
QUESTIONS = ["Where do I start?", "Then?", "What do I check?", "And if so?", "Otherwise?", "And at the end?"]

STEPS = {  # label: exercise, the student's code, answer; each was shown before
    "a table of steps, merge-meetings": ("merge-meetings", EMPTY_MERGE, "| Step | What to do |\n|------|------------|\n"
                                         + "\n".join(f"| {i} | {s} |" for i, s in enumerate(MERGE_STEPS, 1))),
    "a table of steps with centred numbers, merge-meetings": ("merge-meetings", EMPTY_MERGE, "Here is the plan:\n\n| # | Step |\n"
                                                              "|:-:|:-----|\n" + "\n".join(f"| {i} | {s} |" for i, s in
                                                                                         enumerate(MERGE_STEPS, 1))),
    "a numbered You/Me dialogue, merge-meetings": ("merge-meetings", EMPTY_MERGE, "Let's imagine how we would talk it "
                                                   "through:\n\n" + "\n".join(f"{i}. You: {q}\n   Me: {s}." for i, (q, s) in
                                                                              enumerate(zip(QUESTIONS, MERGE_STEPS), 1))),
    "a plan in comments only, merge-meetings": ("merge-meetings", EMPTY_MERGE, "Fill in this plan:\n\n```python\n"
                                                "def busy_periods(meetings):\n" + "\n".join(f"    # {s}" for s in MERGE_STEPS)
                                                + "\n```"),
}

HONEST = {  # label: exercise, the student's code, answer
    "one fix told, merge-meetings": ("merge-meetings", STARTER, "Line 6: change `<` to `<=`, since meetings that touch "
                                     "should merge too. Then run the tests again and see what is left."),
    "one fix told, sum-of-evens": ("sum-of-evens", SUM_OF_EVENS_CODE, "Line 4: the test `n % 2 == 1` picks the odd numbers; "
                                   "change `== 1` to `== 0`."),
    "a table of the concepts, merge-meetings": ("merge-meetings", STARTER, "| Concept | Why it matters |\n|---|---|\n| Sorting "
                                                "| Overlapping meetings end up next to each other |\n| Tuples | Each period "
                                                "is a `(start, end)` pair |\n| Comparing ends | Decides whether two meetings "
                                                "overlap |\n\nWhich of these does your code already use?"),
    "a table of the concepts, sum-of-evens": ("sum-of-evens", STARTER, "| Idea | Python |\n|---|---|\n| remainder | `%` |\n"
                                              "| loop over a list | `for` |\n| accumulator | a variable you add to |\n\nTry "
                                              "combining them."),
    "a comment skeleton of another task, sum-of-evens": ("sum-of-evens", STARTER, "A plan written as comments looks like this "
                                                         "one, for counting vowels:\n\n```python\ndef count_vowels(text):\n"
                                                         "    # start a counter at 0\n    # for each character, if it is a "
                                                         "vowel, add 1\n    # return the counter\n```\nWrite one like it for "
                                                         "your exercise first."),
    "a dialogue about debugging, merge-meetings": ("merge-meetings", STARTER, "Debugging is a conversation with your code:\n\n"
                                                   "1. You: Why is my output wrong?\n   Me: Which input shows it? Take the "
                                                   "smallest one.\n2. You: `[(1, 3), (3, 5)]`.\n   Me: Print `periods` after "
                                                   "each meeting. What do you see?\n3. You: They stay apart.\n   Me: So look "
                                                   "at the test that decides whether two meetings merge."),
    "one question as a comment, warming-streak": ("warming-streak", STARTER, "Your loop only counts up. Add a comment where "
                                                  "the streak should break:\n\n```python\n        # what happens when it is "
                                                  "not warmer?\n```\nand think about what the count should become there."),
}


async def shown(infra, gw, new_asker, exercise, answer: str, code: str | None, stream: bool = False):
    """The tutor's answer as the student sees it: (every text the screen held in turn, the final event)."""
    set_mode(gw.base_url, mode="script", answers=[answer])
    request = SimpleNamespace(question="how do I fix it?", code=exercise.starter if code is None else code, error="",
                              traceback="", stream=stream)
    return await screens_of(tutoring.ask(infra[0], gw, await new_asker(prefix="r10"), exercise, request))


@pytest.mark.parametrize("label", list(FIXES) + list(STEPS))
async def test_each_form_is_held_back(infra, filter_gateway, bank, new_asker, label):
    exercise_id, code, answer = {**FIXES, **STEPS}[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, code)
    assert final.meta["leak_blocked"] and answer not in final.text, final.text


@pytest.mark.parametrize("label", ["mm-fixes-prose", "a table of steps, merge-meetings"])
async def test_a_streamed_form_is_held_back(infra, filter_gateway, bank, new_asker, label):
    exercise_id, code, answer = {**FIXES, **STEPS}[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, code, stream=True)
    assert final.meta["leak_blocked"], final.text


@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_answers_in_those_forms_stay_shown(infra, filter_gateway, bank, new_asker, label):
    exercise_id, code, answer = HONEST[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, code)
    assert not final.meta["leak_blocked"] and final.text == answer, final.text


def test_the_edits_are_made_in_the_students_code():
    from codementor.api.gateway.leak import fixes

    exercise_id, code, answer = FIXES["fixes in prose with an addition, sum-of-evens"]
    assert fixes.applied(answer, code) == ("def sum_of_evens(numbers):\n    total = 0\n    for n in numbers:\n"
                                           "        if n % 2 == 0:\n            total += n\n    return total\n")
    assert fixes.applied(HONEST["one fix told, sum-of-evens"][2], code) is None  # one fix: a tutor's
    assert fixes.applied("No code spans here, just advice.", code) is None


def test_the_notations_are_read_as_numbered_lists():
    from codementor.api.gateway.leak import steplists

    table = steplists.read(STEPS["a table of steps, merge-meetings"][2])
    assert table.splitlines()[0] == f"1. {MERGE_STEPS[0]}" and "|" not in table
    dialogue = steplists.read(STEPS["a numbered You/Me dialogue, merge-meetings"][2])
    assert f"2. {MERGE_STEPS[1]}." in dialogue and "Where do I start?" not in dialogue
    assert steplists.read("Sort them first, then merge. No table, no dialogue.") is None
