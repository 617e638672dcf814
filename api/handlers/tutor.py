"""The tutor: ask (JSON or a server-sent event stream), today's budget, conversations."""

from __future__ import annotations

import json

from tornado.iostream import StreamClosedError

from ..gateway.gateway import Asker
from ..schemas import NewConversationRequest, TutorRequest
from ..services import conversations, tutoring
from .base import APIHandler


class TutorHandler(APIHandler):
    async def asker(self) -> Asker:
        who = self.require_user()
        return Asker(await self.ctx.users.user_id(who), who.name, who.role)

    async def identities(self) -> tuple[str, ...]:
        """Who the personal-data scrubber removes: the user as the login names them, and their class."""
        return await tutoring.known_identities(self.ctx.roster, self.require_user())


class AskHandler(TutorHandler):
    async def post(self):
        asker = await self.asker()
        req = self.parse(TutorRequest)
        exercise = self.ctx.bank.get(req.exercise_id)
        events = tutoring.ask(self.ctx.sessionmaker, self.ctx.gateway, asker, exercise, req, await self.identities())
        try:
            first = await anext(events)  # limits and budget raise here, before any byte is sent
            if req.stream:
                await self._stream(first, events)
            else:
                await self._whole(first, events)
        finally:
            await events.aclose()

    async def _whole(self, first, events):
        text = ""
        event = first
        while True:
            text = event.text if event.kind in ("replace", "done") else text + event.text
            if event.kind == "done":
                return self.write_json({"answer": event.text, **event.meta})
            event = await anext(events)

    async def _stream(self, first, events):
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("X-Accel-Buffering", "no")
        try:
            await self._send(first)
            async for event in events:
                await self._send(event)
        except StreamClosedError:
            return  # the student went away; the answer is closed (and its cost settled) by the caller
        except Exception as err:  # headers are gone: the error travels as the stream's last event
            self.log.error("tutor stream failed: %r", err)
            self.write(f"event: error\ndata: {json.dumps({'text': 'the tutor stopped unexpectedly; ask again'})}\n\n")
        self.finish()

    async def _send(self, event):
        payload = {"text": event.text, **(event.meta or {})}
        self.write(f"event: {event.kind}\ndata: {json.dumps(payload)}\n\n")
        await self.flush()


class BudgetHandler(TutorHandler):
    async def get(self):
        asker = await self.asker()
        self.write_json(await self.ctx.gateway.budget(asker))


class ConversationsHandler(TutorHandler):
    async def get(self):
        asker = await self.asker()
        limit = self.int_argument("limit", 20)
        async with self.ctx.sessionmaker() as session:
            page = await conversations.page(
                session, asker.user_id, limit, self.get_query_argument("cursor", None), self.get_query_argument("exercise_id", None)
            )
        self.write_json(page)

    async def post(self):
        asker = await self.asker()
        req = self.parse(NewConversationRequest)
        self.ctx.bank.get(req.exercise_id)
        async with self.ctx.sessionmaker() as session, session.begin():
            conv = await conversations.start(session, asker.user_id, req.exercise_id)
            await session.refresh(conv)
        self.write_json(conversations.to_public(conv), 201)


class ConversationHandler(TutorHandler):
    async def get(self, conversation_id):
        asker = await self.asker()
        async with self.ctx.sessionmaker() as session:
            self.write_json(await conversations.get_own(session, asker.user_id, int(conversation_id)))

    async def delete(self, conversation_id):
        asker = await self.asker()
        async with self.ctx.sessionmaker() as session, session.begin():
            await conversations.delete_own(session, asker.user_id, int(conversation_id))
        self.set_status(204)
        self.finish()


default_handlers = [
    ("/tutor/ask", AskHandler),
    ("/tutor/budget", BudgetHandler),
    ("/tutor/conversations", ConversationsHandler),
    (r"/tutor/conversations/(\d{1,18})", ConversationHandler),
]
