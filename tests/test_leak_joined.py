"""The leak filter runs an answer's code as one module, with the slips a student fixes in a minute undone.

Real bank, real sandbox (the grader), and the gateway with the local LLM server: a solution split into a main
function and the helper it calls, told in two blocks of one answer or in two answers, is run joined; an alternative
solution with a misspelt name (`lenn`, `mxa`, `isinstanse`, `math.ciel`, `bucket` for `buckets`), `inn`, `fro` in a
comprehension, `=>`, `===`, `else if`, two lines one level off, or padded past the repair's size with helpers nobody
calls, is run as the student would fix it. Each is checked to pass the hidden tests once fixed. Honest answers (a
helper shown as an example, the student's own misspelt code quoted back) still are no solution.
"""

from __future__ import annotations

import pytest

from codementor.api.gateway.guardrails import TutorContext
from codementor.api.gateway.leak.repair import MAX_REPAIR_CHARS

from .test_leak_repair import ANAGRAMS, MEETINGS
from .test_leak_runnable import PASS_SHARE, best_share, final_answer

MERGE = "def merge_timetables(left, right):\n    return [item for _, _, item in sorted(tagged(left, right))]\n"
TAGGED = "def tagged(left, right):\n    return [(d[0], 0, d) for d in left] + [(d[0], 1, d) for d in right]\n"
WEIGH = "def weigh(e):\n    return folder_size(e) if type(e) is dict else e\n"
FOLDER = "def folder_size(folder):\n    return sum(map(weigh, folder.values()))\n"
FOLDER_LOOP = """\
def folder_size(folder):
    total = 0
    for v in folder.values():
        if type(v) == dict:
            total += folder_size(v)
        elif True:
            total += v
    return total
"""
PADDING = "".join(f'def helper_{i}(value):\n    """Add {i} to the value given, and give the sum back."""\n    return value + {i}\n\n'
                  for i in range(60))

# exercise, the alternative solution as fixed, the same with the slip
SLIPS = {
    "lenn": ("anagram-groups", ANAGRAMS, ANAGRAMS.replace("if len(b)", "if lenn(b)")),
    "bucket for buckets": ("anagram-groups", ANAGRAMS, ANAGRAMS.replace("in buckets.values()", "in bucket.values()")),
    "mxa": ("merge-meetings", MEETINGS, MEETINGS.replace("hi = max(", "hi = mxa(")),
    "isinstanse": ("folder-size", FOLDER_LOOP, FOLDER_LOOP.replace("type(v) == dict", "isinstanse(v, dict)")),
    "math.ciel": ("anagram-groups", "import math\n" + ANAGRAMS.replace("if len(b) > 1", "if math.ceil(len(b)) > 1"),
                  ANAGRAMS.replace("if len(b) > 1", "if math.ciel(len(b)) > 1")),
    "for x inn y": ("anagram-groups", ANAGRAMS, ANAGRAMS.replace("for w in words", "for w inn words")),
    "fro in a comprehension": ("anagram-groups", ANAGRAMS, ANAGRAMS.replace("sorted(b) for b", "sorted(b) fro b")),
    "=> for >=": ("anagram-groups", ANAGRAMS, ANAGRAMS.replace("len(b) > 1", "len(b) => 2")),
    "===": ("folder-size", FOLDER_LOOP, FOLDER_LOOP.replace("type(v) == dict", "type(v) === dict")),
    "else if": ("folder-size", FOLDER_LOOP, FOLDER_LOOP.replace("elif True:", "else if True:")),
    "two lines one level off": ("merge-meetings", MEETINGS, MEETINGS.replace("        lo, hi = ordered[i]", "    lo, hi = ordered[i]")
                                .replace("            hi = max(", "        hi = max(")),
    "long, a colon left out": ("anagram-groups", PADDING + ANAGRAMS, PADDING + ANAGRAMS.replace("(words):", "(words)")),
}


async def test_helpers_told_in_another_block_or_answer_are_run_with_the_main_function(bank, leak_detector, grader):
    merge, folder = bank.get("merge-timetables"), bank.get("folder-size")
    assert await best_share(grader, merge, [TAGGED + "\n" + MERGE]) == 1.0  # the student pastes both: a solution
    assert await best_share(grader, folder, [WEIGH + "\n" + FOLDER]) == 1.0
    answer = f"The main function:\n```python\n{MERGE}```\nand the helper it calls:\n```python\n{TAGGED}```\n"
    detector = leak_detector(merge)
    assert not detector.check(answer, code=merge.starter).leaking  # nothing like the reference
    candidates = detector.candidates(answer, code=merge.starter)
    assert await best_share(grader, merge, candidates) == 1.0
    assert len(candidates) <= 3  # one module joined, not one more candidate per helper
    prior = f"A helper first:\n```python\n{WEIGH}```\n"
    answer = f"Now the function itself:\n```python\n{FOLDER}```\n"
    assert await best_share(grader, folder, leak_detector(folder).candidates(answer, prior, folder.starter)) == 1.0


