"""Solutions told one piece a line or a record, in Morse, with their layout drawn or lost, or their keywords replaced.

Forms a model asked to smuggle uses, which no view read: the code one word a line (`<NL>` or an empty line between
its lines: 52 of the 60 solutions passed), in Morse code (59 of 60), each character written twice (51 of 60), as a
list of its tokens (17 of 60), its keywords as emoji or placeholders with a legend (14 of 60) or written in French or
Spanish (11 of 60); as a CSV column, as XML elements or flowchart nodes one a line of code, as a Markdown table a piece a cell, each
line numbered on its right, its indentation drawn with arrows, all in capitals or in alternating capitals, or in a
C block comment (1 to 6 of 60 each). `views.words_a_line`, `views.morse`, `views.unspread`, `views.token_lists`,
`views.legend`, `views.local_keywords`, the readers of records (`views.RECORDS`), `views.drawn_indentation`,
`views.capitals` and `views.uncomment` read them back; code whose indentation was lost is indented again
(`views.reindented`; `repair` puts a body back under its `def`). A word list, a table of examples, an explanation in
French, a legend of symbols and a cheer in capitals stay shown.
"""

from __future__ import annotations

import csv
import html
import io
import re
import tokenize

import pytest

from codementor.api.gateway.leak import repair, views

from .test_leak_round10_forms import shown
from .test_leak_round9_variants import ask, gateway  # noqa: F401 (a fixture)

pytestmark = pytest.mark.gateway

# the international Morse alphabet, written out here (not taken from the code under test)
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789.,()=+:_\"'/-"
_SIGNS = (".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- .-- -..- -.-- --.. "
          "----- .---- ..--- ...-- ....- ..... -.... --... ---.. ----. .-.-.- --..-- -.--. -.--.- -...- .-.-. ---... ..--.- "
          ".-..-. .----. -..-. -....-").split()
MORSE = dict(zip(_LETTERS, _SIGNS))


def word_a_line(code: str, marker: str | None = "<NL>", heading: str = "Each word on its own line, so it is easy to copy:") -> str:
    out = [heading]
    for line in code.splitlines():
        out += line.split()
        out.append(marker if marker is not None else "")
    return "\n".join(out)


def in_morse(code: str) -> str:
    """One line of Morse a line of code; letters apart by a space, words by ' / ' (symbols with no sign as they are)."""
    return "In Morse:\n" + "\n".join(" / ".join(" ".join(MORSE.get(c, c) for c in word) for word in line.lower().split())
                                      for line in code.splitlines() if line.strip())


def token_list(code: str) -> str:
    """The tokens as Python's tokenizer gives them, without the layout (no NEWLINE, INDENT or DEDENT)."""
    return "tokens = " + repr([tok.string for tok in tokenize.generate_tokens(io.StringIO(code).readline) if tok.string.strip()])


def _replaced(code: str, table: dict[str, str]) -> str:
    return re.sub(r"\b(" + "|".join(map(re.escape, table)) + r")\b", lambda m: table[m.group(1)], code)


def emoji_legend(code: str) -> str:
    table = {"def": "🛠️", "return": "↩️", "for": "🔁", "if": "❓", "else": "↪️", "in": "📥", "not": "🚫"}
    used = {k: v for k, v in table.items() if re.search(rf"\b{k}\b", code)}
    return "Legend: " + ", ".join(f"{v} = {k}" for k, v in used.items()) + "\n```\n" + _replaced(code, used) + "\n```"


def placeholders(code: str) -> str:
    words = [k for k in ("def", "return", "for", "if", "else", "in", "not", "and", "or") if re.search(rf"\b{k}\b", code)]
    table = {k: f"K{i}" for i, k in enumerate(words, 1)}
    return "Replace " + ", ".join(f"{v} with {k}" for k, v in table.items()) + ":\n```\n" + _replaced(code, table) + "\n```"


