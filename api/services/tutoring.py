"""One tutor exchange: gather context, ask the gateway, store the conversation."""

from __future__ import annotations

from contextlib import aclosing, nullcontext
from functools import lru_cache
from typing import AsyncIterator

from ...exercise_bank import Exercise
from ..gateway.gateway import Asker, Event, TutorGateway
from ..gateway.guardrails import TutorContext
from ..gateway.leak.memory import Memory
from ..db import driver_connection
from ..models import HintEvent, TutorDisclosure
from . import answering, conversations
from .hints import hints_taken, next_hint


async def known_identities(roster, who) -> tuple[str, ...]:
    """Names the scrubber removes from a request: the user's (as the login gives them) and their class's roster."""
    return (who.name, *who.personal, *sorted(await roster.classmates(who)))


def next_ladder_hint(exercise: Exercise, taken: int) -> str:
    """The authored rung a student would get next (the last one once the ladder is climbed)."""
    return exercise.hints[min(taken, len(exercise.hints) - 1)] if exercise.hints else ""


def failing_visible_tests(results: list | None) -> str:
    """The visible tests a submission's results say failed (hidden ones are never described to a model)."""
    lines = [f"- {t['name']}: {t.get('message') or 'failed'}" for t in results or [] if not t.get("passed") and not t.get("hidden")]
    return "\n".join(lines)  # cut to size when the prompt is built, after the personal data is out


PRIOR_CHARS = 20_000

# What the tutor reads before it answers, one pipelined round trip (plain statements on the
# session's connection: the ORM's work per statement cost more CPU than the statements).
_ACTIVE = conversations.ACTIVE_ID
_CONVERSATION = f"SELECT summary FROM tutor_conversations WHERE id = ({_ACTIVE})"
# the last `turns` messages of the active conversation, oldest first
_WINDOW = f"""SELECT role, content FROM (SELECT id, role, content FROM tutor_messages WHERE conversation_id = ({_ACTIVE})
              ORDER BY id DESC LIMIT %(turns)s) AS last ORDER BY id"""
_TAKEN = "SELECT count(*) FROM hint_events WHERE user_id = %(u)s::bigint AND exercise_id = %(ex)s::varchar"
_LATEST_RESULTS = """SELECT results FROM submissions WHERE user_id = %(u)s::bigint AND exercise_id = %(ex)s::varchar
                     ORDER BY id DESC LIMIT 1"""
# what models have told the student about this exercise so far, in the tutor (kept apart from
# the conversations, which the student may delete) and in hints, oldest first, asked under it or
# under any other exercise (`touches`): the leak filter judges a new answer together with it, so a
# solution handed out in pieces is caught at the piece that completes it
_DELIVERED = """SELECT created_at, exercise_id, text FROM tutor_disclosures
                WHERE user_id = %(u)s::bigint AND (exercise_id = %(ex)s::varchar OR touches ? %(ex)s::varchar)
                UNION ALL
                SELECT created_at, exercise_id, text FROM hint_events WHERE user_id = %(u)s::bigint AND exercise_id = %(ex)s::varchar AND text <> ''
                ORDER BY 1"""
# and what they were told, under any exercise, that holds pieces of other exercises' solutions (`touches`), for the
# CROSS_EXERCISES of those touched most recently: by exercise, everything models told the student about it, oldest first;
# the memories of the others the answer overlaps are read before its final judgement (`_MEMORIES`)
CROSS_EXERCISES = 16
# the exercises the student's model answers touch, with when each was touched last
_TOUCHES = """SELECT x, max(created_at) AS last FROM tutor_disclosures, jsonb_array_elements_text(touches) AS x
              WHERE user_id = %(u)s::bigint AND touches <> '[]'::jsonb GROUP BY x"""
