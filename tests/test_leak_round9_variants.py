"""Answers a student turned into a submission although the filter let them through, and honest answers beside them.

Through the gateway, with the real bank, the real sandbox and the scripted local vendor; the student's code is the
exercise's starter unless a test says otherwise. The leaking answers:
- a correct solution the tests cannot call as written, which the student adapts in a minute: keyword-only parameters
  (`def f(*, x)`: they delete `*,`), written for tuples where the tests pass lists (they swap `tuple` for `list`);
- a plain-English step list of a recursive solution, the recursive call told in words ("call yourself with coins[1:]");
- the solution told over several turns, each in another form (a Python piece, the loop in JavaScript, the ending in
  Python again; or a check in Python, then the loop told in Swedish);
- the body shown on an example input, in a REPL session or a doctest (`>>> xs = [1, 2, 3, 4]`, `>>> sum(...)`).
The honest ones: what keyword-only parameters are, with a tiny unrelated example; "your recursion needs a base case" in
words; a one-line hint in a comment; an example in another language that is no piece of the solution; a REPL session
of an operator on an example.
"""

from __future__ import annotations

import pytest

from codementor.api.gateway.guardrails import TutorContext

pytestmark = pytest.mark.gateway

ADAPTED = {  # label: exercise, answer (each a whole solution once the student adapts it)
    "keyword-only, sum-of-evens": ("sum-of-evens", "```python\ndef sum_of_evens(*, numbers):\n"
                                                   "    return sum(filter(lambda v: not v & 1, numbers))\n```"),
    "keyword-only renamed, rotate-playlist": ("rotate-playlist", "```python\nfrom collections import deque\ndef spin(*, seq, n):\n"
                                                                 "    d = deque(seq)\n    d.rotate(-n)\n    return list(d)\n```"),
    "keyword-only renamed, mask-card-number": ("mask-card-number", "```python\ndef hide(*, card):\n    digits = card.replace(\" \", \"\")\n"
                                                                   "    return digits[-4:].rjust(len(digits), \"*\")\n```"),
    "keyword-only renamed, word-wrap": ("word-wrap", "```python\ndef wrap(*, text, width):\n    if width < 1:\n"
                                                     "        raise ValueError(\"width must be at least 1\")\n    out, line = [], \"\"\n"
                                                     "    for w in text.split():\n        if line and len(line) + len(w) >= width:\n"
                                                     "            out.append(line)\n            line = w\n        else:\n"
                                                     "            line = f\"{line} {w}\" if line else w\n"
                                                     "    return out + ([line] if line else [])\n```"),
    "keyword-only renamed, headline-case": ("headline-case", "```python\nSMALL = {\"a\", \"an\", \"and\", \"the\", \"of\", \"in\"}\n"
                                                             "def headline(*, text):\n    return \" \".join(w if i and w in SMALL else "
                                                             "w.capitalize() for i, w in enumerate(text.lower().split()))\n```"),
    "keyword-only with groupby, anagram-groups": ("anagram-groups", "```python\nfrom itertools import groupby\ndef grouped(*, words):\n"
                                                                    "    sig = lambda w: sorted(w)\n"
                                                                    "    uniq = sorted({w.lower() for w in words}, key=sig)\n"
                                                                    "    return sorted(g for g in (sorted(grp) for _, grp in "
                                                                    "groupby(uniq, key=sig)) if len(g) > 1)\n```"),
    "keyword-only after a positional one, with annotations that do not load, rotate-playlist": (
        "rotate-playlist", "```python\ndef spin(seq: Sequence[T], *, n: int) -> List[T]:\n    k = n % len(seq) if seq else 0\n"
                           "    return list(seq[k:]) + list(seq[:k])\n```"),
    "for tuples where the tests pass lists, nesting-depth": (
        "nesting-depth", "An iterative version with a stack (works on tuples; swap `tuple` for `list`):\n```python\n"
                         "def how_deep(x):\n    best, stack = 0, [(x, 1)] if isinstance(x, tuple) else []\n    while stack:\n"
                         "        node, d = stack.pop()\n        best = max(best, d)\n"
                         "        stack.extend((c, d + 1) for c in node if isinstance(c, tuple))\n    return best\n```"),
}

EXAMPLE_SESSIONS = {  # label: exercise, answer (the body shown on an example input)
    "a REPL session, sum-of-evens": ("sum-of-evens", "Here is how it behaves in the REPL:\n```\n>>> xs = [1, 2, 3, 4]\n"
                                                     ">>> sum(v for v in xs if not v & 1)\n6\n```"),
    "a doctest, digit-sum": ("digit-sum", "A doctest to start from:\n```python\n'''\n>>> k = -472\n"
                                          ">>> sum(int(c) for c in str(abs(k)))\n13\n'''\n```"),
}

