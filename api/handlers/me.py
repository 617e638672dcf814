"""The signed-in user, and their onboarding answers (level, topics, time zone)."""

from ..schemas import ProfileRequest
from ..services.profile import get_profile, profile_view, put_profile
from .base import APIHandler


class MeHandler(APIHandler):
    def _view(self, who, profile) -> dict:
        return {"name": who.name, "role": who.role, "groups": list(who.groups), **profile_view(profile, self.ctx.course_timezone)}

    async def get(self):
        who = self.require_user()
        user_id = await self.ctx.users.user_id(who)
        async with self.ctx.reads() as session:
            profile = await get_profile(session, user_id)
        self.write_json(self._view(who, profile))

    async def put(self):
        who = self.require_user()
        req = self.parse(ProfileRequest)
        user_id = await self.ctx.users.user_id(who)
        async with self.ctx.sessionmaker() as session, session.begin():
            profile = await put_profile(session, user_id, req.level, req.topics, req.timezone)
        self.write_json(self._view(who, profile))


default_handlers = [
    ("/me", MeHandler),
]
