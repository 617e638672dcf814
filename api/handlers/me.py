"""The signed-in user."""

from .base import APIHandler


class MeHandler(APIHandler):
    async def get(self):
        who = self.require_user()
        await self.ctx.users.user_id(who)
        self.write_json({"name": who.name, "role": who.role, "groups": list(who.groups)})


default_handlers = [
    ("/me", MeHandler),
]