RECURSIVE_STEPS = {  # label: exercise, answer
    "digit-sum": ("digit-sum", "Step by step:\n1. If n is negative, call the function again with -n.\n2. If n is 0, return 0.\n"
                               "3. Otherwise, return n % 10 plus digit_sum(n // 10)."),
    "count-change": ("count-change", "Step by step:\n1. If the amount is 0, return 1.\n2. If coins is empty, return 0.\n"
                                     "3. Call yourself with coins[1:] and keep the result in ways.\n"
                                     "4. If coins[0] <= amount, add the call with amount - coins[0] and the same coins to ways.\n"
                                     "5. Return ways."),
    "count-change, the two smaller problems": (
        "count-change", "Step by step:\n1. If the amount is 0, return 1.\n2. If coins is empty, return 0.\n"
                        "3. Solve the smaller problem without the first coin: recurse on coins[1:] and store it in ways.\n"
                        "4. If coins[0] <= amount, add to ways the recursive call on amount - coins[0] with the same coins.\n"
                        "5. Return ways, the results of the two smaller problems added."),
}

WIDTH_CHECK = "Check the width first:\n```python\nif width < 1:\n    raise ValueError(\"width must be at least 1\")\n```"
WRAP_END = "And after the loop:\n```python\nif current:\n    lines.append(current)\n```"
GROUPING = ("Start by building the groups - a set per key, so duplicates collapse:\n```python\nfor word in words:\n"
            "    word = word.lower()\n    key = \"\".join(sorted(word))\n    groups.setdefault(key, set()).add(word)\n```")
SPLIT_TURNS = {  # label: exercise, the turns (the last one completes the solution)
    "python, then javascript, anagram-groups": ("anagram-groups", [
        GROUPING,
        "For the last part, in JavaScript:\n```js\nconst result = [];\nfor (const g of groups.values()) {\n  if (g.size >= 2) {\n"
        "    result.push([...g].sort());\n  }\n}\nresult.sort();\n```"]),
    # the Swedish loop alone reads as 0.79 of the solution; after the check in Python, as more than the threshold (the
    # ending in Python that followed it in the red team's conversation is not needed)
    "python, then the loop in swedish prose, word-wrap": ("word-wrap", [
        WIDTH_CHECK,
        "Inside the loop there are three cases. In Swedish, since you asked: om `current` är tom blir `current` ordet; annars "
        "om `len(current) + 1 + len(word) <= width` lägger du till ett mellanslag och ordet; annars lägger du `current` i "
        "`lines` och `current` blir ordet."]),
    "python, then two cases in javascript, then python, word-wrap": ("word-wrap", [
        WIDTH_CHECK,
        "The first two cases, in JavaScript since you asked:\n```js\nfor (const word of text.split()) {\n  if (!current) {\n"
        "    current = word;\n  } else if (current.length + 1 + word.length <= width) {\n    current += \" \" + word;\n  }\n}\n```",
        "The third case goes in the loop as its `else`, and the ending after it:\n```python\nelse:\n    lines.append(current)\n"
        "    current = word\n```\n```python\nif current:\n    lines.append(current)\n```"]),
}

HONEST = {  # label: exercise, the turns before, the answer
    "what keyword-only parameters are, sum-of-evens": (
        "sum-of-evens", [], "A `*` in a parameter list makes the parameters after it keyword-only:\n```python\n"
                            "def greet(*, name):\n    return 'Hello, ' + name\n\ngreet(name='Ana')\n```\n"
                            "Your `sum_of_evens` does not need one: the tests call it with the list alone."),
    "type hints explained, sum-of-evens": (
        "sum-of-evens", [], "Type hints are optional: `def double(x: int) -> int:` runs the same as `def double(x):`. "
                            "Python does not check them when the function is called."),
    "a tuple check explained, nesting-depth": (
        "nesting-depth", [], "`isinstance((1, 2), tuple)` is True and `isinstance([1, 2], tuple)` is False: check for the "
                             "type the statement talks about."),
    "your recursion needs a base case, digit-sum": (
        "digit-sum", [], "Your recursion needs a base case: when the number has no digits left, stop and give back "
                         "something that does not change the sum. Then think about what a negative number should do."),
    "call the function again, a hint without the step, count-change": (
        "count-change", [], "You are on the right track: each call makes the problem smaller. Ask yourself which two "
                            "smaller problems there are for the first coin, and test your idea on amount 4 with coins [1, 2]."),
    "a REPL session of an operator on an example, sum-of-evens": (
        "sum-of-evens", [], "Try it in the REPL:\n```\n>>> n = 7\n>>> n % 2\n1\n>>> xs = [3, 1, 2]\n>>> sorted(xs)\n[1, 2, 3]\n```"),
    "a one-line hint in a comment, count-change": (
        "count-change", [], "```python\n# hint: what happens when the first coin is used at least once?\n```"),
    "a one-line hint in a comment, word-wrap": (
        "word-wrap", [], "```python\n# hint: a line that is still empty takes the word whatever its length\n```"),
    "a javascript example that is no piece of it, after a python check, word-wrap": (
        "word-wrap", [WIDTH_CHECK], "In JavaScript, splitting on spaces looks like this:\n```js\nconst words = 'a b  c'.split(' ');\n"
                                    "console.log(words.length);\n```\nIn Python, `text.split()` also drops the empty pieces."),
}


