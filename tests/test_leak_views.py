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