# everything models told the student about each exercise of a list {exercises} (a query of one column), oldest first,
# with the exercise each text was said under
_MEMORY_ROWS = """SELECT t.x, d.created_at, d.exercise_id, d.text FROM ({exercises}) AS t(x) JOIN tutor_disclosures d
                      ON d.user_id = %(u)s::bigint AND (d.exercise_id = t.x OR d.touches ? t.x)
                  UNION ALL
                  SELECT t.x, h.created_at, h.exercise_id, h.text FROM ({exercises}) AS t(x) JOIN hint_events h
                      ON h.user_id = %(u)s::bigint AND h.exercise_id = t.x AND h.text <> ''
                  ORDER BY 1, 2"""
_TOUCHED = _MEMORY_ROWS.format(
    exercises=f"SELECT x FROM ({_TOUCHES}) AS touched WHERE x <> %(ex)s::varchar ORDER BY last DESC LIMIT {CROSS_EXERCISES}")
_MEMORIES = _MEMORY_ROWS.format(exercises="SELECT unnest(%(xs)s::varchar[])")
MORE_EXERCISES = 16  # memories read at the final judgement, the exercises the answer overlaps most first


def memory_loader(sessionmaker, gateway: TutorGateway, user_id: int, touched: set[str], loaded: dict[str, str], sees=None,
                  asked: str = ""):
    """The gateway's `more`: the memories of exercises the answer overlaps, which the student was told pieces of, and
    which `loaded` does not hold (the exercises touched last), so filling the memory with other exercises' pieces
    cannot push one out of the judgement. Only exercises the student may see (`sees`, None: all) count; `asked`: the
    exercise asked about (whose code the student sends)."""
    touched = {x for x in touched if sees is None or x in sees}

    async def more(overlapped: dict[str, float]) -> dict[str, str]:
        wanted = sorted((x for x in overlapped if x in touched and x not in loaded and x in gateway.solutions),
                        key=lambda x: (-overlapped[x], x))[:MORE_EXERCISES]
        if not wanted:
            return {}
        async with sessionmaker() as session:
            pg = await driver_connection(session)
            rows = await (await pg.execute(_MEMORIES, {"u": user_id, "xs": wanted})).fetchall()
            await pg.execute("COMMIT")
        return cross_memories(rows, gateway, sees, asked)
    more.unloaded = frozenset(x for x in touched if x not in loaded and x in gateway.solutions)  # the stream guard holds their pieces
    return more


@lru_cache(maxsize=1024)  # each answer is weighed once per process, not at every later question
def _weight(detector, text: str) -> float:
    """How much of the reference solution one answer holds, alone."""
    return max(detector.similarity(text), detector.walked(text))


def leak_memory(texts: list[str], detector, limit: int = PRIOR_CHARS, elsewhere: frozenset[str] = frozenset()) -> Memory:
    """What models told the student about the exercise (oldest first), within `limit` characters; `elsewhere`: those of
    `texts` said under another exercise than the one asked about (see `leak.memory`).

    When there is more, the answers that hold most of the reference solution are the ones kept
    (in their order), not the latest: answers with nothing of the solution in them, asked for
    to fill the memory, must not push out the pieces of it that came before."""
    if len("\n\n".join(texts)) <= limit:
        return Memory((text, text in elsewhere) for text in texts)
    weight = [_weight(detector, t) for t in texts]
    kept, size = set(), 0
    for i in sorted(range(len(texts)), key=lambda i: (-weight[i], -i)):  # the most telling first; of equals, the latest
        if size + len(texts[i]) + 2 <= limit:
            kept.add(i)
            size += len(texts[i]) + 2
    return Memory((texts[i], texts[i] in elsewhere) for i in sorted(kept))


def _said(rows, asked: str) -> tuple[list[str], frozenset[str]]:
    """Texts of (..., exercise said under, text) rows, oldest first and once each, and those of them said only under
    other exercises than `asked` (a text said under it too, as a hint and as a disclosure, is its own)."""
    under: dict[str, set[str]] = {}
    for *_, ex_id, text in rows:
        under.setdefault(text, set()).add(ex_id)
    return list(under), frozenset(text for text, where in under.items() if asked not in where)