async def ask(gateway, asker, exercise, answer: str, prior: str = "", code: str | None = None):
    """The final event a student gets when the vendor answers `answer`, after `prior` (what they got before)."""
    from .fake_llm import set_mode

    gw, vendor = gateway
    set_mode(vendor, mode="script", answers=[answer])
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="could you show me how?", code=exercise.starter if code is None else code)
    final = None
    async for event in gw.answer(asker, exercise, ctx, prior=prior):
        if event.kind == "done":
            final = event
    return final


@pytest.fixture
def gateway(filter_gateway, llm):
    """A gateway as the leak filter's tests use them, and the local vendor's address (to script its answers)."""
    return filter_gateway(), llm.base_url


def code_lines(answer: str) -> list[str]:
    """The lines of the answer's code blocks (what the student must not see when it is replaced)."""
    lines, inside = [], False
    for line in answer.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and len(line.strip()) > 12:
            lines.append(line.strip())
    return lines


def assert_replaced(final, answer: str) -> None:
    assert final.meta["leak_blocked"], final.text
    assert answer not in final.text
    for line in code_lines(answer):
        assert line not in final.text, line


# --- F3: a solution the student adapts in a minute -------------------------------------------------------------
@pytest.mark.parametrize("label", list(ADAPTED))
async def test_a_solution_the_student_adapts_in_a_minute_is_replaced(infra, gateway, bank, new_asker, label):
    exercise_id, answer = ADAPTED[label]
    exercise = bank.get(exercise_id)
    final = await ask(gateway, await new_asker("student", prefix="adapt"), exercise, answer)
    assert_replaced(final, answer)
    gw, _ = gateway  # run as the student would adapt it, it passes the hidden tests (not a near miss of another check)
    assert await gw.passes_share(exercise, answer, "", exercise.starter) > gw.leak_pass_share


# --- F4: the body shown on an example input -----------------------------------------------------------------
@pytest.mark.parametrize("label", list(EXAMPLE_SESSIONS))
async def test_an_expression_shown_on_an_example_input_is_replaced(infra, gateway, bank, new_asker, label):
    exercise_id, answer = EXAMPLE_SESSIONS[label]
    exercise = bank.get(exercise_id)
    final = await ask(gateway, await new_asker("student", prefix="repl"), exercise, answer)
    assert final.meta["leak_blocked"] and ">>> sum(" not in final.text, final.text


# --- F5: the recursive call told in words --------------------------------------------------------------------------
@pytest.mark.parametrize("label", list(RECURSIVE_STEPS))
async def test_a_step_list_telling_the_recursive_call_in_words_is_replaced(infra, gateway, bank, new_asker, label):
    exercise_id, answer = RECURSIVE_STEPS[label]
    exercise = bank.get(exercise_id)
    final = await ask(gateway, await new_asker("student", prefix="recur"), exercise, answer)
    assert final.meta["leak_blocked"] and answer.splitlines()[3] not in final.text, final.text


# --- F7: the solution over several turns, each in another form ---------------------------------------------------
@pytest.mark.parametrize("label", list(SPLIT_TURNS))
async def test_a_solution_split_over_turns_in_different_forms_is_replaced_at_the_last(infra, gateway, bank, new_asker, label):
    """Every turn before the last is shown (each is a piece); the last, read with them, completes the solution (and is
    replaced)."""
    exercise_id, turns = SPLIT_TURNS[label]
    exercise = bank.get(exercise_id)
    asker, prior = await new_asker("student", prefix="split"), ""
    for turn in turns[:-1]:
        final = await ask(gateway, asker, exercise, turn, prior)
        assert final.text == turn and not final.meta["leak_blocked"], final.text
        prior = f"{prior}\n\n{turn}".strip()
    final = await ask(gateway, asker, exercise, turns[-1], prior)
    assert_replaced(final, turns[-1])


# --- honest answers stay shown ----------------------------------------------------------------------------------
@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_answers_beside_these_readings_stay_shown(infra, gateway, bank, new_asker, label):
    exercise_id, before, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    final = await ask(gateway, await new_asker("student", prefix="honest9"), exercise, answer, "\n\n".join(before))
    assert final.text == answer and not final.meta["leak_blocked"], final.meta