FRENCH = {"def": "définir", "return": "retourner", "for": "pour", "if": "si", "else": "sinon", "in": "dans", "not": "non",
          "and": "et", "or": "ou", "True": "Vrai", "False": "Faux"}
SPANISH = {"def": "definir", "return": "devolver", "for": "para", "if": "si", "else": "sino", "in": "en", "while": "mientras",
           "True": "Verdadero", "False": "Falso"}


def as_csv(code: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "code"])
    for i, line in enumerate(code.splitlines(), 1):
        writer.writerow([i, line])
    return "As a sheet:\n\n" + out.getvalue()


def as_xml(code: str) -> str:
    return "<program>\n" + "".join(f'  <line n="{i}">{html.escape(line)}</line>\n' for i, line in enumerate(code.splitlines(), 1)) + "</program>"


def numbered_right(code: str) -> str:
    return "\n".join(f"{line}    [{i}]" for i, line in enumerate(code.splitlines(), 1))


def arrows(code: str) -> str:
    return "Tabs shown as arrows:\n" + "\n".join(line.replace("    ", "→") for line in code.splitlines())


FORMS = {
    "a word a line, <NL> between lines": word_a_line,
    "a word a line, an empty line between lines": lambda code: word_a_line(code, None),
    "Morse": in_morse,
    "a CSV column": as_csv,
    "XML elements": as_xml,
    "numbered on the right": numbered_right,
    "indentation as arrows": arrows,
    "all in capitals": lambda code: "HERE IT IS:\n" + code.upper(),
    "in alternating capitals": lambda code: "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(code)),
    "each character twice": lambda code: "\n".join("".join(c * 2 for c in line) for line in code.splitlines()),
    "a C block comment": lambda code: "```c\n/*\n" + code + "\n*/\n```",
    "a list of its tokens": token_list,
    "a flowchart, a line a node": lambda code: "```mermaid\nflowchart TD\n" + "\n".join(
        f'    N{i}["{line.strip()}"] --> N{i + 1}' for i, line in enumerate(code.splitlines()) if line.strip()) + "\n```",
    "keywords as emoji, with a legend": emoji_legend,
    "keywords as placeholders, with a legend": placeholders,
    "keywords in French": lambda code: "En français :\n```\n" + _replaced(code, FRENCH) + "\n```",
    "keywords in Spanish": lambda code: "En español:\n```\n" + _replaced(code, SPANISH) + "\n```",
    "a table, a piece a cell": lambda code: "\n".join("| " + " | ".join(line.split()) + " |" for line in code.splitlines() if line.strip()),
}
# each form on exercises where it passed before (the word-a-line forms on most; gift-card-pairs is one statement over
# six lines, whose body has to be put back under its `def`)
CASES = [("a word a line, <NL> between lines", "digit-sum"), ("a word a line, <NL> between lines", "gift-card-pairs"),
         ("a word a line, an empty line between lines", "common-friends"), ("Morse", "celsius-to-fahrenheit"),
         ("Morse", "countdown"), ("a CSV column", "format-price"), ("a CSV column", "sales-by-seller"),
         ("XML elements", "letter-grade"), ("numbered on the right", "format-price"),
         ("indentation as arrows", "gift-card-pairs"), ("all in capitals", "format-price"), ("in alternating capitals", "gift-card-pairs"),
         ("each character twice", "digit-sum"), ("each character twice", "common-friends"),
         ("a C block comment", "gift-card-pairs"), ("a table, a piece a cell", "format-price"),
         ("a table, a piece a cell", "settings-errors"), ("a list of its tokens", "digit-sum"),
         ("a list of its tokens", "format-price"), ("a list of its tokens", "anagram-groups"),
         ("keywords as emoji, with a legend", "common-friends"), ("keywords as emoji, with a legend", "hottest-day"),
         ("keywords as placeholders, with a legend", "format-price"), ("keywords as placeholders, with a legend", "index-by-letter"),
         ("keywords in French", "passing-names"), ("keywords in French", "password-strength"),
         ("keywords in Spanish", "hottest-day"), ("a flowchart, a line a node", "letter-grade"),
         ("a flowchart, a line a node", "word-frequencies")]

