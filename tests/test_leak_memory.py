"""The leak filter's memory and the student's own code, through the tutor service the API runs.

Real Postgres (the memory is `tutor_disclosures`), Redis (the shared answer cache), the local vendor and
the grader's sandbox. What a student pastes back from the tutor stays the tutor's: it is never subtracted
as "their own code" from what the memory holds.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import pytest

from codementor.api.grader import Grader
from codementor.api.models import TutorDisclosure
from codementor.api.services import tutoring

from .fake_llm import set_mode
from .test_gateway import screens_of

pytestmark = pytest.mark.gateway

# anagram-groups told in two pieces: the loop that builds the groups, then what is done with them
GROUPS_LOOP = '''    groups = {}
    for word in words:
        word = word.lower()
        key = "".join(sorted(word))
        if key not in groups:
            groups[key] = set()
        groups[key].add(word)
'''
FIRST_PIECE = f"Start by building the groups:\n```python\n{GROUPS_LOOP}```\n"
SECOND_PIECE = '''Now keep the real groups:
```python
    result = []
    for group in groups.values():
        if len(group) >= 2:
            result.append(sorted(group))
    result.sort()
    return result
```
'''
HONEST = "Think about which letters each word has."


@pytest.fixture
async def make_gateway(make_gateway):
    grader = Grader()
    yield functools.partial(make_gateway, grader=grader, read_timeout=1.0, retry_backoff=0.01)
    await grader.aclose()


def with_loop_pasted(starter: str) -> str:
    """The anagram-groups starter with the tutor's first piece pasted in place of its own loop."""
    head, _, _ = starter.partition("    groups = {}")
    return f"{head}{GROUPS_LOOP}    return list(groups.values())\n"


def split_library(exercise) -> tuple[str, str, str]:
    """library-loans' reference cut in three: the class head, `add_book` and `lend`, the three other methods."""
    solution = exercise.solution
    first, rest = solution.index("    def add_book"), solution.index("    def give_back")
    return solution[:first], solution[first:rest], solution[rest:]


async def ask(sessionmaker, gw, asker, exercise, code: str, answer: str, question: str = "what next?"):
    """One tutor exchange through the service (the answer streams through the guard): (every text that was on the
    screen, the final event)."""
    set_mode(gw.base_url, mode="script", answers=[answer])
    req = SimpleNamespace(question=question, code=code, error="", traceback="")
    screens, final = await screens_of(tutoring.ask(sessionmaker, gw, asker, exercise, req))
    return "\n".join(screens), final


async def test_a_piece_pasted_into_the_code_is_still_what_the_tutor_said(infra, make_gateway, bank, new_asker):
    """The second piece, sent with the first pasted into the code, completes the solution with the memory: replaced.
    A student whose code holds that loop without having been told it gets the same answer."""
    gw, ex = make_gateway(cache_enabled=False), bank.get("anagram-groups")
    alice = await new_asker(prefix="launder")
    _, first = await ask(infra[0], gw, alice, ex, ex.starter, FIRST_PIECE)
    assert not first.meta["leak_blocked"] and first.text == FIRST_PIECE
    shown, second = await ask(infra[0], gw, alice, ex, with_loop_pasted(ex.starter), SECOND_PIECE)
    assert second.meta["leak_blocked"] and "result.sort()" not in shown, second.text
    honest = await new_asker(prefix="own-loop")
    _, own = await ask(infra[0], gw, honest, ex, with_loop_pasted(ex.starter), SECOND_PIECE)
    assert not own.meta["leak_blocked"] and own.text == SECOND_PIECE


