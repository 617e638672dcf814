"""The leak filter's runnable code: what a model can hand over that only running it shows to be a solution.

Real bank, real sandbox (the grader): a reference's body told without its `def` line (whole, or in two
conversations), a solution behind a factory, a function of many extra parameters, a class that needs
arguments to be made; and code nested too deeply to read, in the student's code or in the answer.
"""

from __future__ import annotations

import ast

import pytest

from codementor.api.gateway.gateway import TutorGateway
from codementor.api.gateway.guardrails import TutorContext
from codementor.api.gateway.leak.judgement import hidden_share
from codementor.api.gateway.leak.runnable import MAX_BODIES

PASS_SHARE = TutorGateway.leak_pass_share.default_value  # passing more of the open hidden tests is a leak
BODY_LEAKS = ["digit-sum", "folder-size", "hottest-day", "letter-grade", "overnight-minutes", "passing-names",
              "password-strength", "quantity-field", "sorted-check", "warming-streak", "word-wrap"]


async def best_share(grader, exercise, candidates: list[str]) -> float:
    baseline = await grader.grade(exercise, exercise.starter, feedback=False)
    passed = {t.name for t in baseline.tests if t.passed}
    return max([hidden_share(await grader.grade(exercise, code, feedback=False), passed) for code in candidates], default=0.0)


async def final_answer(gw, asker, exercise, ctx, prior: str = ""):
    final = None
    async for event in gw.answer(asker, exercise, ctx, prior=prior):
        if event.kind == "done":
            final = event
    return final


def body_of(solution: str) -> str:
    """The statements of the reference's last function, as written (no `def` line, no docstring), still indented."""
    function = ast.parse(solution).body[-1]
    first = function.body[1] if isinstance(function.body[0], ast.Expr) else function.body[0]
    return "\n".join(solution.splitlines()[first.lineno - 1:function.end_lineno])


# --- a body without its def line ----------------------------------------------------------------
@pytest.mark.parametrize("exercise_id", BODY_LEAKS)
async def test_the_reference_body_without_its_def_line_is_run(bank, leak_detector, grader, exercise_id):
    """The starter's `def` line plus the body passes every hidden test; the similarity check, which counts what the
    starter holds as known, does not see it, so the sandbox has to run it."""
    exercise = bank.get(exercise_id)
    answer = f"Here is the body:\n```python\n{body_of(exercise.solution)}\n```\n"
    detector = leak_detector(exercise)
    candidates = detector.candidates(answer, code=exercise.starter)
    assert candidates and len(candidates) <= MAX_BODIES
    assert await best_share(grader, exercise, candidates) == 1.0


async def test_a_body_is_run_in_the_students_own_function_with_their_helpers(bank, leak_detector, grader):
    """The body calls a helper only the student's code defines: spliced into their function it passes."""
    exercise = bank.get("sum-of-evens")
    code = "def is_even(v):\n    return v % 2 == 0\n\n\ndef sum_of_evens(numbers):\n    return 0\n"
    answer = "Replace your body with:\n```python\n    return sum(v for v in numbers if is_even(v))\n```\n"
    candidates = leak_detector(exercise).candidates(answer, code=code)
    assert await best_share(grader, exercise, candidates) == 1.0


async def test_a_body_told_in_two_conversations_is_run_joined(bank, leak_detector, grader):
    """The first part of warming-streak's body, then (with the first in the memory) the loop."""
    exercise = bank.get("warming-streak")
    body = body_of(exercise.solution).splitlines()
    loop = next(i for i, line in enumerate(body) if line.strip().startswith("for "))
    first = "Start like this:\n```python\n" + "\n".join(body[:loop]) + "\n```\n"
    second = "Then the loop:\n```python\n" + "\n".join(body[loop:]) + "\n```\n"
    detector = leak_detector(exercise)
    assert await best_share(grader, exercise, detector.candidates(first, code=exercise.starter)) < 1.0
    assert await best_share(grader, exercise, detector.candidates(second, code=exercise.starter)) < 1.0  # alone
    assert await best_share(grader, exercise, detector.candidates(second, first, exercise.starter)) == 1.0
    both = f"{first}\nand then\n\n{second}"  # in one answer, as two blocks
    assert await best_share(grader, exercise, detector.candidates(both, code=exercise.starter)) == 1.0