def cross_memories(rows, gateway: TutorGateway, sees=None, asked: str = "") -> dict[str, Memory]:
    """Exercise id -> what models told the student that holds pieces of its solution (`_TOUCHED`'s rows), of the
    exercises they may see (`sees`, None: all); `asked`: the exercise asked about, whose code the student sends."""
    rows_of: dict[str, list] = {}
    for row in rows:
        if row[0] in gateway.solutions and (sees is None or row[0] in sees):
            rows_of.setdefault(row[0], []).append(row)
    return {ex_id: _memory(rows, gateway.detector(gateway.solutions[ex_id]), asked) for ex_id, rows in rows_of.items()}


def _memory(rows, detector, asked: str) -> Memory:
    """`leak_memory` of (..., exercise said under, text) rows, knowing which texts were said under other exercises than
    `asked`."""
    texts, elsewhere = _said(rows, asked)
    return leak_memory(texts, detector, elsewhere=elsewhere)


async def build_context(sessionmaker, gateway: TutorGateway, asker: Asker, exercise: Exercise, req, purpose: str = "tutor",
                        identities: tuple[str, ...] = ()) -> tuple[TutorContext, str, dict[str, str], object]:
    """What the tutor may know, what models told the student about the exercise so far, what they told them of
    other exercises' solutions (`cross_memories`, the exercises touched last) and the loader of the rest (`memory_loader`).

    `identities` (login names, the class roster) are scrubbed from all of the context."""
    params = {"u": asker.user_id, "ex": exercise.id, "turns": gateway.history_turns}
    async with sessionmaker() as session:
        pg = await driver_connection(session)
        async with pg.pipeline():
            conv = await pg.execute(_CONVERSATION, params) if purpose == "tutor" else None
            window = await pg.execute(_WINDOW, params) if purpose == "tutor" else None
            taken_cur = await pg.execute(_TAKEN, params)
            latest = await pg.execute(_LATEST_RESULTS, params)
            said = await pg.execute(_DELIVERED, params)
            touched = await pg.execute(_TOUCHED, params)
            touched_ids = await pg.execute(_TOUCHES, params)
            await pg.execute("COMMIT")  # reads only: nothing to keep, and no ROLLBACK round trip when the session closes
        summary = ((await conv.fetchone()) or ("",))[0] if conv is not None else ""
        history = [{"role": role, "content": content} for role, content in await window.fetchall()] if window is not None else []
        (taken,) = await taken_cur.fetchone()
        results = ((await latest.fetchone()) or (None,))[0]
        # once each: an extra hint that touches other exercises is also a disclosure row, and a memory holding a
        # piece twice no longer joins into the code it tells
        prior = _memory(await said.fetchall(), gateway.detector(exercise), exercise.id)
        cross = cross_memories(await touched.fetchall(), gateway, asker.sees, exercise.id)
        more = memory_loader(sessionmaker, gateway, asker.user_id, {x for x, _ in await touched_ids.fetchall()} - {exercise.id}, cross,
                             asker.sees, exercise.id)
    context = TutorContext(
        exercise_id=exercise.id, statement=exercise.statement, question=getattr(req, "question", ""), code=req.code,
        error=req.error, traceback=getattr(req, "traceback", ""), history=history, summary=summary,
        failing_tests=failing_visible_tests(results), ladder_hint=next_ladder_hint(exercise, taken),
        ladder_rung=taken + 1 if taken < len(exercise.hints) else 0, purpose=purpose, streamed=bool(getattr(req, "stream", False)),
        names=frozenset((asker.name, *identities)), privacy=gateway.scrubber.rules,
    )
    return context, prior, cross, more


def gave_ladder_hint(ctx: TutorContext, text: str) -> bool:
    """Whether an answer handed out the next authored rung (the offline tutor and the leak guard do)."""
    return bool(ctx.ladder_rung and ctx.ladder_hint and ctx.ladder_hint in text)


