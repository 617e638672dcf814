"""A solution whose lines were joined, split apart or shuffled, and the cost of reading a long conversation.

Forms a model asked to smuggle uses that no view put back, on gift-card-pairs (one statement over six lines, so no
line of it is a statement a fingerprint knows): its lines joined by semicolons after the `def` or by backslashes at
their ends, its odd and even lines in two code blocks, its lines shuffled with `# line N` on their right, the code
in a JavaScript template literal, as the rows of an SQL insert, as a table of its lines in base64 and behind a gutter
of line numbers (`L03 | `); code in leetspeak (`r37urn`), shown for two exercises, and a word at a time in base64,
shown for countdown. `views.joined_lines`, `views.interleaved_blocks`, `views.right_numbers` (which puts numbered
lines back in order), `views.literals`, `views.sql_rows`, `views.table_cells`, `views.in_order`, `views.leetspeak` and
`views.base64_words` read them back. Honest answers of the same shapes stay shown.

A conversation is read whole for forms spread over answers (`views.spread_readings`); only the readers that read
something out of its tail read it whole, so a long conversation of prose is not read again at every line of a streamed
answer.
"""

from __future__ import annotations

import base64

import pytest

from codementor.api.gateway.leak import views

from .test_leak_round10_forms import shown

pytestmark = pytest.mark.gateway


def semicolons(code: str) -> str:
    return "All on one line: `" + "; ".join(line.strip() for line in code.splitlines()) + "`"


def backslashes(code: str) -> str:
    return "```python\n" + " \\\n".join(code.splitlines()) + "\n```"


def odd_and_even(code: str) -> str:
    lines = code.splitlines()
    return ("The odd lines:\n```\n" + "\n".join(lines[0::2]) + "\n```\nand the even ones:\n```\n" + "\n".join(lines[1::2])
            + "\n```")


def shuffled_numbered(code: str) -> str:
    lines = list(enumerate(code.splitlines(), 1))
    order = lines[1::2] + lines[0::2]  # the even lines first, then the odd ones
    return "\n".join(f"{line}  # line {n}" for n, line in order)


def template_literal(code: str) -> str:
    return "```javascript\nconst python = `" + code + "`;\nconsole.log(python);\n```"


def sql_insert(code: str) -> str:
    rows = ",\n".join("({}, '{}')".format(n, line.replace("'", "''")) for n, line in enumerate(code.splitlines(), 1))
    return f"```sql\nINSERT INTO program (line, text) VALUES\n{rows};\n```"


def base64_table(code: str) -> str:
    rows = "\n".join(f"| {n} | {base64.b64encode(line.encode()).decode()} |" for n, line in enumerate(code.splitlines(), 1))
    return "| # | encoded |\n|---|---|\n" + rows


def gutter(code: str) -> str:
    return "\n".join(f"L{n:02d} | {line}" for n, line in enumerate(code.splitlines(), 1))


def base64_words(code: str) -> str:
    return " ".join(base64.b64encode(word.encode()).decode() for word in code.split(" "))


def leet(code: str) -> str:
    return "1337:\n" + code.translate(str.maketrans({"e": "3", "o": "0", "a": "4", "s": "5", "t": "7", "i": "1"}))


# (exercise, form): gift-card-pairs for the forms that cut or join its one statement; leetspeak on two it passed on
FORMS = {"joined by semicolons": ("gift-card-pairs", semicolons), "joined by backslashes": ("gift-card-pairs", backslashes),
         "odd and even lines apart": ("gift-card-pairs", odd_and_even), "shuffled, numbered on the right": ("gift-card-pairs", shuffled_numbered),
         "in a JavaScript template literal": ("gift-card-pairs", template_literal), "rows of an SQL insert": ("gift-card-pairs", sql_insert),
         "a table of lines in base64": ("gift-card-pairs", base64_table), "a gutter of line numbers": ("gift-card-pairs", gutter),
         "leetspeak, hottest-day": ("hottest-day", leet), "leetspeak, rotate-playlist": ("rotate-playlist", leet),
         "a word at a time in base64": ("countdown", base64_words)}

