"""Tutor conversations: one active per student and exercise, a sliding window plus a summary."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from ..errors import NotFound
from ..models import TutorConversation, TutorMessage
from .clock import utcnow
from .pagination import check_page_limit, newest_first

MAX_PAGE = 100
SUMMARY_CHARS = 800


async def active(session, user_id: int, exercise_id: str) -> TutorConversation | None:
    stmt = (
        select(TutorConversation)
        .where(TutorConversation.user_id == user_id, TutorConversation.exercise_id == exercise_id, TutorConversation.active.is_(True))
        .order_by(TutorConversation.id.desc()).limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def start(session, user_id: int, exercise_id: str) -> TutorConversation:
    """A fresh conversation; the previous one stays readable but is no longer sent to the tutor."""
    await session.execute(
        update(TutorConversation).where(TutorConversation.user_id == user_id, TutorConversation.exercise_id == exercise_id).values(active=False)
    )
    conv = TutorConversation(user_id=user_id, exercise_id=exercise_id, active=True, summary="", message_count=0)
    session.add(conv)
    await session.flush()
    return conv


async def window(session, conv: TutorConversation | None, turns: int) -> list[dict]:
    """The last `turns` messages, oldest first."""
    if conv is None:
        return []
    stmt = select(TutorMessage).where(TutorMessage.conversation_id == conv.id).order_by(TutorMessage.id.desc()).limit(turns)
    rows = list((await session.execute(stmt)).scalars())
    return [{"role": m.role, "content": m.content} for m in reversed(rows)]


def _keep(text: str) -> str:
    return text


def _summarise(summary: str, dropped: list[tuple[str, str]], clean=_keep) -> str:
    """A short running summary of what fell out of the window (no model call: cheap and predictable).

    `dropped` holds (role, content) pairs, oldest first. `clean` (the personal-data scrubber)
    runs on each message before it is cut: a cut through an e-mail address would leave a
    fragment no pattern recognises.
    """
    notes = [f"{'Student asked' if role == 'user' else 'Tutor said'}: {_cut(clean(' '.join(content.split())), 160)}" for role, content in dropped]
    text = "\n".join(filter(None, [summary, *notes]))
    if len(text) <= SUMMARY_CHARS:
        return text
    tail = text[-SUMMARY_CHARS:]
    return tail.partition("\n")[2] or tail  # whole notes only


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a word boundary (never half a word)."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


# One exchange stored in two round trips of plain statements (the ORM's flushes cost the
# tutor more CPU than the statements did): the conversation opened if none is active, both
# messages, the count, the messages that left the window (and the hints taken, when the answer
# climbed the ladder); then the summary, the hint, and the COMMIT.
# the active conversation's id, for the student %(u)s and the exercise %(ex)s (the tutor's reads use it too)
ACTIVE_ID = """SELECT id FROM tutor_conversations WHERE user_id = %(u)s::bigint AND exercise_id = %(ex)s::varchar AND active
               ORDER BY id DESC LIMIT 1"""
_OPEN = f"""INSERT INTO tutor_conversations (user_id, exercise_id, active, summary, message_count, updated_at)
            SELECT %(u)s::bigint, %(ex)s::varchar, true, '', 0, %(now)s WHERE NOT EXISTS ({ACTIVE_ID})"""
_MESSAGES = f"""INSERT INTO tutor_messages (conversation_id, role, content, source)
                VALUES (({ACTIVE_ID}), 'user', %(q)s, 'student'), (({ACTIVE_ID}), 'assistant', %(a)s, %(src)s)"""
_COUNT = f"""UPDATE tutor_conversations SET message_count = message_count + 2, updated_at = %(now)s WHERE id = ({ACTIVE_ID})
             RETURNING id, message_count, summary"""
_DROPPED = f"""SELECT role, content FROM (SELECT id, role, content FROM tutor_messages WHERE conversation_id = ({ACTIVE_ID})
               ORDER BY id DESC OFFSET %(turns)s LIMIT 2) AS dropped ORDER BY id"""
_TAKEN = "SELECT count(*) FROM hint_events WHERE user_id = %(u)s::bigint AND exercise_id = %(ex)s::varchar"
_SUMMARY = "UPDATE tutor_conversations SET summary = %s WHERE id = %s"
_HINT = "INSERT INTO hint_events (user_id, exercise_id, rung, source) VALUES (%s, %s, %s, %s)"
# a model's answer, kept for the leak filter apart from the conversation (which the student may delete)
_DISCLOSED = """INSERT INTO tutor_disclosures (user_id, exercise_id, text, touches, created_at)
                VALUES (%(u)s, %(ex)s, %(shown)s, %(touches)s::jsonb, %(now)s)"""
# sources of text no model wrote (but a held-back streamed answer's, which starts with what the student read of the
# model's: that part is remembered as read, by the tutor service's Screen)
MODEL_FREE = ("offline", "guardrail", "student")


async def append(pg, user_id: int, exercise_id: str, question: str, answer: str, source: str, turns: int,
                 clean=_keep, rung: int = 0, hint_source: str = "", touches: list[str] | tuple = (),
                 disclosed: str | None = None) -> tuple[int, bool]:
    """Store one exchange and COMMIT, folding messages that leave the window into the summary (scrubbed by `clean`).

    `pg` is a psycopg connection not inside a transaction (a pooled one, or the one under a
    SQLAlchemy session). With `rung`, the answer handed out that rung of the hint ladder: it
    is recorded as a hint unless the student has taken that many hints by now (a %hint while
    the answer streamed). `disclosed`: what models' text the student was shown, kept for the leak
    filter (None: the answer, if a model wrote it; a streamed answer that was replaced was read up
    to the replacement all the same); `touches`: the other exercises of whose solution it holds a
    piece. Returns the conversation's id and whether the hint was recorded.
    """
    if disclosed is None:
        disclosed = "" if source in MODEL_FREE else answer
    params = {"u": user_id, "ex": exercise_id, "q": question, "a": answer, "src": source, "turns": turns, "now": utcnow(),
              "touches": json.dumps(list(touches)), "shown": disclosed}
    async with pg.pipeline():
        await pg.execute(_OPEN, params)
        await pg.execute(_MESSAGES, params)
        counted = await pg.execute(_COUNT, params)
        dropped = await pg.execute(_DROPPED, params)
        taken = await pg.execute(_TAKEN, params) if rung else None
        if disclosed:
            await pg.execute(_DISCLOSED, params)
    conv_id, count, summary = await counted.fetchone()
    left = await dropped.fetchall() if count > turns else []
    hint = bool(rung) and (await taken.fetchone())[0] == rung - 1
    async with pg.pipeline():
        if left:
            await pg.execute(_SUMMARY, (_summarise(summary, left, clean), conv_id))
        if hint:
            await pg.execute(_HINT, (user_id, exercise_id, rung, hint_source[:20]))
        await pg.execute("COMMIT")
    return conv_id, hint


async def disclose(pg, user_id: int, exercise_id: str, text: str, touches: list[str] | tuple = ()) -> None:
    """Keep models' text a student was shown for the leak filter, with no exchange stored (they went away mid-answer)."""
    params = {"u": user_id, "ex": exercise_id, "shown": text, "touches": json.dumps(list(touches)), "now": utcnow()}
    await pg.execute(_DISCLOSED, params)
    await pg.execute("COMMIT")