async def test_streamed_methods_pasted_back_do_not_launder_the_rest(infra, make_gateway, bank, new_asker):
    """library-loans streamed: `add_book` and `lend`, then the other three methods with the first two pasted into the
    code; the second answer is replaced and none of it reached the screen."""
    gw, ex = make_gateway(cache_enabled=False), bank.get("library-loans")
    _, methods, rest = split_library(ex)
    bob = await new_asker(prefix="launder-stream")
    _, first = await ask(infra[0], gw, bob, ex, ex.starter, f"The first two:\n```python\n{methods}```\n")
    assert not first.meta["leak_blocked"]
    start, end = ex.starter.index("    def add_book"), ex.starter.index("    def give_back")
    pasted = ex.starter[:start] + methods + ex.starter[end:]
    shown, second = await ask(infra[0], gw, bob, ex, pasted, f"And the rest:\n```python\n{rest}```\n")
    assert second.meta["leak_blocked"] and "held.remove(title)" not in shown, second.text


async def test_an_extra_hint_with_the_piece_pasted_back_is_judged_the_same(infra, make_gateway, bank, new_asker):
    """/hints past the authored rungs: the second piece as a model's hint, the first pasted into the code: replaced."""
    gw, ex = make_gateway(cache_enabled=False), bank.get("anagram-groups")
    alice = await new_asker(prefix="launder-hint")
    _, first = await ask(infra[0], gw, alice, ex, ex.starter, FIRST_PIECE)
    assert not first.meta["leak_blocked"]
    set_mode(gw.base_url, mode="script", answers=[SECOND_PIECE])
    req = SimpleNamespace(question="", code=with_loop_pasted(ex.starter), error="", traceback="")
    hint = await tutoring.extra_hint(infra[0], gw, alice, ex, req, taken=len(ex.hints))
    assert hint["source"] == "guardrail" and "result.sort()" not in hint["text"], hint["text"]


async def test_a_cached_answer_holding_code_goes_to_no_other_student(infra, make_gateway, bank, new_asker):
    """An answer with a code block, shown to one student, is not served to the next who asks the same with the same
    code (they get the model's own answer); an answer in words still is."""
    gw, ex = make_gateway(), bank.get("hottest-day")
    fix = "Handle the empty list first:\n```python\n    if not temps:\n        return -1\n```\n"
    _, alice = await ask(infra[0], gw, await new_asker(prefix="cache-a"), ex, ex.starter, fix, question="why does it crash?")
    assert not alice.meta["leak_blocked"] and alice.text == fix
    _, bob = await ask(infra[0], gw, await new_asker(prefix="cache-b"), ex, ex.starter, HONEST, question="why does it crash?")
    assert not bob.meta["cached"] and bob.text == HONEST, bob.text
    _, carol = await ask(infra[0], gw, await new_asker(prefix="cache-c"), ex, ex.starter, fix, question="why does it crash?")
    assert carol.meta["cached"] and carol.text == HONEST


async def test_a_memory_that_gives_the_exercise_away_does_not_block_an_answer_adding_nothing(infra, make_gateway, bank,
                                                                                             new_asker):
    """A student whose memory holds the whole solution already (left by a leak before the fix): a one-line answer with
    no code is shown with the starter as their code; the solution told once more is still replaced."""
    gw, ex = make_gateway(cache_enabled=False), bank.get("anagram-groups")
    alice = await new_asker(prefix="told-all")
    async with infra[0]() as session, session.begin():
        for text in (FIRST_PIECE, SECOND_PIECE):
            session.add(TutorDisclosure(user_id=alice.user_id, exercise_id=ex.id, text=text, touches=[]))
    _, honest = await ask(infra[0], gw, alice, ex, ex.starter, HONEST, question="hint please")
    assert not honest.meta["leak_blocked"] and honest.text == HONEST, honest.text
    _, again = await ask(infra[0], gw, alice, ex, ex.starter, f"```python\n{ex.solution}```\n")
    assert again.meta["leak_blocked"]