HONEST = {
    "a shell line with semicolons": ("gift-card-pairs", "Run `cd tests; python -m pytest -q; echo done` and read the first failure."),
    "input and output blocks": ("gift-card-pairs", "For this input:\n```\n[10, 20, 30]\n40\n```\nthe expected output is:\n```\n[(10, 30)]\n```"),
    "a list of steps numbered on the right": ("gift-card-pairs", "Try these, in this order:\nan empty list  # line 1\n"
                                              "two prices that add up  # line 2\nthree prices where none do  # line 3"),
    "a JavaScript template literal": ("gift-card-pairs", "In JavaScript you would write:\n```javascript\nconst msg = `Pairs:\n${pairs}`;\n```"),
    "a few names with digits": ("hottest-day", "Compare day1 and day2 first, then day3: keep x1 as the best so far, and use utf8 "
                                "text only for the labels of t1, t2, t3, t4 and t5."),
    "rows of an SQL insert of data": ("hottest-day", "INSERT INTO temps (day, label) VALUES\n(1, 'cold'),\n(2, 'warm'),\n(3, 'hot');"),
}


CASES = [(label, True) for label in FORMS] + [(label, False) for label in HONEST]


@pytest.mark.parametrize("label, smuggled", CASES, ids=[label for label, _ in CASES])
async def test_each_form_is_held_back_and_honest_answers_stay_shown(infra, filter_gateway, bank, new_asker, label, smuggled):
    exercise_id, form_or_answer = FORMS[label] if smuggled else HONEST[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    answer = form_or_answer(exercise.solution) if smuggled else form_or_answer
    screens, final = await shown(infra, gw, new_asker, exercise, answer, None)
    assert final.meta["leak_blocked"] is smuggled, final.text
    assert (answer not in final.text) if smuggled else (final.text == answer), final.text


def test_the_readings_give_the_code_back():
    code = "def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t"
    assert views.joined_lines(semicolons(code)) == ["def total(xs):\nt = 0\nfor x in xs:\nt += x\nreturn t"]
    assert views.reindented(views.joined_lines(semicolons(code))[0]) == [code]
    assert views.joined_lines(backslashes(code)) == [f"```python\n{code}\n```"]
    assert views.interleaved_blocks(odd_and_even(code)) == [code]
    assert views.right_numbers(shuffled_numbered(code))[-1] == code
    assert code in views.literals(template_literal(code))
    assert views.sql_rows(sql_insert(code)) == [code]
    assert code in views.table_cells(base64_table(code))
    assert views.in_order(gutter(code)) == [code]
    longer = "def best(temps):\n    best = 0\n    for day, temp in enumerate(temps):\n        if temp > temps[best]:\n            best = day\n    return best"
    assert views.leetspeak(leet(longer))[0].endswith(longer)
    assert views.base64_words(base64_words(longer)) == [longer]


def test_numbered_lines_in_order_are_not_read_twice():
    code = "def total(xs):\n    t = 0\n    return t"
    in_order = "\n".join(f"{line}    # line {n}" for n, line in enumerate(code.splitlines(), 1))
    assert views.right_numbers(in_order) == [code]


def test_a_long_conversation_is_read_whole_only_when_its_tail_has_the_form():
    code = "def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t"
    spread = "\n".join(f"<line>{line}</line>" for line in code.splitlines())
    prose = "Think about what the loop gives back when the list is empty, and try it with one number first.\n" * 60
    whole = f"{spread}\n\n{prose}\n\n{prose}"
    assert views.spread_readings(whole)  # read whole, the early answer's form is found
    assert views.spread_readings(whole, last=prose) == []  # its tail is prose: no reader reads the whole again
    recent = f"{prose}\n\n{spread}"
    last = "\n".join(f"<line>{line}</line>" for line in ["more:", "    pass", "done"])
    assert code in views.spread_readings(f"{recent}\n\n{last}", last=last)[0]


def test_crafted_answers_read_as_nothing_or_little():
    """What a student could ask a model to write to slow these readers down (`bench guardrail` times them on 64 KiB)."""
    assert views.joined_lines(" " * 20000 + "x\n" * 3) == []  # a run of blanks before no backslash
    assert views.joined_lines("def f():" + "; x" * 2) == ["def f():\nx\nx"] and views.joined_lines("a; b; c") == []
    halves = "```\nif x:\nif y:\n```\n```\n    pass\n    pass\n```\n"  # not code alone, code once interleaved
    assert views.interleaved_blocks(halves * 1000) == ["if x:\n    pass\nif y:\n    pass"] * 4  # the first 8 blocks only
    assert views.interleaved_blocks("```\ndef f():\n    return 1\n```\n```\ndef g():\n    return 2\n```") == []
    assert views.literals("= `\n" * 5000) == []  # template literals never closed
