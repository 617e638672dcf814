"""A user's own data (export, deletion request) and the admins' side (export, delete, requests, audit)."""

import hmac

from tornado import web

from .. import logs
from ..contract import NO_CONTENT, ZIP, operation
from ..errors import Forbidden, Unauthorized
from ..responses import AuditPage, DeletionRequested, DeletionRequests, Erased
from ..schemas import AuditQuery, DeletionRequestBody, HubAuditEvent
from ..services import audit, data_rights
from .base import APIHandler


class UserDataHandler(APIHandler):
    def send_archive(self, body: bytes, name: str):
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", f'attachment; filename="codementor-{name}.zip"')
        self.finish(body)


class MyExportHandler(UserDataHandler):
    @operation("Everything stored about the signed-in user, as one zip (JSON per table, submitted code as .py files).", ok={200: ZIP})
    async def get(self):
        who = self.require_user()
        self.send_archive(await data_rights.my_export(self.ctx, who), who.name)


class MyDeletionRequestHandler(UserDataHandler):
    @operation("Ask for the deletion of everything about you (confirm with your user name); an admin carries it out.", body=DeletionRequestBody, ok={202: DeletionRequested})
    async def post(self):
        who = self.require_user()
        req = self.parse(DeletionRequestBody)
        self.reply(await data_rights.ask_deletion(self.ctx, who, req.confirm), 202)


class UserExportHandler(UserDataHandler):
    @operation("Admins: one user's export (audited).", ok={200: ZIP}, errors=(403, 404))
    async def get(self, name):
        self.send_archive(await data_rights.user_export(self.ctx, self.require_user(), name), name)


class UserHandler(UserDataHandler):
    @operation(
        "Admins: delete every row about a user, the cached answers made from their prompts and their Hub account (audited).",
        ok={200: Erased}, errors=(400, 403, 404),
    )
    async def delete(self, name):
        self.reply(await data_rights.delete_user(self.ctx, self.require_user(), name))


class DeletionRequestsHandler(UserDataHandler):
    @operation("Admins: students' open deletion requests, oldest first (audited).", ok={200: DeletionRequests}, errors=(403,))
    async def get(self):
        self.reply(await data_rights.deletion_requests(self.ctx, self.require_user()))


class AuditHandler(UserDataHandler):
    @operation("Admins: the audit trail of access to students' data, newest first.", query=AuditQuery, ok={200: AuditPage}, errors=(403,))
    async def get(self):
        who = self.require_user()
        q = self.query(AuditQuery)
        self.reply(await data_rights.audit_trail(self.ctx, who, q.limit, q.cursor))


class HubAuditEventHandler(UserDataHandler):
    """The Hub reports what admins did on its pages; only the Hub holds the token (c.TutorAPI.hub_audit_token)."""

    async def prepare(self):
        self._in_flight = True
        self.ctx.inflight += 1
        logs.current_request_id.set(self.request_id)
        self._refuse_declared_size()
        if self.request.method not in self.allowed_methods():
            raise web.HTTPError(405)  # before the token: another method is no request of the Hub's
        scheme, _, given = self.request.headers.get("Authorization", "").partition(" ")
        expected = self.ctx.hub_audit_token
        if not given.strip():
            raise Unauthorized("the Hub sends its audit token: Authorization: token <c.TutorAPI.hub_audit_token>")
        if not (expected and scheme.lower() == "token" and hmac.compare_digest(given.strip().encode(), expected.encode())):
            raise Forbidden("only the Hub reports its admins' actions (c.TutorAPI.hub_audit_token)")

    @operation("The Hub only (its audit token): an admin's action on the Hub's pages (a sign-up approved, a role changed).",
               body=HubAuditEvent, ok={204: NO_CONTENT}, errors=(401, 403))
    async def post(self):
        event = self.parse(HubAuditEvent)
        async with self.ctx.sessionmaker() as session, session.begin():
            await audit.record_hub_event(session, event.action, event.actor, event.actor_role, event.subject, event.details)
        self.reply(status=204)


NAME = r"(?P<name>[A-Za-z0-9._@+-]{1,255})"
default_handlers = [
    ("/me/export", MyExportHandler),
    ("/me/deletion-request", MyDeletionRequestHandler),
    (f"/users/{NAME}", UserHandler),
    (f"/users/{NAME}/export", UserExportHandler),
    ("/admin/deletion-requests", DeletionRequestsHandler),
    ("/admin/audit", AuditHandler),
    ("/admin/audit/hub-events", HubAuditEventHandler),
]
