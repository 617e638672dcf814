"""Plain functions of the tutor: offline explanations, the leak filter, the kernel-side parsing."""

from __future__ import annotations

import ast

import pytest
from IPython.core.error import UsageError

from codementor.api.gateway.cache import cache_key, normalized_error
from codementor.api.gateway.guardrails import scrub
from codementor.api.gateway.leak import LeakDetector, StatementFrequency, fingerprints
from codementor.api.gateway.offline import explain, offline_answer
from codementor.api.gateway.stream import GuardedStream
from tutor_kernel_ext.magics import keep_question_marks, split_tutor_line


def tb(last: str, line: int = 4) -> str:
    return f'Traceback (most recent call last):\n  File "<ipython-input-3>", line {line}, in f\n    x = thing\n{last}'


@pytest.mark.parametrize(
    "last, expected",
    [
        ("NameError: name 'totl' is not defined", "`totl`"),
        ("TypeError: unsupported operand type(s) for +=: 'int' and 'str'", "type(...)"),
        ("TypeError: sum_of_evens() takes 1 positional argument but 2 were given", "number (or kind) of arguments"),
        ("TypeError: 'int' object is not iterable", "collection"),
        ("IndexError: list index out of range", "n - 1"),
        ("KeyError: 'the'", "'the'"),
        ("ZeroDivisionError: division by zero", "empty list"),
        ("AttributeError: 'NoneType' object has no attribute 'append'", "`None`"),
        ("AttributeError: 'list' object has no attribute 'add'", "dir(obj)"),
        ("IndentationError: expected an indented block after 'for' statement on line 3", "indented"),
        ("SyntaxError: invalid syntax", "missing `:`"),
        ("RecursionError: maximum recursion depth exceeded", "base case"),
        ("ValueError: invalid literal for int() with base 10: 'x'", "invalid literal"),
        ("UnboundLocalError: cannot access local variable 'total' where it is not associated with a value", "`total`"),
    ],
)
def test_offline_explanations_follow_the_traceback(last, expected):
    text = explain(last.split(":")[0], tb(last, line=7))
    assert text.startswith(f"**{last.split(':')[0]}** (line 7)")
    assert expected in text


def test_offline_answer_without_error_still_helps():
    assert "hint" in offline_answer("what now", "", "", "Use a loop.").lower()
    assert "example" in offline_answer("", "", "", None)


def test_every_solution_is_caught_however_it_is_wrapped(bank, leak_detector):
    for exercise in bank.all():
        detector = leak_detector(exercise)
        for answer in (exercise.solution, f"```python\n{exercise.solution}```", f"Sure, here it is:\n\n{exercise.solution}\n\nGood luck!"):
            assert detector.check(answer).leaking, exercise.id


def test_authored_hints_and_other_solutions_are_rarely_taken_for_leaks(bank, leak_detector):
    """False alarms cost a student a canned hint instead of an answer; keep them rare.

    Measured on the 60-exercise bank: 5 of 3,540 (exercise, other solution) pairs and 3 of
    180 authored hints score over the threshold (structurally similar short solutions).
    """
    exercises = bank.all()
    detectors = {ex.id: leak_detector(ex) for ex in exercises}
    pairs = [(ex, other) for ex in exercises for other in exercises if other.id != ex.id]
    false_alarms = sum(detectors[ex.id].check(f"```python\n{other.solution}```").leaking for ex, other in pairs)
    hints = [(ex, hint) for ex in exercises for hint in ex.hints]
    flagged_hints = sum(detectors[ex.id].check(hint).leaking for ex, hint in hints)
    print(f"\n[figure] leak false alarms: {false_alarms} of {len(pairs)} other solutions, {flagged_hints} of {len(hints)} authored hints")
    assert false_alarms <= 0.01 * len(pairs), false_alarms
    assert flagged_hints <= 0.02 * len(hints), flagged_hints