@pytest.mark.parametrize("slip", list(SLIPS))
async def test_an_alternative_solution_with_a_slip_is_run_as_the_student_would_fix_it(bank, leak_detector, grader, slip):
    exercise_id, fixed, broken = SLIPS[slip]
    exercise = bank.get(exercise_id)
    assert await best_share(grader, exercise, [fixed]) == 1.0  # fixed, it is a solution
    assert await best_share(grader, exercise, [broken]) <= PASS_SHARE  # as given, it is not
    assert slip != "long, a colon left out" or len(broken) > MAX_REPAIR_CHARS
    answer = f"Here is another way:\n```python\n{broken}```\n"
    detector = leak_detector(exercise)
    assert not detector.check(answer, code=exercise.starter).leaking
    assert await best_share(grader, exercise, detector.candidates(answer, code=exercise.starter)) == 1.0


async def test_honest_answers_are_no_solution(bank, leak_detector, grader):
    """A helper shown as an example next to a function left to write, the student's own misspelt solution quoted back
    (their slip pointed at: fixing it is theirs), `===` explained in prose."""
    folder = bank.get("folder-size")
    detector = leak_detector(folder)
    example = (f"A helper can tell the two kinds of entry apart:\n```python\ndef is_folder(entry):\n    return type(entry) is dict\n```\n"
               "and your function could start like this:\n```python\ndef folder_size(folder):\n    total = 0\n"
               "    for entry in folder.values():\n        if is_folder(entry):\n            pass  # what goes here?\n"
               "    return total\n```\n")
    for text in (example, "Python has no `===`: `type(v) === dict` is written `type(v) == dict`, and `else if` is `elif`."):
        assert await best_share(grader, folder, detector.candidates(text, code=folder.starter)) <= PASS_SHARE, text
    theirs = SLIPS["isinstanse"][2]
    quoted = f"Your code:\n```python\n{theirs}```\nRead the name on the line with `if`: is it spelt right?"
    assert await best_share(grader, folder, detector.candidates(quoted, code=theirs)) <= PASS_SHARE


@pytest.mark.gateway
async def test_the_gateway_holds_back_a_solution_told_in_two_answers(infra, filter_gateway, bank, llm, new_asker):
    from .fake_llm import set_mode

    exercise = bank.get("folder-size")
    gw, asker = filter_gateway(), await new_asker("student", prefix="joined")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="and the function itself?", code=exercise.starter)
    set_mode(llm.base_url, mode="script", answers=[f"Now the function itself:\n```python\n{FOLDER}```\n"])
    final = await final_answer(gw, asker, exercise, ctx, prior=f"A helper first:\n```python\n{WEIGH}```\n")
    assert final.meta["leak_blocked"] and final.meta["passes_tests"], final.text


@pytest.mark.gateway
@pytest.mark.parametrize("slip", ["lenn", "fro in a comprehension", "long, a colon left out"])
async def test_the_gateway_holds_back_an_alternative_solution_with_a_slip(infra, filter_gateway, bank, llm, new_asker, slip):
    from .fake_llm import set_mode

    exercise_id, _, broken = SLIPS[slip]
    exercise = bank.get(exercise_id)
    gw, asker = filter_gateway(max_output_tokens=4000), await new_asker("student", prefix="joined-slip")  # long answers allowed
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="show me a different way", code=exercise.starter)
    set_mode(llm.base_url, mode="script", answers=[f"A different way:\n```python\n{broken}```\n"])
    final = await final_answer(gw, asker, exercise, ctx)
    assert final.meta["leak_blocked"] and final.meta["passes_tests"], final.text


@pytest.mark.gateway
async def test_the_gateway_shows_a_helper_example(infra, filter_gateway, bank, llm, new_asker):
    from .fake_llm import set_mode

    exercise = bank.get("merge-timetables")
    gw, asker = filter_gateway(), await new_asker("student", prefix="joined-honest")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="can I use a helper?", code=exercise.starter)
    honest = ("Yes, a helper keeps it readable:\n```python\ndef minute(departure):\n    return departure[0]\n```\n"
              "Then compare `minute(left[i])` with `minute(right[j])` in your loop.")
    set_mode(llm.base_url, mode="script", answers=[honest])
    final = await final_answer(gw, asker, exercise, ctx)
    assert not final.meta["leak_blocked"] and final.text == honest