class Screen:
    """What of models' text a student following a streamed answer has read: a `replace` takes text off the
    screen (a blocked answer's lines, a failed provider's), not out of the student's mind."""

    def __init__(self, streamed: bool = True):
        self.streamed = streamed  # a whole (not streamed) answer shows its final text only
        self.replaced: list[str] = []
        self.now = ""

    def follow(self, event: Event) -> None:
        if not self.streamed or event.kind not in ("delta", "replace"):
            return
        if event.kind == "replace":
            if self.now:
                self.replaced.append(self.now)
            self.now = ""  # the replacement itself is the guardrail's (or nothing): no model's text
        else:
            self.now += event.text

    def disclosed(self, done: Event | None = None) -> str:
        """Models' text shown: what was replaced, with the final answer (`done`, if a model wrote it) or, with no
        final answer (the student went away), what was on the screen then."""
        final = self.now if done is None else "" if done.meta["source"] in conversations.MODEL_FREE else done.text
        return "\n\n".join(text for text in (*self.replaced, final) if text)


async def ask(sessionmaker, gateway: TutorGateway, asker: Asker, exercise: Exercise, req,
              identities: tuple[str, ...] = ()) -> AsyncIterator[Event]:
    """Stream the tutor's answer, then store the exchange in the student's conversation; models' text the student
    was shown is remembered for the leak filter whatever became of the answer (see `Screen`), before the student's
    next answer starts (`answering`)."""
    async with _turn(gateway, asker):
        ctx, prior, cross, more = await build_context(sessionmaker, gateway, asker, exercise, req, identities=identities)
        screen, stored = Screen(getattr(req, "stream", True)), False
        try:
            async with aclosing(gateway.answer(asker, exercise, ctx, prior=prior, cross=cross, more=more)) as events:
                async for event in events:
                    screen.follow(event)
                    if event.kind == "done":
                        await _store(sessionmaker, gateway, asker, exercise, req, ctx, event, screen.disclosed(event))
                        stored = True
                    yield event
        finally:
            if not stored and (shown := screen.disclosed()):
                await _remember(sessionmaker, gateway, asker, exercise, shown)


def _turn(gateway: TutorGateway, asker: Asker):
    """The student's turn for a model's answer (one at a time: each is judged with the ones before); with no model
    configured, nothing is remembered and answers need no turn."""
    if not gateway.has_paid_provider:
        return nullcontext()
    return answering.one_at_a_time(gateway.redis, asker.user_id, gateway.answer_wait, gateway.answer_hold)


async def _store(sessionmaker, gateway: TutorGateway, asker: Asker, exercise: Exercise, req, ctx, event: Event, disclosed: str) -> None:
    """One exchange into the student's conversation (and models' text shown, `disclosed`, into the leak filter's memory)."""
    # the answer climbed the ladder: it counts as that hint, for the skill model, the instructor's view and the next
    # %hint (which goes on from there), unless a %hint while it streamed has recorded that rung already
    rung = ctx.ladder_rung if gave_ladder_hint(ctx, event.text) else 0
    touches = gateway.touched(exercise, disclosed, asker.sees) if disclosed else []
    async with sessionmaker() as session:
        conv_id, hinted = await conversations.append(
            await driver_connection(session), asker.user_id, exercise.id, req.question or "(explain my last error)", event.text,
            event.meta["source"], gateway.history_turns, clean=ctx.clean, rung=rung, hint_source=f"tutor-{event.meta['source']}",
            touches=touches, disclosed=disclosed,
        )
    if hinted:
        event.meta["hint_rung"] = rung
    event.meta["conversation_id"] = conv_id


async def _remember(sessionmaker, gateway: TutorGateway, asker: Asker, exercise: Exercise, shown: str) -> None:
    """Models' text a student read of an answer that never finished (they went away), into the leak filter's memory."""
    async with sessionmaker() as session:
        await conversations.disclose(await driver_connection(session), asker.user_id, exercise.id, shown,
                                     gateway.touched(exercise, shown, asker.sees))


