"""The signed-in user, and their onboarding answers (level, topics, time zone)."""

from ..schemas import ProfileRequest
from ..services.profile import my_profile, set_my_profile
from .base import APIHandler


class MeHandler(APIHandler):
    async def get(self):
        self.write_json(await my_profile(self.ctx, self.require_user()))

    async def put(self):
        who = self.require_user()
        self.write_json(await set_my_profile(self.ctx, who, self.parse(ProfileRequest)))


default_handlers = [
    ("/me", MeHandler),
]