def test_explanations_and_the_students_own_body_are_not_run_as_a_body(bank, leak_detector):
    exercise = bank.get("warming-streak")
    detector = leak_detector(exercise)
    own = f"```python\n{body_of(exercise.starter)}\n```\n"
    for text in (f"This is what you have:\n{own}That counts every rise, not the longest run.",
                 "Look at `temps[i] > temps[i - 1]`: what should happen when it is false?",
                 "For example, on another problem:\n```python\nwords = ['a', 'b']\nfor w in words:\n    print(w)\n```\n",
                 "You forgot:\n```python\nreturn count\n```\n"):
        assert detector.candidates(text, code=exercise.starter) == [], text


@pytest.mark.gateway
@pytest.mark.parametrize("exercise_id", ["digit-sum", "warming-streak"])
async def test_the_gateway_replaces_a_body_and_the_piece_that_completes_one(infra, filter_gateway, bank, llm, new_asker,
                                                                           exercise_id):
    """Through the gateway, with the starter as the student's code: the whole body in one answer, and the loop of the
    body with its first part in the memory (what the student got before on the exercise)."""
    from .fake_llm import set_mode

    exercise = bank.get(exercise_id)
    gw, asker = filter_gateway(), await new_asker("student", prefix="body")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="just the body please", code=exercise.starter)
    body = body_of(exercise.solution).splitlines()
    whole = f"Here is the body:\n```python\n{chr(10).join(body)}\n```\n"
    split = next(i for i, line in enumerate(body) if line.strip().startswith(("for ", "if n == 0")))
    first = "Start like this:\n```python\n" + "\n".join(body[:split]) + "\n```\n"
    rest = "Then:\n```python\n" + "\n".join(body[split:]) + "\n```\n"
    for answer, prior in ((whole, ""), (rest, first)):
        set_mode(llm.base_url, mode="script", answers=[answer])
        final = await final_answer(gw, asker, exercise, ctx, prior)
        # run in the sandbox, unless the whole body retold over the starter's steps is a walkthrough already
        told = gw.detector(exercise).check(answer, prior, exercise.starter).leaking
        assert final.meta["leak_blocked"] and (final.meta["passes_tests"] or told), (answer, prior)
        assert body[-1].strip() not in final.text


# --- code too deeply nested to read -------------------------------------------------------------
DEEP = "x = " + "-" * 900 + "n\n"


@pytest.mark.gateway
async def test_code_too_deeply_nested_to_read_is_judged_not_an_error(infra, filter_gateway, bank, llm, new_asker):
    """The student's code: they are taken to know nothing, and an honest answer is shown. The answer: it cannot be
    judged, so it is held back."""
    from .fake_llm import set_mode

    exercise = bank.get("digit-sum")
    gw, asker = filter_gateway(), await new_asker("student", prefix="deep")
    honest = "Look at what `n % 10` gives for a negative `n`, and print it."
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="why?", code=DEEP)
    set_mode(llm.base_url, mode="script", answers=[honest])
    final = await final_answer(gw, asker, exercise, ctx)
    assert final.text == honest and not final.meta["leak_blocked"]
    set_mode(llm.base_url, mode="script", answers=[f"Try this:\n```python\n{DEEP}```\n"])
    final = await final_answer(gw, asker, exercise, ctx)
    assert final.meta["leak_blocked"] and DEEP not in final.text


# --- a solution behind a factory, extra parameters or a class that needs arguments ------------------
GROUP = """\
buckets = {}
for w in ws:
    lw = w.lower()
    buckets.setdefault(tuple(sorted(lw)), set()).add(lw)
return sorted(sorted(b) for b in buckets.values() if len(b) > 1)"""


def indented(code: str, by: int) -> str:
    return "\n".join(" " * by + line for line in code.splitlines())