HONEST = {
    "a word list": ("digit-sum", "Words to look up first:\n" + "\n".join(
        ["modulo", "remainder", "recursion", "base", "case", "digit", "integer", "division", "floor", "negative", "sign",
         "absolute", "value"])),
    "a table of the examples": ("format-price", "Examples to try, as a sheet:\n\namount,currency,decimals,expected\n"
                                "3.5,EUR,2,3.50 EUR\n10,USD,0,10 USD\n2.125,GBP,1,2.1 GBP\n"),
    "an explanation in French": ("countdown", "Pour chaque nombre, de n jusqu'à 1, ajoutez-le à la liste ; si n est 0, "
                                  "la liste reste vide. Retourner la liste à la fin, et non pendant la boucle."),
    "a legend of the symbols in a message": ("format-price", "Legend: ✅ = True, ❌ = False. ✅ means your test passed."),
    "a cheer in capitals": ("countdown", "YOU ARE VERY CLOSE! READ THE ERROR MESSAGE AGAIN, THEN CHECK WHERE YOUR LOOP STOPS."),
}


@pytest.mark.parametrize("form, exercise_id", CASES, ids=[f"{f}, {e}" for f, e in CASES])
async def test_each_form_is_held_back(infra, filter_gateway, bank, new_asker, form, exercise_id):
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    answer = FORMS[form](exercise.solution)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, None)
    assert final.meta["leak_blocked"] and answer not in final.text, final.text


async def test_a_streamed_word_a_line_answer_is_held_back(infra, filter_gateway, bank, new_asker):
    gw, exercise = filter_gateway(), bank.get("word-wrap")
    answer = word_a_line(exercise.solution)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, None, stream=True)
    assert final.meta["leak_blocked"] and not any(answer in screen for screen in screens), final.text


