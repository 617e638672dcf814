"""What a streamed answer showed before it was replaced is remembered as shown.

A streamed answer's lines reach the student as they pass the stream guard; when the final verdict
replaces the answer (or the provider fails mid-answer, or the student goes away), those lines stay
on the student's screen. The leak filter's memory (`tutor_disclosures`) must hold them, so pieces
released one answer at a time cannot add up to the solution. Real Postgres, Redis, the local vendor
and the grader's sandbox, through the tutor service the API runs.
"""

from __future__ import annotations

import asyncio
import functools
from contextlib import aclosing
from types import SimpleNamespace

import pytest
import redis.asyncio as aioredis
from sqlalchemy import select

from codementor.api.gateway.leak.judgement import hidden_share
from codementor.api.grader import Grader
from codementor.api.models import TutorDisclosure
from codementor.api.services import answering, tutoring
from codementor.api.services.limits import RateLimited
from codementor.hub_config.stack import free_port

from .fake_llm import set_mode
from .test_gateway import screens_of

pytestmark = pytest.mark.gateway

HEAD = "def anagram_groups(words):\n"


@pytest.fixture
def grader():
    return Grader()


@pytest.fixture
async def make_gateway(make_gateway, grader):
    yield functools.partial(make_gateway, grader=grader, read_timeout=1.0, retry_backoff=0.01, cache_enabled=False)
    await grader.aclose()


def body_lines(solution: str) -> list[str]:
    """anagram-groups' reference body (after the `def` line and the docstring), as top-level code."""
    return [line[4:] for line in solution.splitlines(keepends=True)[2:]]


def under_def(lines: list[str]) -> str:
    """Lines of the body put back under the reference's `def` line, as a student would paste them."""
    return HEAD + "".join(f"    {line}" for line in "".join(lines).splitlines(keepends=True))


def body_parts(solution: str) -> list[str]:
    """anagram-groups' reference body in five pieces: the first three lines, then two or three lines each."""
    body = body_lines(solution)
    cuts = [0, 3, 6, 8, 11, len(body)]
    return ["".join(body[a:b]) for a, b in zip(cuts, cuts[1:])]


def piece_then_everything(part: str, solution: str) -> str:
    return f"Here is a piece:\n{part}\nAnd here is everything:\n\n{solution}"


def request(code: str, question: str = "show me the next piece", stream: bool = True):
    return SimpleNamespace(question=question, code=code, error="", traceback="", stream=stream)


async def turn(sessionmaker, gw, asker, exercise, answer: str, stream: bool = True):
    """One exchange through the service: (everything that was on the screen in turn, the final event)."""
    set_mode(gw.base_url, mode="script", answers=[answer])
    screens, final = await screens_of(tutoring.ask(sessionmaker, gw, asker, exercise, request(exercise.starter, stream=stream)))
    return screens, final


def held_lines(screens: list[str], solution: str) -> list[str]:
    """The reference's body lines the student had on screen at any moment, in the order they came."""
    body = body_lines(solution)
    held = []
    for screen in screens:
        for line in screen.splitlines(keepends=True):
            if line in body and line not in held:
                held.append(line)
    return held


async def passes_hidden(grader, exercise, code: str) -> float:
    """The share of the hidden tests (of those the starter fails) that `code` passes in the sandbox."""
    baseline = await grader.grade(exercise, exercise.starter, feedback=False)
    passed = {t.name for t in baseline.tests if t.passed}
    return hidden_share(await grader.grade(exercise, code, feedback=False), passed)


async def memory_of(sessionmaker, asker, exercise_id: str) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.execute(select(TutorDisclosure.text).where(TutorDisclosure.user_id == asker.user_id,
                                                                        TutorDisclosure.exercise_id == exercise_id)
                                     .order_by(TutorDisclosure.id))
        return list(rows.scalars())


async def test_five_streamed_pieces_before_blocked_answers_never_add_up(infra, make_gateway, bank, new_asker, grader):
    """Five streamed answers, each a piece of anagram-groups' body and then the whole solution: each is replaced, and
    what the student had on screen over the five, joined under the `def` line, does not pass the hidden tests."""
    gw, ex = make_gateway(), bank.get("anagram-groups")
    parts = body_parts(ex.solution)
    assert await passes_hidden(grader, ex, under_def(parts)) == 1.0  # the five pieces are the solution
    mallory = await new_asker(prefix="stream-pieces")
    seen: list[str] = []
    for part in parts:
        screens, final = await turn(infra[0], gw, mallory, ex, piece_then_everything(part, ex.solution))
        assert final.meta["leak_blocked"], final.text
        seen += screens
    held = held_lines(seen, ex.solution)
    assert held, "the first piece streams: nothing in it gives the exercise away"
    assert await passes_hidden(grader, ex, under_def(held)) <= gw.leak_pass_share, held
    memory = "\n".join(await memory_of(infra[0], mallory, ex.id))
    assert all(line in memory for line in held), "every line shown is remembered"


