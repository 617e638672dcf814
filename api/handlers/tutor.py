"""The tutor: ask (JSON or a server-sent event stream), today's budget, conversations."""

from __future__ import annotations

import json

from tornado.iostream import StreamClosedError

from ..contract import EVENT_STREAM, NO_CONTENT, operation
from ..responses import Budget, Conversation, ConversationPage, TutorAnswer
from ..schemas import ConversationsQuery, NewConversationRequest, TutorRequest
from ..services import tutoring
from .base import APIHandler


def shown(meta: dict | None) -> dict:
    """What of an answer's verdict the student sees: the answer's documented fields only. The leak
    filter's scores stay in the log: shown with every answer, they would let a student probe which
    statements the reference solution holds."""
    return {k: v for k, v in (meta or {}).items() if k in TutorAnswer.model_fields}


class AskHandler(APIHandler):
    @operation(
        "Ask the tutor; with stream=true the answer arrives as server-sent events (delta, replace, done).",
        body=TutorRequest, ok={200: (TutorAnswer, EVENT_STREAM)}, errors=(404, 429),
    )
    async def post(self):
        who = self.require_user()
        req = self.parse(TutorRequest)
        events = await tutoring.ask_tutor(self.ctx, who, req)
        try:
            first = await anext(events)  # limits and budget raise here, before any byte is sent
            if req.stream:
                await self._stream(first, events)
            else:
                await self._whole(first, events)
        finally:
            await events.aclose()

    async def _whole(self, first, events):
        event = first
        while event.kind != "done":  # the done event carries the whole answer
            event = await anext(events)
        self.reply({"answer": event.text, **shown(event.meta)})

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
        payload = {"text": event.text, **shown(event.meta)}
        self.write(f"event: {event.kind}\ndata: {json.dumps(payload)}\n\n")
        await self.flush()


class BudgetHandler(APIHandler):
    @operation("What is left of today's tutor allowance.", ok={200: Budget})
    async def get(self):
        self.reply(await tutoring.my_budget(self.ctx, self.require_user()))


class ConversationsHandler(APIHandler):
    @operation("The signed-in user's tutor conversations, newest first.", query=ConversationsQuery, ok={200: ConversationPage})
    async def get(self):
        who = self.require_user()
        q = self.query(ConversationsQuery)
        self.reply(await tutoring.my_conversations(self.ctx, who, q.limit, q.cursor, q.exercise_id))

    @operation("Start a new conversation for an exercise (the earlier one is closed).", body=NewConversationRequest, ok={201: Conversation}, errors=(404,))
    async def post(self):
        who = self.require_user()
        req = self.parse(NewConversationRequest)
        self.reply(await tutoring.start_conversation(self.ctx, who, req.exercise_id), 201)


class ConversationHandler(APIHandler):
    @operation("One of the signed-in user's conversations, with its messages.", ok={200: Conversation}, errors=(404,))
    async def get(self, conversation_id):
        self.reply(await tutoring.my_conversation(self.ctx, self.require_user(), int(conversation_id)))

    @operation("Delete one of the signed-in user's conversations.", ok={204: NO_CONTENT}, errors=(404,))
    async def delete(self, conversation_id):
        await tutoring.delete_my_conversation(self.ctx, self.require_user(), int(conversation_id))
        self.reply(status=204)


default_handlers = [
    ("/tutor/ask", AskHandler),
    ("/tutor/budget", BudgetHandler),
    ("/tutor/conversations", ConversationsHandler),
    (r"/tutor/conversations/(?P<conversation_id>\d{1,18})", ConversationHandler),
]
