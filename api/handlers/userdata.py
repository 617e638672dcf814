"""A user's own data (export, deletion request) and the admins' side (export, delete, requests, audit)."""

from ..schemas import DeletionRequestBody
from ..services import data_rights
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


NAME = r"([A-Za-z0-9._@+-]{1,255})"
default_handlers = [
    ("/me/export", MyExportHandler),
    ("/me/deletion-request", MyDeletionRequestHandler),
    (f"/users/{NAME}", UserHandler),
    (f"/users/{NAME}/export", UserExportHandler),
    ("/admin/deletion-requests", DeletionRequestsHandler),
    ("/admin/audit", AuditHandler),
]