async def test_pieces_told_under_another_exercise_count_when_asking_under_their_own(infra, make_gateway, bank, new_asker,
                                                                                     leak_detector):
    """A piece of one exercise's solution asked for under another, then the piece that completes it asked for under
    the exercise itself: replaced (the exercise's memory holds what was told of it anywhere)."""
    from .test_gateway import solution_in_pieces

    gw = make_gateway(cache_enabled=False)
    leaked, pieces = solution_in_pieces(gw, bank, leak_detector, first_two=True)
    student = await new_asker(prefix="elsewhere")
    _, first = await ask(infra[0], gw, student, bank.get("countdown"), bank.get("countdown").starter, pieces[0])
    assert not first.meta["leak_blocked"]
    _, second = await ask(infra[0], gw, student, leaked, leaked.starter, pieces[1])
    assert second.meta["leak_blocked"], second.text


# --- a memory of another exercise that gave it away already -----------------------------------------------
# anagram-groups rewritten (nothing like the reference, so no similarity shows it) behind a factory: it runs and
# passes every hidden test, a leak only the sandbox sees, told under another exercise before the fix
GROUPER = '''def make_grouper():
    def group(ws):
        buckets = {}
        for w in ws:
            lw = w.lower()
            buckets.setdefault(tuple(sorted(lw)), set()).add(lw)
        return sorted(sorted(b) for b in buckets.values() if len(b) > 1)
    return group
'''
IDIOM_NUDGES = ["Loop with `for word in words:` and count each one.",
                "Use `counts[word] = counts.get(word, 0) + 1` inside the loop."]


async def test_an_honest_nudge_is_shown_to_a_student_whose_memory_gave_another_exercise_away(infra, make_gateway, bank,
                                                                                           new_asker):
    """Alice's memory holds all of anagram-groups (a past leak that only running it shows, told under countdown and
    remembered for anagram-groups); a one-line nudge on word-frequencies sharing a loop idiom with it adds nothing
    of anagram-groups: shown (it was refused, blamed on anagram-groups). The same nudges are shown to Bob, who has
    no memory."""
    gw, ex = make_gateway(cache_enabled=False), bank.get("word-frequencies")
    alice = await new_asker(prefix="gave-away-a")
    async with infra[0]() as session, session.begin():
        session.add(TutorDisclosure(user_id=alice.user_id, exercise_id="countdown", text=f"One way:\n```python\n{GROUPER}```\n",
                                    touches=["anagram-groups"]))
    for nudge in IDIOM_NUDGES:
        _, shown = await ask(infra[0], gw, alice, ex, ex.starter, nudge, question="how do I count?")
        assert not shown.meta["leak_blocked"] and shown.text == nudge, (nudge, shown.text)
    bob = await new_asker(prefix="gave-away-b")
    for nudge in IDIOM_NUDGES:
        _, shown = await ask(infra[0], gw, bob, ex, ex.starter, nudge, question="how do I count?")
        assert not shown.meta["leak_blocked"], shown.text


async def test_a_piece_completing_another_exercises_partial_memory_is_still_replaced(infra, make_gateway, bank,
                                                                                      new_asker, leak_detector):
    """The control: the first of an exercise's pieces remembered from an answer under countdown (touching it), the
    second asked for under a third exercise: with the memory the two give it away, so the second is replaced."""
    from .test_gateway import solution_in_pieces

    gw = make_gateway(cache_enabled=False)
    leaked, pieces = solution_in_pieces(gw, bank, leak_detector, first_two=True)
    asked = next(ex for ex in bank.all() if ex.id not in (leaked.id, "countdown"))
    assert not (await gw.judge(asked, pieces[1], "", asked.starter)).leaking  # alone, the second piece is shown
    carol = await new_asker(prefix="completes")
    async with infra[0]() as session, session.begin():
        session.add(TutorDisclosure(user_id=carol.user_id, exercise_id="countdown", text=pieces[0], touches=[leaked.id]))
    _, second = await ask(infra[0], gw, carol, asked, asked.starter, pieces[1])
    assert second.meta["leak_blocked"], second.text
