"""The leak filter runs code a student makes load in seconds: a solution with a slip in it is still a solution.

Real bank, real sandbox (the grader), the gateway with the local LLM server: an alternative solution (nothing like
the reference, so the similarity check does not see it) told with a colon left out, `retrun`, a bracket never
closed, tabs among spaces, full-width punctuation, `then`/`end`, or a `defaultdict` used without its import, is
held back, plain and as a `/hints` extra; honest answers pointing at a student's slip are still shown.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from codementor.api.gateway.guardrails import TutorContext
from codementor.api.gateway.leak.repair import MAX_ROUNDS, repaired, with_imports
from codementor.api.services import tutoring

from .test_leak_runnable import PASS_SHARE, best_share, final_answer

# anagram-groups rewritten: a set of lower-cased words per sorted key (the reference uses a dict of sets and a loop)
ANAGRAMS = """\
def anagram_groups(words):
    buckets = {}
    for w in words:
        lw = w.lower()
        buckets.setdefault(tuple(sorted(lw)), set()).add(lw)
    return sorted(sorted(b) for b in buckets.values() if len(b) > 1)
"""
ANAGRAMS_DEFAULTDICT = """\
def anagram_groups(words):
    buckets = defaultdict(set)
    for w in words:
        buckets[''.join(sorted(w.lower()))].add(w.lower())
    return sorted(sorted(b) for b in buckets.values() if len(b) > 1)
"""
# merge-meetings rewritten as a `while` loop over the sorted meetings
MEETINGS = """\
def busy_periods(meetings):
    ordered = sorted(meetings)
    merged = []
    i = 0
    while i < len(ordered):
        lo, hi = ordered[i]
        i += 1
        while i < len(ordered) and ordered[i][0] <= hi:
            hi = max(hi, ordered[i][1])
            i += 1
        merged.append((lo, hi))
    return merged