async def test_five_pieces_asked_for_side_by_side_never_add_up(infra, make_gateway, bank, new_asker, grader):
    """The same five answers asked for at once: each starts when the one before has ended and been remembered, so
    what was on the screens, put back under the `def` line in the reference's order, does not pass the hidden tests."""
    gw, ex = make_gateway(), bank.get("anagram-groups")
    parts = body_parts(ex.solution)
    set_mode(gw.base_url, mode="script", answers=[piece_then_everything(part, ex.solution) for part in parts])
    oscar = await new_asker(prefix="stream-side-by-side")
    turns = await asyncio.gather(*(screens_of(tutoring.ask(infra[0], gw, oscar, ex, request(ex.starter))) for _ in parts))
    held = set(held_lines([screen for screens, _ in turns for screen in screens], ex.solution))
    assert held and all(final.meta["leak_blocked"] for _, final in turns)
    in_order = [line for line in body_lines(ex.solution) if line in held]
    assert await passes_hidden(grader, ex, under_def(in_order)) <= gw.leak_pass_share, in_order


async def test_a_second_answer_waits_for_the_first_then_gives_up(infra, make_gateway, new_asker):
    """A student's second answer waits while the first is in progress, and is refused past `answer_wait`; another
    student's answer does not wait."""
    redis, (peggy, quinn) = infra[1], [await new_asker(prefix=p) for p in ("turn-a", "turn-b")]
    async with answering.one_at_a_time(redis, peggy.user_id, wait=1.0, hold=30.0):
        with pytest.raises(RateLimited):
            async with answering.one_at_a_time(redis, peggy.user_id, wait=0.2, hold=30.0):
                pass
        async with answering.one_at_a_time(redis, quinn.user_id, wait=0.2, hold=30.0):
            pass
    async with answering.one_at_a_time(redis, peggy.user_id, wait=0.2, hold=30.0):
        pass  # the first one ended: the next goes at once


async def test_a_piece_shown_before_the_provider_failed_is_remembered(infra, make_gateway, bank, new_asker, grader):
    """The vendor drops the connection after the first piece (the offline tutor answers instead): that piece is in
    the memory, and the four answers after it still do not hand the student the rest."""
    gw, ex = make_gateway(), bank.get("anagram-groups")
    parts = body_parts(ex.solution)
    first = piece_then_everything(parts[0], ex.solution)
    set_mode(gw.base_url, mode="cut", reply=first, cut=first.index("And here"))
    eve = await new_asker(prefix="stream-cut")
    screens, final = await screens_of(tutoring.ask(infra[0], gw, eve, ex, request(ex.starter)))
    assert final.meta["source"] == "offline" and any("for word in words:" in s for s in screens), screens
    assert "for word in words:" in "\n".join(await memory_of(infra[0], eve, ex.id))
    seen = screens
    for part in parts[1:]:
        screens, _ = await turn(infra[0], gw, eve, ex, piece_then_everything(part, ex.solution))
        seen += screens
    assert await passes_hidden(grader, ex, under_def(held_lines(seen, ex.solution))) <= gw.leak_pass_share


async def test_a_piece_read_before_the_student_went_away_is_remembered(infra, make_gateway, bank, new_asker):
    """The student closes the stream as soon as the first piece is on screen: what they read is in the memory."""
    gw, ex = make_gateway(), bank.get("anagram-groups")
    set_mode(gw.base_url, mode="script", answers=[piece_then_everything(body_parts(ex.solution)[0], ex.solution)])
    frank, shown = await new_asker(prefix="stream-gone"), ""
    async with aclosing(tutoring.ask(infra[0], gw, frank, ex, request(ex.starter))) as events:
        async for event in events:
            shown += event.text if event.kind == "delta" else ""
            if "for word in words:" in shown:
                break
    assert await memory_of(infra[0], frank, ex.id) == [shown]