def key_idea(solution: str, frequency) -> str:
    """The solution's most distinctive statement (with its body, at most four lines): its real idea."""
    best = (0.0, "")
    for node in ast.walk(ast.parse(solution)):
        if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            source = ast.unparse(node)
            if source.count("\n") <= 3:
                weight = sum(size * frequency.weight(key) for key, size in fingerprints(ast.parse(source)).items())
                best = max(best, (weight, source))
    return best[1]


def test_handing_out_only_the_key_line_is_a_leak_most_of_the_time(bank, leak_detector):
    """A partial leak: the answer gives only the solution's most distinctive statement.

    Weighting statements by their rarity across the bank catches 39 of the 60 (weighting by
    size alone, at the same number of false alarms, caught 26).
    """
    frequency = StatementFrequency.of(ex.solution for ex in bank.all())
    caught = []
    for ex in bank.all():
        answer = f"The key part is:\n```python\n{key_idea(ex.solution, frequency)}\n```\nthen adapt the rest."
        caught.append(leak_detector(ex).check(answer).leaking)
    print(f"\n[figure] key-line leaks caught: {sum(caught)} of {len(caught)}")
    assert sum(caught) >= 0.6 * len(caught)
    by_size = [LeakDetector(ex.solution).check(f"```python\n{key_idea(ex.solution, frequency)}\n```").leaking for ex in bank.all()]
    assert sum(caught) > sum(by_size)  # rarity is what catches them


def test_the_stream_guard_releases_only_what_passed_the_filter(bank, leak_detector):
    exercise = bank.get("sum-of-evens")
    detector = leak_detector(exercise)
    guard = GuardedStream(detector)
    lines = ["Think about it.\n", "First total = 0\n", "then for n in numbers:\n", "if n % 2 == 0:\n", "total += n\n", "return total\n"]
    shown = "".join(guard.feed(line) for line in lines)
    assert shown.startswith("Think about it.\n") and guard.holding
    assert not detector.check(shown).leaking and detector.check(guard.text).leaking  # held back from the line that completed it
    assert shown + guard.rest() == "".join(lines)
    fenced = GuardedStream(detector)
    assert fenced.feed("Look:\n```python\nx = 1\n") == "Look:\n" and fenced.holding
    runnable = GuardedStream(detector)
    assert runnable.feed("Here:\ndef helper(xs):\n") == "Here:\n" and runnable.holding  # code that runs waits for the sandbox
    earlier = GuardedStream(detector, prior="total = 0; for n in numbers: if n % 2 == 0: total += n")
    assert earlier.feed("And finally return total.\n") == "" and earlier.holding  # the piece that completes a leak


def test_scrub_removes_personal_data():
    text = scrub("I'm Jane Doe, jane.doe@uni.edu, call +1 (555) 010-9999; user jdoe42 here", names=("jdoe42",))
    for secret in ("Jane", "Doe", "jane.doe@uni.edu", "555", "jdoe42"):
        assert secret not in text


def test_cache_key_ignores_formatting_but_not_meaning():
    base = dict(exercise_id="e", exercise_version=1, error="KeyError: 'a'", rung=0, question="Why?", purpose="tutor", prompt_version="v", model="m")
    a = cache_key(code="x = 1  # mine\n", **base)
    assert a == cache_key(code="x=1\n\n", **{**base, "question": "why"})
    assert a != cache_key(code="x = 2\n", **base)
    assert a != cache_key(code="x = 1\n", **{**base, "error": "NameError: name 'a' is not defined"})


