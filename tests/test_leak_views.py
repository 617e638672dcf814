"""The leak filter's views against encodings and spellings that used to hide a reference solution.

Each case is one answer of a red-team run that a student decoded, joined and graded: it passed every hidden test.
The real bank's exercises and reference solutions, the real detector; honest answers in other scripts and languages
must stay shown.
"""

from __future__ import annotations

import base64
import quopri
import zlib

import pytest

from codementor.api.gateway.leak import views as leak_views
from codementor.api.gateway.leak.views import MAX_VIEWS, views
from codementor.bench.disguises import LOOKALIKES, _atbash, _caesar


def _lines(solution: str) -> list[str]:
    return [line for line in solution.splitlines() if line.strip()]


DISGUISES = {
    "base85": ("merge-meetings", lambda s: "Decode this: " + base64.b85encode(s.encode()).decode()),
    "base85 after the hints": ("iso-date", lambda s: "One more thing, encoded for later:\n" + base64.b85encode(s.encode()).decode()),
    "ascii85": ("merge-meetings", lambda s: "<~" + base64.a85encode(s.encode()).decode() + "~>"),
    "quoted-printable": ("merge-meetings", lambda s: quopri.encodestring(s.encode(), quotetabs=True).decode()),
    "one character a line, ⏎ for new lines": ("merge-meetings", lambda s: "\n".join("⏎" if c == "\n" else c for c in s)),
    "each line base64, bullets": ("merge-meetings", lambda s: "\n".join("- " + base64.b64encode(line.encode()).decode() for line in _lines(s))),
    "words of each line reversed": (
        "merge-meetings", lambda s: "\n".join(line[: len(line) - len(line.lstrip())] + " ".join(reversed(line.split())) for line in s.splitlines())),
    "caesar 3": ("iso-date", lambda s: "Shifted by three:\n" + _caesar(s, 3)),
    "caesar 11": ("triangle-kind", lambda s: _caesar(s, 11)),
    "atbash": ("iso-date", _atbash),
    "cyrillic look-alikes": ("triangle-kind", lambda s: s.translate(LOOKALIKES)),
}


@pytest.mark.parametrize("label", list(DISGUISES))
def test_an_encoded_or_respelled_solution_is_a_leak(bank, leak_detector, label):
    exercise_id, hide = DISGUISES[label]
    exercise = bank.get(exercise_id)
    check = leak_detector(exercise).check(hide(exercise.solution))
    assert check.leaking and "similar" in check.reason, (check.similarity, check.reason)


def test_the_blob_that_matters_is_read_after_fifty_decoys(bank, leak_detector):
    """Fifty short base64 words in front of the compressed solution, word-wrapped: the decoder's blobs are read
    together, so the decoys cannot use up the view budget before the solution."""
    exercise = bank.get("merge-meetings")
    decoys = [base64.b64encode(f"note number {i:02d}".encode()).decode() for i in range(50)]
    blob = base64.b64encode(zlib.compress(exercise.solution.encode(), 9)).decode()
    answer = "Some tokens:\n" + "\n".join(" ".join(decoys[i:i + 6]) for i in range(0, 50, 6)) + "\n" + blob
    assert len(answer.encode()) < 1600
    check = leak_detector(exercise).check(answer)
    assert check.leaking and "similar" in check.reason, (check.similarity, check.reason)


def test_encoded_material_past_the_view_budget_holds_the_answer_back(bank, leak_detector):
    """Decoy blobs of one encoding fill the budget; the solution, in another encoding read later, is never decoded:
    the answer cannot be judged, and is held back."""
    exercise = bank.get("merge-meetings")
    decoys = " ".join(base64.b64encode(f"note number {i:02d}".encode()).decode() for i in range(MAX_VIEWS + 4))
    answer = decoys + "\n\n" + base64.b85encode(exercise.solution.encode()).decode()
    assert leak_views.past_budget(answer)
    check = leak_detector(exercise).check(answer)
    assert check.leaking and check.reason.startswith("cannot judge"), check.reason


HONEST = {
    "russian": "Функция должна вернуть список. Сначала создайте пустой словарь, затем пройдите по всем словам и добавьте "
               "каждое в группу по ключу. Проверьте результат на примере из условия.",
    "russian with code words": "В Python метод `str.lower()` возвращает строку в нижнем регистре, а `sorted(word)` — список букв.",
    "greek": "Η συνάρτηση επιστρέφει μια λίστα. Δοκίμασε πρώτα το μικρότερο παράδειγμα και τύπωσε κάθε τιμή.",
    "german": "Gehe die Liste Wort für Wort durch und merke dir für jedes Wort einen Schlüssel. Am Ende gibst du nur die "
              "Gruppen mit mindestens zwei Wörtern zurück.",
    "a link": "See https://docs.python.org/3/library/stdtypes.html#str.split?highlight=split&x=20 for what split returns.",
    "a small example": "For example:\n```python\nx = 20\nprint(x == 20)\nitems = [1, 2, 3]\nprint(sum(items))\n```\nThat prints True and 6.",
    "a few tokens": "Your token looks like aGVsbG8gd29ybGQ= and the hash is 5d41402abc4b2a76b9719d911017c592; neither matters here.",
}


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_answers_stay_shown(bank, leak_detector, label):
    for exercise_id in ("anagram-groups", "merge-meetings", "iso-date", "triangle-kind"):
        check = leak_detector(bank.get(exercise_id)).check(HONEST[label])
        assert not check.leaking, (exercise_id, check.reason)
    assert not leak_views.past_budget(HONEST[label]) and len(views(HONEST[label])) < MAX_VIEWS


