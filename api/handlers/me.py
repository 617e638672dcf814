"""The signed-in user, and their onboarding answers (level, topics, time zone)."""

from ..contract import operation
from ..responses import Me
from ..schemas import ProfileRequest
from ..services.profile import my_profile, set_my_profile
from .base import APIHandler


class MeHandler(APIHandler):
    @operation("The signed-in user: name, role, groups and onboarding answers (level, topics, time zone).", ok={200: Me})
    async def get(self):
        self.reply(await my_profile(self.ctx, self.require_user()))

    @operation("Onboarding: set the self-reported level, topics of interest and time zone.", body=ProfileRequest, ok={200: Me})
    async def put(self):
        who = self.require_user()
        self.reply(await set_my_profile(self.ctx, who, self.parse(ProfileRequest)))


default_handlers = [
    ("/me", MeHandler),
]