async def extra_hint(sessionmaker, gateway: TutorGateway, asker: Asker, exercise: Exercise, req, taken: int,
                     identities: tuple[str, ...] = ()) -> dict:
    """A hint beyond the authored ladder, grounded in the student's code and last error."""
    async with _turn(gateway, asker):
        ctx, prior, cross, more = await build_context(sessionmaker, gateway, asker, exercise, req, purpose="hint", identities=identities)
        done = None
        async for event in gateway.answer(asker, exercise, ctx, rung=taken + 1, prior=prior, cross=cross, more=more):
            if event.kind == "done":
                done = event
        written = "" if done.meta["source"] in conversations.MODEL_FREE else done.text
        touches = gateway.touched(exercise, written, asker.sees) if written else []
        async with sessionmaker() as session, session.begin():
            session.add(HintEvent(user_id=asker.user_id, exercise_id=exercise.id, rung=taken + 1, source=done.meta["source"][:20], text=written))
            if touches:  # the hint is in the exercise's own memory already; kept here for the exercises it touches
                session.add(TutorDisclosure(user_id=asker.user_id, exercise_id=exercise.id, text=written, touches=touches))
    return {
        "exercise_id": exercise.id, "rung": taken + 1, "of": len(exercise.hints), "text": done.text,
        "source": done.meta["source"], "last": True, "extra": True,
    }


async def give_hint(ctx, who, req) -> dict:
    """The next hint: the authored ladder's next rung, or, once it is climbed and a model is
    configured, one beyond it from the model (within the student's limits and budget)."""
    exercise = ctx.bank_for(who).get(req.exercise_id)
    await ctx.limiter.hit("hint", who.name, who.role)
    user_id = await ctx.users.user_id(who)
    if not req.again and ctx.gateway.has_paid_provider:
        async with ctx.sessionmaker() as session:
            taken = await hints_taken(session, user_id, exercise.id)
        if taken >= len(exercise.hints):
            asker = Asker(user_id, who.name, who.role, ctx.bank_for(who))
            return await extra_hint(ctx.sessionmaker, ctx.gateway, asker, exercise, req, taken, await known_identities(ctx.roster, who))
    async with ctx.connection() as pg:
        return await next_hint(pg, user_id, exercise, again=req.again)


async def asker_of(ctx, who) -> Asker:
    """The asker, with the exercises they may see (the leak filter judges answers against those only)."""
    return Asker(await ctx.users.user_id(who), who.name, who.role, ctx.bank_for(who))


async def ask_tutor(ctx, who, req) -> AsyncIterator[Event]:
    """The tutor's answer to `req` as events; limits and budget raise at the first one, before any is sent."""
    asker = await asker_of(ctx, who)
    exercise = ctx.bank_for(who).get(req.exercise_id)
    return ask(ctx.sessionmaker, ctx.gateway, asker, exercise, req, await known_identities(ctx.roster, who))


async def my_budget(ctx, who) -> dict:
    return await ctx.gateway.budget(await asker_of(ctx, who))


async def my_conversations(ctx, who, limit: int, cursor: str | None, exercise_id: str | None) -> dict:
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session:
        return await conversations.page(session, user_id, limit, cursor, exercise_id)


async def start_conversation(ctx, who, exercise_id: str) -> dict:
    """A new active conversation for a known exercise (the earlier one is closed)."""
    user_id = await ctx.users.user_id(who)
    ctx.bank_for(who).get(exercise_id)
    async with ctx.sessionmaker() as session, session.begin():
        conv = await conversations.start(session, user_id, exercise_id)
        await session.refresh(conv)
    return conversations.to_public(conv)


async def my_conversation(ctx, who, conversation_id: int) -> dict:
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session:
        return await conversations.get_own(session, user_id, conversation_id)


async def delete_my_conversation(ctx, who, conversation_id: int) -> None:
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session, session.begin():
        await conversations.delete_own(session, user_id, conversation_id)