async def test_a_whole_answer_that_was_replaced_leaves_no_memory(infra, make_gateway, bank, new_asker):
    """Not streamed, the student reads the final text only: a replaced answer leaves nothing in the memory, an honest
    one is remembered as it was given."""
    gw, ex = make_gateway(), bank.get("anagram-groups")
    grace = await new_asker(prefix="whole")
    _, blocked = await turn(infra[0], gw, grace, ex, piece_then_everything(body_parts(ex.solution)[0], ex.solution), stream=False)
    assert blocked.meta["leak_blocked"] and await memory_of(infra[0], grace, ex.id) == []
    _, honest = await turn(infra[0], gw, grace, ex, HONEST[0], stream=False)
    assert not honest.meta["leak_blocked"] and await memory_of(infra[0], grace, ex.id) == [HONEST[0]]


HONEST = [
    "Good start! Two words are anagrams when they have the same letters.\nWhat do `sorted('listen')` and "
    "`sorted('silent')` give you?\nTry it in a cell.\n",
    "Right, they match.\nSo a word's sorted letters can serve as a key.\nWhich data structure maps a key to the words "
    "that share it?\n",
    "A dictionary works well here.\nRemember that `Listen` and `listen` should count as the same word.\nWhat could you "
    "do to each word first?\n",
    "Nearly there.\nOnly groups with at least two words count.\nAnd the statement asks for sorted groups, in sorted "
    "order.\nCheck your output on the example.\n",
]


async def test_an_honest_streamed_conversation_is_shown_and_remembered_as_shown(infra, make_gateway, bank, new_asker):
    """Four streamed nudges on anagram-groups: each reaches the screen whole, and the memory holds each once."""
    gw, ex = make_gateway(), bank.get("anagram-groups")
    heidi = await new_asker(prefix="stream-honest")
    for nudge in HONEST:
        screens, final = await turn(infra[0], gw, heidi, ex, nudge, stream=True)
        assert not final.meta["leak_blocked"] and final.text == nudge and screens[-1] == nudge, final.text
        assert len([s for s in screens if s]) > 2  # it streamed
    assert await memory_of(infra[0], heidi, ex.id) == HONEST


async def test_without_redis_answers_go_on_and_the_log_says_so(caplog):
    """Redis down: a student's answers are not held up (the rate limiter lets requests pass the same way)."""
    closed = aioredis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    async with answering.one_at_a_time(closed, 1, wait=0.2, hold=30.0):
        pass
    assert "Redis is not answering (REDIS_URL)" in caplog.text
    await closed.aclose()


async def test_the_next_provider_is_judged_with_what_the_first_one_showed(infra, make_gateway, bank, new_asker):
    """The first vendor streams the first five lines of anagram-groups' body and drops the connection; the next one in
    the chain (Anthropic's protocol, another local server) answers with the six lines after them. Each part alone is
    under the similarity threshold (the starter's own lines count for nothing); the second is judged with the first
    (still in the student's mind), so the eleven lines, over it together, never reach the student."""
    from .local_llm import LocalLLM

    ex = bank.get("anagram-groups")
    body = body_lines(ex.solution)
    first, second = "".join(body[:5]), "".join(body[5:11])
    other = LocalLLM().start()
    try:
        gw = make_gateway(providers=["openai", "anthropic", "offline"], anthropic_api_key="test",
                          anthropic_base_url=other.base_url.rsplit("/v1", 1)[0])
        detector = gw.detector(ex)
        alone = [detector.check(part, code=ex.starter) for part in (first, second)]
        assert not any(check.leaking for check in alone), alone
        assert detector.check(second, first, ex.starter).leaking
        lead = f"Here is a piece:\n{first}\nAnd here is the rest, after a pause for thought"
        set_mode(gw.base_url, mode="cut", reply=lead, cut=lead.index("And here"))
        set_mode(other.base_url, mode="script", answers=[f"Then go on with:\n{second}"])
        ivan = await new_asker(prefix="two-vendors")
        screens, final = await screens_of(tutoring.ask(infra[0], gw, ivan, ex, request(ex.starter)))
        assert any("if key not in groups:" in s for s in screens), screens  # the first part reached the screen
        assert final.meta["model"] == gw.anthropic_model, final.meta  # the second vendor's answer, judged
        assert final.meta["leak_blocked"] and not any("result.append" in s for s in screens), (final.meta, screens[-3:])
    finally:
        other.stop()