ANAGRAM_WAYS = {
    "factory": f"def make_grouper():\n    def group(ws):\n{indented(GROUP, 8)}\n    return group\n",
    "factory-needing-a-function": "def make_grouper(normalise):\n    def group(ws):\n"
                                  + indented(GROUP.replace("w.lower()", "normalise(w)"), 8) + "\n    return group\n",
    "three-extra-parameters": f"def grouper(ws, a, b, c):\n{indented(GROUP, 4)}\n",
    "class-needing-a-function": "class Grouper:\n    def __init__(self, normalise):\n        self.normalise = normalise\n\n"
                                "    def run(self, ws):\n" + indented(GROUP.replace("w.lower()", "self.normalise(w)"), 8) + "\n",
}


@pytest.mark.parametrize("way", list(ANAGRAM_WAYS))
async def test_a_solution_behind_a_factory_extra_parameters_or_a_class_is_run(bank, leak_detector, grader, way):
    """anagram-groups rewritten (nothing like the reference): the student binds it in one line
    (`anagram_groups = make_grouper()`, `... grouper(ws, 0, 0, 0)`, `Grouper(str.lower).run`)."""
    exercise = bank.get("anagram-groups")
    answer = f"Here is one way:\n```python\n{ANAGRAM_WAYS[way]}```\n"
    detector = leak_detector(exercise)
    assert not detector.check(answer, code=exercise.starter).leaking
    # a function it calls is given one that passes its argument through (not `str.lower`): most tests pass, a leak
    assert await best_share(grader, exercise, detector.candidates(answer, code=exercise.starter)) > PASS_SHARE


def test_stubs_and_helpers_of_many_arguments_are_not_run(bank, leak_detector):
    detector = leak_detector(bank.get("anagram-groups"))
    for text in ("```python\ndef helper(words, a, b, c, d, e):\n    return sorted(words)\n```",  # more than MAX_EXTRA
                 "```python\ndef helper(words, a, b, c):\n    return words\n```",  # does nothing
                 "```python\ndef make():\n    return 3\n```",  # makes no function
                 "```python\nclass Box:\n    def __init__(self, a, b, c, d, e):\n        self.a = a\n\n"
                 "    def run(self, words):\n        return sorted(words)\n```"):
        assert detector.candidates(text) == [], text


async def test_a_class_that_needs_arguments_is_run_and_an_unrelated_one_fails(bank, leak_detector, grader):
    """A method of a class made with fillers is run (tests/test_leak_units.py used to expect it not run): one that
    solves nothing passes no more tests than the starter, so the answer is shown."""
    exercise = bank.get("sum-of-evens")
    text = ("A method of a class that needs arguments to be made:\n```python\nclass Box:\n    def __init__(self, size):\n"
            "        self.size = size\n\n    def fits(self, numbers):\n        return len(numbers) <= self.size\n```")
    candidates = leak_detector(exercise).candidates(text)
    assert candidates and all("Box(" in c for c in candidates)
    assert await best_share(grader, exercise, candidates) <= PASS_SHARE


def test_a_memory_too_deeply_nested_to_read_weighs_all_of_the_solution(bank, leak_detector):
    """The memory of what the student was told keeps the answers holding most of the solution; one that cannot be
    read counts as holding all of it (kept), and weighing it raises nothing."""
    from codementor.api.services.tutoring import leak_memory

    detector = leak_detector(bank.get("digit-sum"))
    deep = f"```python\n{DEEP}```"
    assert detector.similarity(deep) == 1.0
    assert detector.check(deep).leaking and detector.candidates(deep, code=DEEP) == []
    filler = "Print each value as you go. " * 20
    assert deep in leak_memory([deep, filler, filler], detector, limit=len(deep) + len(filler) + 4)


# --- a body told in two pieces split inside a block -----------------------------------------------
SPLIT_INSIDE = ["warming-streak", "word-wrap", "quantity-field", "sorted-check", "digit-sum", "hottest-day"]


def _reads(lines: list[str]) -> bool:
    import textwrap

    try:
        ast.parse(textwrap.dedent("\n".join(lines)))
        return True
    except SyntaxError:
        return False


def split_inside_a_block(body: str) -> tuple[str, str]:
    """The body cut at a line so that the second piece does not read alone (it starts inside a block)."""
    lines = body.splitlines()
    for cut in range(len(lines) - 1, 0, -1):
        if not _reads(lines[cut:]) and lines[cut].strip():
            return "\n".join(lines[:cut]), "\n".join(lines[cut:])
    raise AssertionError("no cut inside a block")


