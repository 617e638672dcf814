"""A user's own data (export, deletion request) and the admins' side (export, delete, requests, audit)."""

import hmac

from .. import logs
from ..errors import Forbidden
from ..schemas import DeletionRequestBody, HubAuditEvent
from ..services import audit, data_rights
from .base import APIHandler


class UserDataHandler(APIHandler):
    def send_archive(self, body: bytes, name: str):
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", f'attachment; filename="codementor-{name}.zip"')
        self.finish(body)


class MyExportHandler(UserDataHandler):
    async def get(self):
        who = self.require_user()
        self.send_archive(await data_rights.my_export(self.ctx, who), who.name)


class MyDeletionRequestHandler(UserDataHandler):
    async def post(self):
        who = self.require_user()
        req = self.parse(DeletionRequestBody)
        self.write_json(await data_rights.ask_deletion(self.ctx, who, req.confirm), 202)


class UserExportHandler(UserDataHandler):
    async def get(self, name):
        self.send_archive(await data_rights.user_export(self.ctx, self.require_user(), name), name)


class UserHandler(UserDataHandler):
    async def delete(self, name):
        self.write_json(await data_rights.delete_user(self.ctx, self.require_user(), name))


class DeletionRequestsHandler(UserDataHandler):
    async def get(self):
        self.write_json(await data_rights.deletion_requests(self.ctx, self.require_user()))


class AuditHandler(UserDataHandler):
    async def get(self):
        who = self.require_user()
        self.write_json(await data_rights.audit_trail(self.ctx, who, self.int_argument("limit", 50), self.get_query_argument("cursor", None)))


class HubAuditEventHandler(UserDataHandler):
    """The Hub reports what admins did on its pages; only the Hub holds the token (c.TutorAPI.hub_audit_token)."""

    async def prepare(self):
        self._in_flight = True
        self.ctx.inflight += 1
        logs.current_request_id.set(self.request_id)
        self._refuse_declared_size()
        scheme, _, given = self.request.headers.get("Authorization", "").partition(" ")
        expected = self.ctx.hub_audit_token
        if not (expected and scheme.lower() == "token" and hmac.compare_digest(given.strip().encode(), expected.encode())):
            raise Forbidden("only the Hub reports its admins' actions (c.TutorAPI.hub_audit_token)")

    async def post(self):
        event = self.parse(HubAuditEvent)
        async with self.ctx.sessionmaker() as session, session.begin():
            await audit.record_hub_event(session, event.action, event.actor, event.actor_role, event.subject, event.details)
        self.set_status(204)
        self.finish()


NAME = r"([A-Za-z0-9._@+-]{1,255})"
default_handlers = [
    ("/me/export", MyExportHandler),
    ("/me/deletion-request", MyDeletionRequestHandler),
    (f"/users/{NAME}", UserHandler),
    (f"/users/{NAME}/export", UserExportHandler),
    ("/admin/deletion-requests", DeletionRequestsHandler),
    ("/admin/audit", AuditHandler),
    ("/admin/audit/hub-events", HubAuditEventHandler),
]
