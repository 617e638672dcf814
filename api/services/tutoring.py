"""One tutor exchange: gather context, ask the gateway, store the conversation."""

from __future__ import annotations

from contextlib import aclosing
from typing import AsyncIterator

from ...exercise_bank import Exercise
from ..gateway.gateway import Asker, Event, TutorGateway
from ..gateway.guardrails import TutorContext
from . import conversations
from sqlalchemy import select

from ..models import HintEvent, Submission, TutorConversation, TutorMessage
from .hints import hints_taken, next_hint


async def known_identities(roster, who) -> tuple[str, ...]:
    """Names the scrubber removes from a request: the user's (as the login gives them) and their class's roster."""
    return (who.name, *who.personal, *sorted(await roster.classmates(who)))


def next_ladder_hint(exercise: Exercise, taken: int) -> str:
    """The authored rung a student would get next (the last one once the ladder is climbed)."""
    return exercise.hints[min(taken, len(exercise.hints) - 1)] if exercise.hints else ""


async def failing_visible_tests(session, user_id: int, exercise_id: str) -> str:
    """The visible tests the student's latest submission failed (hidden ones are never described to a model)."""
    stmt = (
        select(Submission.results).where(Submission.user_id == user_id, Submission.exercise_id == exercise_id)
        .order_by(Submission.id.desc()).limit(1)
    )
    results = (await session.execute(stmt)).scalar_one_or_none() or []
    lines = [f"- {t['name']}: {t.get('message') or 'failed'}" for t in results if not t.get("passed") and not t.get("hidden")]
    return "\n".join(lines)  # cut to size when the prompt is built, after the personal data is out


MODEL_FREE = ("offline", "guardrail", "student")  # sources of text no model wrote
PRIOR_CHARS = 20_000


async def delivered(session, user_id: int, exercise_id: str) -> str:
    """What models have told the student about this exercise so far, in every conversation and hint, oldest first.

    The leak filter judges a new answer together with it: a solution handed out in pieces is caught
    at the piece that completes it.
    """
    said = (
        select(TutorMessage.created_at, TutorMessage.content).join(TutorConversation, TutorMessage.conversation_id == TutorConversation.id)
        .where(TutorConversation.user_id == user_id, TutorConversation.exercise_id == exercise_id, TutorMessage.role == "assistant",
               TutorMessage.source.not_in(MODEL_FREE))
    )
    hinted = select(HintEvent.created_at, HintEvent.text).where(HintEvent.user_id == user_id, HintEvent.exercise_id == exercise_id, HintEvent.text != "")
    rows = sorted([*(await session.execute(said)).all(), *(await session.execute(hinted)).all()], key=lambda row: row[0])
    return "\n\n".join(text for _, text in rows)[-PRIOR_CHARS:]


async def build_context(sessionmaker, gateway: TutorGateway, asker: Asker, exercise: Exercise, req, purpose: str = "tutor",
                        identities: tuple[str, ...] = ()) -> TutorContext:
    """What the tutor may know; `identities` (login names, the class roster) are scrubbed from all of it."""
    async with sessionmaker() as session:
        conv = await conversations.active(session, asker.user_id, exercise.id) if purpose == "tutor" else None
        history = await conversations.window(session, conv, gateway.history_turns)
        taken = await hints_taken(session, asker.user_id, exercise.id)
        failing = await failing_visible_tests(session, asker.user_id, exercise.id)
    return TutorContext(
        exercise_id=exercise.id, statement=exercise.statement, question=getattr(req, "question", ""), code=req.code,
        error=req.error, traceback=getattr(req, "traceback", ""), history=history, summary=conv.summary if conv else "",
        failing_tests=failing, ladder_hint=next_ladder_hint(exercise, taken),
        ladder_rung=taken + 1 if taken < len(exercise.hints) else 0, purpose=purpose,
        names=tuple(dict.fromkeys((asker.name, *identities))), privacy=gateway.scrubber.rules,
    )


def gave_ladder_hint(ctx: TutorContext, text: str) -> bool:
    """Whether an answer handed out the next authored rung (the offline tutor and the leak guard do)."""
    return bool(ctx.ladder_rung and ctx.ladder_hint and ctx.ladder_hint in text)


async def ask(sessionmaker, gateway: TutorGateway, asker: Asker, exercise: Exercise, req,
              identities: tuple[str, ...] = ()) -> AsyncIterator[Event]:
    """Stream the tutor's answer, then store the exchange in the student's conversation."""
    ctx = await build_context(sessionmaker, gateway, asker, exercise, req, identities=identities)
    async with sessionmaker() as session:
        prior = await delivered(session, asker.user_id, exercise.id)
    async with aclosing(gateway.answer(asker, exercise, ctx, prior=prior)) as events:
        async for event in events:
            if event.kind == "done":
                async with sessionmaker() as session, session.begin():
                    conv = await conversations.append(
                        session, asker.user_id, exercise.id, req.question or "(explain my last error)", event.text, event.meta["source"], gateway.history_turns,
                        clean=ctx.clean,
                    )
                    # the answer climbed the ladder: it counts as that hint, for the skill model, the
                    # instructor's view and the next %hint (which goes on from there), unless a %hint
                    # while it streamed has recorded that rung already
                    if gave_ladder_hint(ctx, event.text) and await hints_taken(session, asker.user_id, exercise.id) == ctx.ladder_rung - 1:
                        session.add(HintEvent(user_id=asker.user_id, exercise_id=exercise.id, rung=ctx.ladder_rung, source=f"tutor-{event.meta['source']}"[:20]))
                        event.meta["hint_rung"] = ctx.ladder_rung
                event.meta["conversation_id"] = conv.id
            yield event


async def extra_hint(sessionmaker, gateway: TutorGateway, asker: Asker, exercise: Exercise, req, taken: int,
                     identities: tuple[str, ...] = ()) -> dict:
    """A hint beyond the authored ladder, grounded in the student's code and last error."""
    ctx = await build_context(sessionmaker, gateway, asker, exercise, req, purpose="hint", identities=identities)
    async with sessionmaker() as session:
        prior = await delivered(session, asker.user_id, exercise.id)
    done = None
    async for event in gateway.answer(asker, exercise, ctx, rung=taken + 1, prior=prior):
        if event.kind == "done":
            done = event
    written = "" if done.meta["source"] in MODEL_FREE else done.text
    async with sessionmaker() as session, session.begin():
        session.add(HintEvent(user_id=asker.user_id, exercise_id=exercise.id, rung=taken + 1, source=done.meta["source"][:20], text=written))
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
            asker = Asker(user_id, who.name, who.role)
            return await extra_hint(ctx.sessionmaker, ctx.gateway, asker, exercise, req, taken, await known_identities(ctx.roster, who))
    async with ctx.sessionmaker() as session, session.begin():
        return await next_hint(session, user_id, exercise, again=req.again)


async def asker_of(ctx, who) -> Asker:
    return Asker(await ctx.users.user_id(who), who.name, who.role)


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
