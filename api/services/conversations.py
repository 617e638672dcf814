"""Tutor conversations: one active per student and exercise, a sliding window plus a summary."""

from __future__ import annotations

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


def _summarise(summary: str, dropped: list[TutorMessage], clean=_keep) -> str:
    """A short running summary of what fell out of the window (no model call: cheap and predictable).

    `clean` (the personal-data scrubber) runs on each message before it is cut: a cut through an
    e-mail address would leave a fragment no pattern recognises.
    """
    notes = [f"{'Student asked' if m.role == 'user' else 'Tutor said'}: {_cut(clean(' '.join(m.content.split())), 160)}" for m in dropped]
    text = "\n".join(filter(None, [summary, *notes]))
    if len(text) <= SUMMARY_CHARS:
        return text
    tail = text[-SUMMARY_CHARS:]
    return tail.partition("\n")[2] or tail  # whole notes only


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a word boundary (never half a word)."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


async def append(session, user_id: int, exercise_id: str, question: str, answer: str, source: str, turns: int,
                 clean=_keep) -> TutorConversation:
    """Store one exchange, folding messages that leave the window into the summary (scrubbed by `clean`)."""
    conv = await active(session, user_id, exercise_id) or await start(session, user_id, exercise_id)
    session.add_all([
        TutorMessage(conversation_id=conv.id, role="user", content=question, source="student"),
        TutorMessage(conversation_id=conv.id, role="assistant", content=answer, source=source),
    ])
    conv.message_count += 2
    conv.updated_at = utcnow()
    await session.flush()
    if conv.message_count > turns:
        dropped_stmt = (
            select(TutorMessage).where(TutorMessage.conversation_id == conv.id).order_by(TutorMessage.id.desc())
            .offset(turns).limit(2)
        )
        dropped = list(reversed(list((await session.execute(dropped_stmt)).scalars())))
        conv.summary = _summarise(conv.summary, dropped, clean)
    return conv


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