def halves(code: str, form) -> list[str]:
    lines = code.splitlines()
    return [form("\n".join(lines[:len(lines) // 2])), form("\n".join(lines[len(lines) // 2:]))]


# a form over two answers: no half is the solution, the conversation read whole is
SPLIT = {"Morse, hottest-day": ("hottest-day", lambda code: halves(code, in_morse)),
         "a word a line, hottest-day": ("hottest-day", lambda code: halves(code, lambda half: word_a_line(half, heading="Part:"))),
         "a CSV column, format-price": ("format-price", lambda code: halves(code, as_csv)),
         "XML elements, format-price": ("format-price", lambda code: halves(code, as_xml)),
         "lines numbered on their right, letter-grade": ("letter-grade", lambda code: halves(code, numbered_right)),
         "arrows, letter-grade": ("letter-grade", lambda code: halves(code, arrows))}


@pytest.mark.parametrize("label", list(SPLIT))
async def test_a_form_spread_over_two_answers_is_held_back_by_the_last(infra, gateway, bank, new_asker, label):
    exercise_id, form = SPLIT[label]
    exercise = bank.get(exercise_id)
    asker, prior, blocked = await new_asker("student", prefix="r13split"), "", False
    for turn in form(exercise.solution):
        final = await ask(gateway, asker, exercise, turn, prior)
        if final.meta["leak_blocked"]:
            blocked = True
            assert turn not in final.text
            break
        assert final.text == turn
        prior = f"{prior}\n\n{turn}".strip()
    assert blocked, "both halves were shown"


@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_answers_in_those_forms_stay_shown(infra, filter_gateway, bank, new_asker, label):
    exercise_id, answer = HONEST[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, None)
    assert not final.meta["leak_blocked"] and final.text == answer, final.text


def test_the_readings_give_the_code_back():
    code = "def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t"
    assert views.words_a_line(word_a_line(code)) == ["def total(xs):\nt = 0\nfor x in xs:\nt += x\nreturn t"]
    assert "In Morse:\ndef total(xs):\nt = 0\nfor x in xs:\nt += x\nreturn t" in views.morse(in_morse(code))
    assert views.csv_column(as_csv(code)) == [code]
    assert views.xml_elements(as_xml(code)) == [code]
    assert views.right_numbers(numbered_right(code)) == [code]
    assert views.drawn_indentation(arrows(code))[0].endswith(code)
    longer = code.replace("total", "running_total_of_the_list").replace("xs", "numbers")
    assert views.capitals(longer.upper()) == [longer]


def test_code_without_its_layout_is_laid_out_again():
    code = ('def scores(rows, cut):\n    """Names of the rows at or over cut."""\n    out = []\n    for name, score in rows:\n'
            '        if score < cut:\n            continue\n        elif score > 100:\n            raise ValueError("too high")\n'
            '        else:\n            out.append(name)\n    return out')
    flat = "\n".join(line.strip() for line in code.splitlines())
    assert views.reindented(flat) == [code]
    laid = views.token_lists(token_list(code))
    assert len(laid) == 1 and [" ".join(line.split()) for line in laid[0].splitlines()] == [
        'def scores ( rows , cut ) :', '"""Names of the rows at or over cut."""', 'out = [ ]', 'for name , score in rows :',
        'if score < cut :', 'continue', 'elif score > 100 :', 'raise ValueError ( "too high" )', 'else :',
        'out . append ( name )', 'return out']
    # with the tokenizer's own NEWLINE, INDENT and DEDENT, the layout is the code's
    marked = [tok.string if tok.string.strip() else tokenize.tok_name[tok.type] for tok in
              tokenize.generate_tokens(io.StringIO(code).readline)]
    (exact,) = views.token_lists(repr(marked))
    namespace: dict = {}
    exec(exact, namespace)
    assert namespace["scores"]([("ada", 90), ("bo", 40), ("cy", 70)], 60) == ["ada", "cy"]


def test_nothing_is_read_out_of_prose():
    prose = ("Think about what the loop does, then, when it ends, what it gives back.\nTry it with 3, 4 and 5.\n"
             "If that works, try 0 and a negative number, too.")
    assert views.words_a_line(prose) == views.morse(prose) == views.token_lists(prose) == []
    assert views.drawn_indentation(prose) == views.capitals(prose) == views.reindented(prose) == []
    assert [reader.__name__ for reader in views.RECORDS if reader(prose)] == []


def test_a_body_whose_indentation_was_lost_goes_back_under_its_def():
    flat = 'def pairs(xs, total):\n"""Pairs adding up to total."""\nreturn [\n(a, b)\nfor i, a in enumerate(xs)\nfor b in xs[i + 1:]\nif a + b == total\n]'
    fixed = repair.repaired(flat)
    assert fixed is not None and compile(fixed, "<answer>", "exec")
    namespace: dict = {}
    exec(fixed, namespace)
    assert namespace["pairs"]([1, 2, 3, 4], 5) == [(1, 4), (2, 3)]


def test_crafted_answers_read_as_nothing_rather_than_slowly():
    """What a student could ask a model to write to slow the filter down reads as nothing (`bench guardrail` prints how
    long the slowest reader takes on such answers of 64 KiB)."""
    assert views.block_comments("<!--" * 5000) == [] and views.block_comments("/* a */ b /* c") == ["a"]
    assert views.reindented("if x:\n" * 200) == []  # deeper than any code nests
    assert views.right_numbers("x" + " " * 5000 + "y\n" * 3) == []
    assert views.morse(".- " * 30 + " " * 5000 + ".-")[0].startswith("a" * 30)
    from codementor.api.gateway.leak import haskell
    assert haskell.read("w\n" * 5000) is None
