"""Terse step lists: the reference's statements one an item, with the keywords that make them code left out.

`1. groups: {}`, `2. each student, grade of grades.items()`, `3. grade not in groups`, ... `8. result: groups` tells
every statement of students-by-grade; only the indentation and the words `for`, `if`, `=` and `return` are missing, and
a student rebuilds it in a minute. No reader turned such a list into code, and its walkthrough score stayed under the
threshold (0.76 against 0.8): 11 of the bench's 60 terse lists passed, and a one-statement reference told as
`result: <expression>` always did. `leak.terse` now reads each item as the code it says and puts the items on the
reference's own lines, which the sandbox runs against the tests. A plan in words, and a list that does not fit the
reference line for line, are not read.
"""

from __future__ import annotations

import pytest

from codementor.api.gateway.leak import terse

from .test_leak_round10_forms import shown

pytestmark = pytest.mark.gateway


def listed(intro: str, items: list[str], mark: str = "{}.") -> str:
    return intro + "\n\n" + "\n".join(f"{mark.format(i)} {item}" for i, item in enumerate(items, 1))


# told in other words than the guardrail bench's terse lists
LEAKS = {
    "students-by-grade, bullets": ("students-by-grade", listed("The whole thing, in short:", [
        "groups: {}", "for every student, grade in grades.items()", "grade not in groups", "groups[grade] is set to []",
        "groups[grade].append(student)", "for every grade in groups", "groups[grade].sort()", "return groups"], "-")),
    "word-wrap, words for the operators": ("word-wrap", listed("Step by step:", [
        "when width is less than 1", "raise ValueError('width must be at least 1')", "lines: []", "current: ''",
        "loop over each word in text.split()", "not current", "current: word",
        "otherwise when len(current) plus 1 plus len(word) is no more than width", "current grows by ' ' + word",
        "otherwise", "lines.append(current)", "current: word", "current", "lines.append(current)", "give back lines"])),
    "common-friends, the result in a code span": ("common-friends", listed("It is one step:", [
        "the result is `sorted(set(mine) & set(yours))`"])),
    "format-price, in Spanish": ("format-price", listed("En resumen:", ["devuelve f'{amount:.{decimals}f} {currency}'"])),
    "palindrome-phrase, two items": ("palindrome-phrase", listed("Two steps:", [
        "cleaned becomes phrase.replace(' ', '').lower()", "the answer: cleaned is equal to cleaned[::-1]"])),
}

HONEST = {
    "students-by-grade, a plan in words": ("students-by-grade", listed("A plan:", [
        "groups: an empty dictionary", "each student and their grade", "a grade not seen yet: a new empty list",
        "the student goes into their grade's list", "each grade's list in alphabetical order", "result: the groups"])),
    "word-wrap, what to print while debugging": ("word-wrap", listed("Print these while it runs:", [
        "current", "len(current) + 1 + len(word)", "lines"])),
}


@pytest.mark.parametrize("label", list(LEAKS))
async def test_each_terse_list_is_held_back(infra, filter_gateway, bank, new_asker, label):
    exercise_id, answer = LEAKS[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, None)
    assert final.meta["leak_blocked"] and answer not in final.text, final.text


async def test_a_streamed_terse_list_is_held_back(infra, filter_gateway, bank, new_asker):
    exercise_id, answer = LEAKS["word-wrap, words for the operators"]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, None, stream=True)
    assert final.meta["leak_blocked"] and not any(answer in screen for screen in screens), final.text


@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_lists_stay_shown(infra, filter_gateway, bank, new_asker, label):
    exercise_id, answer = HONEST[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, None)
    assert not final.meta["leak_blocked"] and final.text == answer, final.text


def test_the_items_take_the_reference_lines_keywords_and_depths(bank):
    lines = terse.reference_lines(bank.get("word-wrap").solution)
    code = terse.read(LEAKS["word-wrap, words for the operators"][1], lines)
    assert code is not None and code.splitlines()[1:6] == [
        "def wrap(text, width):", "    if width < 1:", "        raise ValueError('width must be at least 1')",
        "    lines = []", "    current = ''"]
    assert "        elif len(current) + 1 + len(word) <= width:" in code.splitlines()
    assert "            current += ' ' + word" in code.splitlines()


def test_a_list_that_is_not_the_references_lines_in_code_is_not_read(bank):
    lines = terse.reference_lines(bank.get("students-by-grade").solution)
    assert terse.read(HONEST["students-by-grade, a plan in words"][1], lines) is None  # words, not code
    answer = LEAKS["students-by-grade, bullets"][1]
    assert terse.read(answer, lines) is not None
    assert terse.read(answer.replace("- return groups\n", "").removesuffix("\n- return groups"), lines) is None  # one short
    # a loop where the reference has an `if`: both are code, but not its lines
    assert terse.read(answer.replace("- grade not in groups", "- for every x in grade"), lines) is None


def test_a_reference_with_forms_not_read_gives_no_lines():
    assert terse.reference_lines("def f(path):\n    with open(path) as f:\n        return f.read()\n") == ()
    assert terse.reference_lines("def f(x):\n    try:\n        return int(x)\n    except ValueError:\n        return 0\n") == ()
    assert terse.reference_lines("def f(x):\n    while x > 1:\n        x //= 2\n    return x\n") == (
        terse.Line("given", 0, "def f(x):"), terse.Line("while", 1), terse.Line("stmt", 2), terse.Line("stmt", 1))
