"""A user's own data (export, deletion request) and the admins' side (export, delete, requests, audit)."""

from ..errors import Forbidden, InvalidRequest
from ..schemas import DeletionRequestBody
from ..services import audit
from ..services.erase import HOST_PENDING, erase_user, pending_requests, request_deletion
from ..services.userdata import archive, collect, find_user
from .base import APIHandler


class UserDataHandler(APIHandler):
    def require_admin(self):
        who = self.require_user()
        if who.role != "admin":
            raise Forbidden("only admins may do this")
        return who

    async def send_archive(self, user_id: int, name: str):
        async with self.ctx.sessionmaker() as session:
            data = await collect(session, user_id)
        body = archive(data, self.ctx.clock())
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", f'attachment; filename="codementor-{name}.zip"')
        self.finish(body)


class MyExportHandler(UserDataHandler):
    async def get(self):
        who = self.require_user()
        await self.send_archive(await self.ctx.users.user_id(who), who.name)


class MyDeletionRequestHandler(UserDataHandler):
    async def post(self):
        who = self.require_user()
        req = self.parse(DeletionRequestBody)
        if req.confirm != who.name:
            raise InvalidRequest("type your own user name in 'confirm' to ask for the deletion of your data", fields={"confirm": "does not match"})
        user_id = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session, session.begin():
            when = await request_deletion(session, user_id)
        self.write_json({"requested_at": when.isoformat(), "next": "an admin will delete your account and data; export them first with %mydata"}, 202)


class UserExportHandler(UserDataHandler):
    async def get(self, name):
        who = self.require_admin()
        actor = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session, session.begin():
            user_id = await find_user(session, name)
            await audit.record(session, "export_user", actor, who.role, user_id)
        await self.send_archive(user_id, name)


class UserHandler(UserDataHandler):
    async def delete(self, name):
        who = self.require_admin()
        if name == who.name:
            raise InvalidRequest("admins cannot delete themselves through the API")
        actor = await self.ctx.users.user_id(who)
        report = await erase_user(self.ctx.sessionmaker, self.ctx.redis, self.ctx.hub_users, name, actor, who.role, host="pending")
        self.ctx.users.forget(name)
        self.write_json({**report, "host": HOST_PENDING})


class DeletionRequestsHandler(UserDataHandler):
    async def get(self):
        who = self.require_admin()
        actor = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session, session.begin():
            requests = await pending_requests(session)
            await audit.record(session, "list_deletion_requests", actor, who.role, count=len(requests))
        self.write_json({"requests": requests})


class AuditHandler(UserDataHandler):
    async def get(self):
        who = self.require_admin()
        actor = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session, session.begin():
            data = await audit.page(session, self.int_argument("limit", 50), self.get_query_argument("cursor", None))
            await audit.record(session, "view_audit", actor, who.role)
        self.write_json(data)


NAME = r"([A-Za-z0-9._@+-]{1,255})"
default_handlers = [
    ("/me/export", MyExportHandler),
    ("/me/deletion-request", MyDeletionRequestHandler),
    (f"/users/{NAME}", UserHandler),
    (f"/users/{NAME}/export", UserExportHandler),
    ("/admin/deletion-requests", DeletionRequestsHandler),
    ("/admin/audit", AuditHandler),
]
