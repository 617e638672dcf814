"""The leak filter's memory knows under which exercise each text was said (release notes: a false alarm).

The memory of an exercise spans exercises on purpose: what a model told the student under another exercise that
holds a piece of this one's solution (`touches`) is judged with every new answer on it. It took away what the
student wrote, though: an honest answer on merge-meetings (`for meeting in meetings:`, sort them first) is
remembered for sum-of-evens, and its loop reads as the student's own `for n in numbers:` once names are erased, so
that loop counted as the tutor's; an honest one-line fix of their sum-of-evens code then made up the solution with
it and was replaced. Now a text said under another exercise takes from the student's code only the statements
written as it has them (pasted back); what was said under the exercise itself takes what it always took. The other
way round, an honest one-line fix on gift-card-pairs (the student's code held the rest) is remembered for
hottest-day, and every later answer on hottest-day was judged against gift-card-pairs with it, where it tells all of
it: a memory that gives another exercise away by itself is now set aside for that exercise, as `cross` memories were.

Kept: a piece of a solution told under another exercise and pasted into the code as written is still the tutor's
(the piece that completes it is replaced, streamed or not), and a plain memory (said under the exercise) still
takes the loop away. Real Postgres, Redis, the local vendor and the grader's sandbox, through the tutor service.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from codementor.api.models import TutorDisclosure
from codementor.api.services import tutoring

from .fake_llm import set_mode
from .test_gateway import screens_of
from .test_leak_memory import SECOND_PIECE

pytestmark = pytest.mark.gateway

# an honest answer on merge-meetings: about the student's loop there, holding a twentieth of sum-of-evens' solution
ON_MEETINGS = ("You loop over the meetings as they come, `for meeting in meetings:`, so a later meeting can start before "
               "an earlier one. Sort them first: `for start, end in sorted(meetings):`.")
# sum-of-evens written by the student, adding every number: nearly right
ADDS_ALL = '''def sum_of_evens(numbers):
    """Return the sum of the even numbers in the list."""
    total = 0
    for n in numbers:
        total += n
    return total
'''
# the head of anagram-groups' loop, told under word-frequencies (a quarter of the solution: shown there), and the
# anagram-groups starter with it pasted in place of the starter's loop
LOOP_HEAD = '''    groups = {}
    for word in words:
        word = word.lower()
        key = "".join(sorted(word))
'''
HEAD_PIECE = f"Start by building the keys:\n```python\n{LOOP_HEAD}```\n"


def with_head_pasted(starter: str) -> str:
    head, _, _ = starter.partition("    groups = {}")
    return f"{head}{LOOP_HEAD}    return list(groups.values())\n"


FIXES = ["Guard the addition with `if n % 2 == 0:`.",
         "Only the even ones count: put `if n % 2 == 0:` before the addition."]


async def ask(sessionmaker, gw, asker, exercise, code: str, answer: str, stream: bool = False):
    """One tutor exchange through the service: (every text that was on the screen, the final event)."""
    set_mode(gw.base_url, mode="script", answers=[answer])
    req = SimpleNamespace(question="what is wrong?", code=code, error="", traceback="", stream=stream)
    screens, final = await screens_of(tutoring.ask(sessionmaker, gw, asker, exercise, req))
    return screens, final


async def touches_of(sessionmaker, user_id: int) -> list[list[str]]:
    async with sessionmaker() as session:
        return list((await session.execute(select(TutorDisclosure.touches).where(TutorDisclosure.user_id == user_id))).scalars())


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("fix", FIXES)
async def test_an_honest_fix_after_an_answer_on_another_exercise_is_shown_whole(infra, filter_gateway, bank, new_asker, fix,
                                                                                stream):
    """The release notes' false alarm: told about merge-meetings first (remembered for sum-of-evens too), then a
    one-line fix of their own sum-of-evens code: shown whole, as it is to a student with no memory."""
    gw = filter_gateway()
    meetings, evens = bank.get("merge-meetings"), bank.get("sum-of-evens")
    alice = await new_asker(prefix="r10-mem")
    _, told = await ask(infra[0], gw, alice, meetings, meetings.starter, ON_MEETINGS)
    assert not told.meta["leak_blocked"] and told.text == ON_MEETINGS
    assert await touches_of(infra[0], alice.user_id) == [["sum-of-evens"]]  # in sum-of-evens' memory
    screens, shown = await ask(infra[0], gw, alice, evens, ADDS_ALL, fix, stream=stream)
    assert not shown.meta["leak_blocked"] and shown.text == fix and screens[-1] == fix, shown.text
    _, alone = await ask(infra[0], gw, await new_asker(prefix="r10-mem-none"), evens, ADDS_ALL, fix, stream=stream)
    assert not alone.meta["leak_blocked"] and alone.text == fix

# gift-card-pairs written by the student but for one sign, and the tutor's fix of that line: their code held the rest
# of the solution, so it is no leak there; it holds a twentieth of hottest-day's solution (remembered for it too)
PAIRS_SLIP = '''def pairs_with_total(prices, total):
    """Return (first, second) price pairs of two different gifts that add up to total."""
    return [(first, second) for i, first in enumerate(prices) for second in prices[i + 1:] if first - second == total]
'''
PAIRS_FIX = ("Look at line 3: `return [(first, second) for i, first in enumerate(prices) for second in prices[i + 1:] if first - "
             "second == total]`. It should be `return [(first, second) for i, first in enumerate(prices) for second in "
             "prices[i + 1:] if first + second == total]`; the rest of your code is fine.")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_a_fix_told_under_its_own_exercise_does_not_refuse_answers_on_another(infra, filter_gateway, bank, new_asker,
                                                                                    stream):
    """The same false alarm the other way round: a one-line fix on gift-card-pairs (shown: their code held the rest)
    is in hottest-day's memory; with it, every later answer on hottest-day, an authored hint in words too, read as
    giving gift-card-pairs away (without the student's gift-card-pairs code, the fix tells all of it) and was
    replaced. A memory that gives another exercise away by itself is not held against answers that add nothing of
    it, as for the memories of other exercises (`cross`)."""
    gw = filter_gateway()
    pairs, hottest = bank.get("gift-card-pairs"), bank.get("hottest-day")
    dan = await new_asker(prefix="r10-pairs")
    _, fixed = await ask(infra[0], gw, dan, pairs, PAIRS_SLIP, PAIRS_FIX)
    assert not fixed.meta["leak_blocked"] and fixed.text == PAIRS_FIX
    assert "hottest-day" in (await touches_of(infra[0], dan.user_id))[0]
    for hint in hottest.hints:
        screens, shown = await ask(infra[0], gw, dan, hottest, hottest.starter, hint, stream=stream)
        assert not shown.meta["leak_blocked"] and shown.text == hint and screens[-1] == hint, shown.text
    _, again = await ask(infra[0], gw, dan, hottest, hottest.starter, f"```python\n{pairs.solution}```\n", stream=stream)
    assert again.meta["leak_blocked"]  # gift-card-pairs told whole once more is still replaced


async def test_a_piece_told_under_another_exercise_and_pasted_back_is_still_the_tutors(infra, filter_gateway, bank,
                                                                                        new_asker):
    """The head of anagram-groups' loop asked for under word-frequencies (remembered for anagram-groups), pasted into
    the code as written; the rest asked for under anagram-groups completes the solution with it: replaced, and none of
    it shown. A student whose code holds that head without having been told it gets the rest."""
    gw = filter_gateway()
    words, groups = bank.get("word-frequencies"), bank.get("anagram-groups")
    bob = await new_asker(prefix="r10-paste")
    _, first = await ask(infra[0], gw, bob, words, words.starter, HEAD_PIECE)
    assert not first.meta["leak_blocked"] and first.text == HEAD_PIECE
    assert "anagram-groups" in (await touches_of(infra[0], bob.user_id))[0]
    for stream in (False, True):
        screens, second = await ask(infra[0], gw, bob, groups, with_head_pasted(groups.starter), SECOND_PIECE, stream=stream)
        assert second.meta["leak_blocked"] and not any("result.sort()" in s for s in screens), (stream, second.text)
    _, own = await ask(infra[0], gw, await new_asker(prefix="r10-own"), groups, with_head_pasted(groups.starter), SECOND_PIECE)
    assert not own.meta["leak_blocked"] and own.text == SECOND_PIECE


async def test_a_piece_told_under_another_exercise_completes_the_solution_without_a_paste(infra, filter_gateway, bank,
                                                                                           new_asker):
    """The memory still spans exercises: the head of the loop told under word-frequencies, then the rest under anagram-groups
    with the starter as the code: replaced."""
    gw = filter_gateway()
    words, groups = bank.get("word-frequencies"), bank.get("anagram-groups")
    carol = await new_asker(prefix="r10-join")
    _, first = await ask(infra[0], gw, carol, words, words.starter, HEAD_PIECE)
    assert not first.meta["leak_blocked"]
    _, second = await ask(infra[0], gw, carol, groups, groups.starter, SECOND_PIECE)
    assert second.meta["leak_blocked"], second.text


def test_where_a_text_was_said_decides_what_it_takes_from_the_students_code(bank, detector_of):
    """The detector alone: the merge-meetings answer said under another exercise leaves the student's loop theirs (the
    fix passes, as with no memory); the same text said under sum-of-evens (a plain prior) takes it away, as before;
    the loop pasted as told is the tutor's wherever it was said."""
    from codementor.api.gateway.leak.memory import Memory, remembered

    evens, groups = detector_of(bank.get("sum-of-evens")), detector_of(bank.get("anagram-groups"))
    for fix in FIXES:
        assert not evens.check(fix, "", ADDS_ALL).leaking
        assert not evens.check(fix, Memory([(ON_MEETINGS, True)]), ADDS_ALL).leaking
        assert evens.check(fix, ON_MEETINGS, ADDS_ALL).leaking
    pasted = with_head_pasted(bank.get("anagram-groups").starter)
    for said_elsewhere in (False, True):
        assert groups.check(SECOND_PIECE, Memory([(HEAD_PIECE, said_elsewhere)]), pasted).leaking
    joined = remembered(Memory([(ON_MEETINGS, True)]), HEAD_PIECE)
    assert joined == f"{ON_MEETINGS}\n\n{HEAD_PIECE}" and joined.elsewhere == ON_MEETINGS and joined.here == HEAD_PIECE