def to_public(conv: TutorConversation, messages: list[TutorMessage] | None = None) -> dict:
    data = {
        "id": conv.id, "exercise_id": conv.exercise_id, "active": conv.active, "message_count": conv.message_count,
        "summary": conv.summary, "created_at": conv.created_at.isoformat(), "updated_at": conv.updated_at.isoformat(),
    }
    if messages is not None:
        data["messages"] = [{"role": m.role, "content": m.content, "source": m.source, "created_at": m.created_at.isoformat()} for m in messages]
    return data


async def page(session, user_id: int, limit: int, cursor: str | None, exercise_id: str | None) -> dict:
    check_page_limit(limit, MAX_PAGE)
    stmt = select(TutorConversation).where(TutorConversation.user_id == user_id)
    if exercise_id:
        stmt = stmt.where(TutorConversation.exercise_id == exercise_id)
    page_rows, next_cursor = await newest_first(session, stmt, TutorConversation.id, limit, cursor)
    return {"items": [to_public(c) for c in page_rows], "next_cursor": next_cursor}


async def get_own(session, user_id: int, conversation_id: int) -> dict:
    conv = await session.get(TutorConversation, conversation_id)
    if conv is None or conv.user_id != user_id:
        raise NotFound(f"no conversation {conversation_id}")
    stmt = select(TutorMessage).where(TutorMessage.conversation_id == conv.id).order_by(TutorMessage.id)
    return to_public(conv, list((await session.execute(stmt)).scalars()))


async def delete_own(session, user_id: int, conversation_id: int) -> None:
    stmt = delete(TutorConversation).where(TutorConversation.id == conversation_id, TutorConversation.user_id == user_id).returning(TutorConversation.id)
    if (await session.execute(stmt)).scalar_one_or_none() is None:
        raise NotFound(f"no conversation {conversation_id}")