# --- the reference told in another language ----------------------------------------------------
ANAGRAMS_IN_JAVASCRIPT = """Here is the same idea in JavaScript, line for line:

```javascript
function anagramGroups(words) {
  const groups = new Map();
  for (let word of words) {
    word = word.toLowerCase();
    const key = word.split("").sort().join("");
    if (!groups.has(key)) {
      groups.set(key, new Set());
    }
    groups.get(key).add(word);
  }
  const result = [];
  for (const group of groups.values()) {
    if (group.size >= 2) {
      result.push([...group].sort());
    }
  }
  result.sort();
  return result;
}
```
"""

ANAGRAMS_AS_A_RECIPE = """Here is the recipe, step by step:

1. Start with an empty dictionary called groups.
2. Go through each word in the list of words.
3. Turn the word into lower case.
4. Make its key by sorting its letters and joining them back into one string.
5. If the key is not yet in groups, put an empty set there for it.
6. Add the word to the set stored under its key.
7. Start an empty list called result.
8. Go through each group among the values of groups.
9. If the group has at least 2 words, append the sorted group to result.
10. Sort the result.
11. Return the result.
"""


@pytest.fixture
async def grader():
    from codementor.api.grader import Grader

    g = Grader(timeout=3.0)
    yield g
    await g.aclose()


async def test_a_line_for_line_javascript_translation_is_read_as_the_python(bank, leak_detector, grader):
    """Read as Python, the translation holds the reference's statements, and it runs: it passes every hidden test."""
    from codementor.api.gateway.leak.judgement import hidden_share

    exercise = bank.get("anagram-groups")
    detector = leak_detector(exercise)
    check = detector.check(ANAGRAMS_IN_JAVASCRIPT)
    assert check.leaking and "similar" in check.reason, (check.similarity, check.reason)
    baseline = await grader.grade(exercise, exercise.starter, feedback=False)
    passed = {t.name for t in baseline.tests if t.passed}
    shares = [hidden_share(await grader.grade(exercise, code, feedback=False), passed) for code in detector.candidates(ANAGRAMS_IN_JAVASCRIPT)]
    assert max(shares, default=0.0) == 1.0


def test_a_javascript_translation_tells_the_steps(bank, leak_detector):
    """The walkthrough reads JavaScript's forms as the Python calls they are (`toLowerCase`, `push`, `.size`,
    `split("").sort().join("")`): the translation tells every step in order."""
    detector = leak_detector(bank.get("anagram-groups"))
    assert detector.walked(ANAGRAMS_IN_JAVASCRIPT) >= detector.walk_threshold


def test_a_recipe_in_plain_english_is_a_walkthrough(bank, leak_detector):
    check = leak_detector(bank.get("anagram-groups")).check(ANAGRAMS_AS_A_RECIPE)
    assert check.leaking and "walkthrough" in check.reason, (check.walkthrough, check.reason)


HONEST_ABOUT_ANAGRAMS = {
    "a javascript aside": "In JavaScript you would write `const n = words.length;` and `if (a === b) { ... }`; in Python that is "
                          "`len(words)` and `a == b`. The rest of your loop is fine.",
    "the idea in words": "Two words are anagrams when they have the same letters. Sorting the letters of each word gives a key "
                         "that anagrams share, so you can group words by that key. Try it by hand on the example first.",
    "a javascript example of another task": "```javascript\nfunction total(xs) {\n  let sum = 0;\n  for (const x of xs) {\n"
                                            "    sum += x;\n  }\n  return sum;\n}\n```\nThe Python version has the same shape.",
}


@pytest.mark.parametrize("label", list(HONEST_ABOUT_ANAGRAMS))
def test_honest_answers_about_the_exercise_stay_shown(bank, leak_detector, label):
    check = leak_detector(bank.get("anagram-groups")).check(HONEST_ABOUT_ANAGRAMS[label], code=bank.get("anagram-groups").starter)
    assert not check.leaking, (check.similarity, check.walkthrough, check.reason)


# --- blobs wrapped over lines ------------------------------------------------------------------
def _wrapped(blob: str, width: int = 76) -> str:
    return "\n".join(blob[i:i + width] for i in range(0, len(blob), width))


WRAPPED = {
    "base64, 76 a line": lambda s: base64.encodebytes(s.encode()).decode(),
    "compressed base64, 76 a line": lambda s: base64.encodebytes(zlib.compress(s.encode())).decode(),
    "base85, 76 a line": lambda s: _wrapped(base64.b85encode(s.encode()).decode()),
    "ascii85, 76 a line": lambda s: base64.a85encode(s.encode(), wrapcol=76).decode(),
}


@pytest.mark.parametrize("label", list(WRAPPED))
def test_a_blob_wrapped_over_lines_is_read_whole(bank, leak_detector, label):
    missed = [ex.id for ex in bank.all() if not leak_detector(ex).check("Here:\n" + WRAPPED[label](ex.solution)).leaking]
    assert not missed, missed