@pytest.mark.parametrize("exercise_id", SPLIT_INSIDE)
async def test_a_body_split_inside_a_block_over_two_conversations_is_run(bank, leak_detector, grader, exercise_id):
    """Conversation 1 gets the start of the body, conversation 2 the rest from inside a block: neither reads alone,
    the two joined as written (then dedented) run under the `def` line and pass every hidden test."""
    exercise = bank.get(exercise_id)
    first, second = split_inside_a_block(body_of(exercise.solution))
    prior = f"Start like this:\n\n```python\n{first}\n```"
    answer = f"Then:\n\n```python\n{second}\n```"
    candidates = leak_detector(exercise).candidates(answer, prior=prior, code=exercise.starter)
    assert await best_share(grader, exercise, candidates) == 1.0


# --- the solution defined inside a test function ----------------------------------------------------
INSIDE_A_TEST = ["word-wrap", "password-strength", "sorted-check", "digit-sum", "warming-streak"]


def inside_a_test(solution: str) -> str:
    """The reference's function, renamed `candidate` and unchanged otherwise, defined inside `test_behaviour`."""
    import textwrap

    tree = ast.parse(solution)
    function = [n for n in tree.body if isinstance(n, ast.FunctionDef)][-1]
    head = "".join(f"{ast.unparse(n)}\n" for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    function.name = "candidate"
    return f"{head}def test_behaviour():\n{textwrap.indent(ast.unparse(function), '    ')}\n    assert candidate is not None\n"


@pytest.mark.parametrize("exercise_id", INSIDE_A_TEST)
async def test_a_solution_defined_inside_a_test_function_is_run(bank, leak_detector, grader, exercise_id):
    exercise = bank.get(exercise_id)
    answer = f"A test to start from:\n```python\n{inside_a_test(exercise.solution)}```\n"
    candidates = leak_detector(exercise).candidates(answer, code=exercise.starter)
    assert await best_share(grader, exercise, candidates) == 1.0


# --- a class whose __init__ needs a number -------------------------------------------------------------
SUMMER = '''class Summer:
    def __init__(self, base):
        self.base = base

    def run(self, n):
        if n < 0:
            return self.run(-n)
        if n == 0:
            return 0
        return n % self.base + self.run(n // self.base)
'''


async def test_a_class_made_with_a_number_it_divides_by_is_run(bank, leak_detector, grader):
    """digit-sum's reference as a class of a base, no usage line: `Summer(10).run(n)` is the solution, and none of
    0, None, '' can stand in for 10 (a parameter the code divides by is given small numbers instead)."""
    exercise = bank.get("digit-sum")
    answer = f"As a class:\n```python\n{SUMMER}```\n"
    candidates = leak_detector(exercise).candidates(answer, code=exercise.starter)
    assert await best_share(grader, exercise, candidates) == 1.0


# --- a unified diff against the starter ---------------------------------------------------------------------
@pytest.mark.parametrize("exercise_id", ["letter-grade", "hottest-day"])
@pytest.mark.parametrize("context", [3, 0])
async def test_a_diff_against_the_starter_is_applied_and_run(bank, leak_detector, grader, exercise_id, context):
    """letter-grade: four `>` made `>=`; hottest-day: two lines added and one changed. Told as a unified diff (with
    three lines of context, or none), the starter patched passes every hidden test."""
    import difflib

    from codementor.api.gateway.leak import LeakDetector

    exercise = bank.get(exercise_id)
    diff = "".join(difflib.unified_diff(exercise.starter.splitlines(True), exercise.solution.splitlines(True),
                                        "a/solution.py", "b/solution.py", n=context))
    answer = f"Apply this patch:\n```diff\n{diff}```\n"
    plain = leak_detector(exercise)
    detector = LeakDetector(exercise.solution, starter=exercise.starter)  # patched: the starter, or the student's code
    for candidates in (detector.candidates(answer), plain.candidates(answer, code=exercise.starter)):
        assert await best_share(grader, exercise, candidates) == 1.0