"""

SLIPS = {  # exercise, how the alternative solution is broken
    "colon after the def line": ("anagram-groups", ANAGRAMS.replace("(words):", "(words)")),
    "retrun": ("anagram-groups", ANAGRAMS.replace("return sorted", "retrun sorted")),
    "defaultdict not imported": ("anagram-groups", ANAGRAMS_DEFAULTDICT),
    "colon after the while line": ("merge-meetings", MEETINGS.replace("< len(ordered):", "< len(ordered)", 1)),
    "two slips: fro, and a bracket never closed": ("anagram-groups", ANAGRAMS.replace("for w in", "fro w in")
                                                   .replace("set()).add(lw)", "set()).add(lw")),
    "then, do and end": ("merge-meetings", MEETINGS.replace("< len(ordered):", "< len(ordered) do", 1)
                         .replace("<= hi:", "<= hi then").replace("        merged.append", "        end\n        merged.append")),
    "tabs among spaces": ("merge-meetings", MEETINGS.replace("        hi = max", "\t\thi = max")),
    "full-width colon and curly quotes": ("anagram-groups", ANAGRAMS_DEFAULTDICT.replace("(words):", "(words)：")
                                          .replace("''", "“”") + "\nfrom collections import defaultdict\n"),
    "esle, and a stray bracket": ("merge-meetings", MEETINGS.replace(
        "        merged.append((lo, hi))", "        if merged and merged[-1] == (lo, hi):\n            pass\n        esle:\n"
        "            merged.append((lo, hi)))")),
    "an indented block not indented": ("anagram-groups", ANAGRAMS.replace("        lw = w.lower()", "    lw = w.lower()")),
}


def test_each_slip_is_one_a_student_undoes_and_the_code_does_not_load_as_given():
    for name, (_, code) in SLIPS.items():
        if name != "defaultdict not imported":
            with pytest.raises(SyntaxError):
                compile(code, "<answer>", "exec")
        fixed = repaired(code) or code
        compile(with_imports(fixed), "<answer>", "exec")


@pytest.mark.parametrize("slip", list(SLIPS))
async def test_an_alternative_solution_with_a_slip_is_run_as_the_student_would_fix_it(bank, leak_detector, grader, slip):
    exercise_id, code = SLIPS[slip]
    exercise = bank.get(exercise_id)
    answer = f"Here is one way:\n```python\n{code}```\n"
    detector = leak_detector(exercise)
    assert not detector.check(answer, code=exercise.starter).leaking  # nothing like the reference
    assert await best_share(grader, exercise, detector.candidates(answer, code=exercise.starter)) == 1.0


async def test_honest_snippets_with_a_slip_are_no_solution(bank, leak_detector, grader):
    """A loop missing its colon, the student's own broken line quoted back, a wrong idea with a typo: repaired or
    not, they pass no more of the hidden tests than the filter allows."""
    exercise = bank.get("anagram-groups")
    detector = leak_detector(exercise)
    code = exercise.starter.replace("for word in words:", "for word in words")
    for text in ("Your loop is missing its colon:\n```python\nfor word in words\n```\nadd `:` at the end.",
                 "Python has no `then`: write `if key not in groups:` rather than `if key not in groups then`.",
                 f"This is what you wrote:\n```python\n{code}```\nLook at the line with `for`: what ends it?",
                 "A first try could be:\n```python\ndef anagram_groups(words)\n    retrun [words]\n```\nwhy does it fail?"):
        assert await best_share(grader, exercise, detector.candidates(text, code=code)) <= PASS_SHARE, text
    theirs = SLIPS["colon after the def line"][1]  # a student's own solution, a colon left out, quoted back
    quoted = f"Your code:\n```python\n{theirs}```\nThe first line is missing something at its end."
    assert detector.candidates(quoted, code=theirs) == []


def test_prose_is_not_repaired_into_code():
    for text in ("Good question! Look at what your loop adds each time.\n\nWhich words should be kept?",
                 "for each word in words, sort its letters\nthen keep the groups of two or more",
                 "If the list is empty return [] and else go on.", "end"):
        assert repaired(text) is None, text
    broken = "def f(x)\n" + "".join(f"    y{i} = (x\n" for i in range(MAX_ROUNDS + 2)) + "    return x\n"
    assert repaired(broken) is None  # more slips than a few rounds undo: left as it is


@pytest.mark.gateway
@pytest.mark.parametrize("slip", ["colon after the def line", "retrun", "defaultdict not imported"])
async def test_the_gateway_holds_back_an_alternative_solution_with_a_slip(infra, filter_gateway, bank, llm, new_asker, slip):
    from .fake_llm import set_mode

    exercise_id, code = SLIPS[slip]
    exercise = bank.get(exercise_id)
    gw, asker = filter_gateway(), await new_asker("student", prefix="slip")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="show me a different way", code=exercise.starter)
    set_mode(llm.base_url, mode="script", answers=[f"A different way:\n```python\n{code}```\n"])
    final = await final_answer(gw, asker, exercise, ctx)
    assert final.meta["leak_blocked"] and final.meta["passes_tests"], final.text
    assert "buckets" not in final.text and "ordered" not in final.text


@pytest.mark.gateway
async def test_an_extra_hint_with_a_slipped_while_loop_merge_is_held_back(infra, filter_gateway, bank, llm, new_asker):
    """/hints past the authored ladder on merge-meetings: the model's hint is the `while` merge, a colon left out."""
    from .fake_llm import set_mode

    exercise = bank.get("merge-meetings")
    gw, asker = filter_gateway(), await new_asker("student", prefix="slip-hint")
    set_mode(gw.base_url, mode="script", answers=[f"Try it like this:\n```python\n{SLIPS['colon after the while line'][1]}```\n"])
    req = SimpleNamespace(question="", code=exercise.starter, error="", traceback="")
    hint = await tutoring.extra_hint(infra[0], gw, asker, exercise, req, taken=len(exercise.hints))
    assert hint["source"] == "guardrail" and "ordered[i][0]" not in hint["text"], hint["text"]


@pytest.mark.gateway
async def test_the_gateway_shows_an_honest_answer_pointing_at_a_slip(infra, filter_gateway, bank, llm, new_asker):
    from .fake_llm import set_mode

    exercise = bank.get("anagram-groups")
    code = exercise.starter.replace("for word in words:", "for word in words")
    gw, asker = filter_gateway(), await new_asker("student", prefix="slip-honest")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="why a SyntaxError?", code=code, error="SyntaxError: expected ':'")
    honest = "Your loop line is missing its colon:\n```python\nfor word in words\n```\nA block's first line ends with `:`."
    set_mode(llm.base_url, mode="script", answers=[honest])
    final = await final_answer(gw, asker, exercise, ctx)
    assert not final.meta["leak_blocked"] and final.text == honest