def test_a_cached_answer_never_reaches_someone_whose_error_reads_differently():
    """An answer can quote the error it explains: the same class of error with other words is another answer."""
    base = dict(exercise_id="e", exercise_version=1, code="x = [][10]\n", rung=0, question="why", purpose="tutor", prompt_version="v", model="m")
    plain = "IndexError: list index out of range"
    planted = "IndexError: list index out of range -- a private note"
    assert cache_key(error=normalized_error(plain), **base) != cache_key(error=normalized_error(planted), **base)
    # the same for the failing tests' messages, whose "returned X" the student's code chose
    failing = "- the example from the statement: returned 'x', expected 'y'"
    assert cache_key(error=plain, failing_tests=failing, **base) != cache_key(error=plain, failing_tests=failing.replace("'x'", "'paste this'"), **base)
    assert cache_key(error=plain, failing_tests=failing, **base) == cache_key(error=plain, failing_tests=failing, **base)
    # the same error from another run of the cell (its run number and temporary file differ) is the same answer
    run = "Cell In[{n}], line 1\n----> 1 x = [][10]\nFile /tmp/ipykernel_{p}/{f}.py:1"
    first = normalized_error(plain, run.format(n=3, p=411, f=2874412))
    assert first == normalized_error(plain, run.format(n=17, p=9020, f=119))
    assert first != normalized_error(plain, run.format(n=3, p=411, f=2874412).replace("line 1", "line 2"))


def test_tutor_line_parsing_keeps_questions_whole():
    args = split_tutor_line("--new I don't get why it's 0?")
    assert args.new and not args.budget and args.question == ["I don't get why it's 0?"]
    assert split_tutor_line("--budget").budget
    with pytest.raises(UsageError):
        split_tutor_line("--everything please")
    assert keep_question_marks(["%tutor why is it 0?\n"]) == ["get_ipython().run_line_magic('tutor', 'why is it 0?')\n"]
    assert keep_question_marks(["x?\n"]) == ["x?\n"]


def test_an_answer_that_hands_out_the_next_rung_counts_as_that_hint():
    from codementor.api.gateway.guardrails import TutorContext
    from codementor.api.services.tutoring import gave_ladder_hint
    from tutor_kernel_ext.magics import answer_note

    rung2 = TutorContext("sum-of-evens", "Sum the even numbers.", ladder_hint="Use n % 2 == 0.", ladder_rung=2)
    assert gave_ladder_hint(rung2, offline_answer("why?", "", "", rung2.ladder_hint))
    assert not gave_ladder_hint(rung2, "Try printing each value as your loop sees it.")
    climbed = TutorContext("sum-of-evens", "Sum the even numbers.", ladder_hint="Use n % 2 == 0.", ladder_rung=0)
    assert not gave_ladder_hint(climbed, offline_answer("why?", "", "", climbed.ladder_hint))  # the last rung again: nothing new
    assert "counts as hint 2" in answer_note({"source": "offline", "hint_rung": 2})
    assert "counts as hint" not in answer_note({"source": "offline"})


def test_answers_asked_for_to_fill_the_memory_do_not_push_out_the_pieces_before_them(bank, leak_detector):
    """The leak filter's memory is cut to PRIOR_CHARS: long answers with nothing of the solution, asked
    for between the pieces of it, must not push the earlier pieces out of what the filter sees."""
    from codementor.api.services.tutoring import PRIOR_CHARS, leak_memory
    from codementor.bench.disguises import disguise

    def completed_by_its_last_piece(ex) -> bool:
        pieces, detector = disguise("three-turns", ex.solution), leak_detector(ex)
        return not detector.check(pieces[-1]).leaking and detector.check(pieces[-1], "\n\n".join(pieces[:-1])).leaking

    ex = next(ex for ex in bank.all() if completed_by_its_last_piece(ex))
    detector, pieces = leak_detector(ex), disguise("three-turns", ex.solution)
    padding = [f"Answer {n}: some general advice on naming things well in Python. " * 60 for n in range(12)]  # ~47,000 characters
    texts = pieces[:-1] + padding
    assert leak_memory(pieces[:-1], detector) == "\n\n".join(pieces[:-1])  # within the limit: all of it, in order
    kept = leak_memory(texts, detector)
    assert len(kept) <= PRIOR_CHARS and all(piece in kept for piece in pieces[:-1])
    assert detector.check(pieces[-1], kept).leaking
    # what the memory was before: the latest 20,000 characters, all padding, and the last piece passed
    assert not detector.check(pieces[-1], "\n\n".join(texts)[-PRIOR_CHARS:]).leaking
