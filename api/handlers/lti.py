"""LTI endpoints: the tool's public keys, launches reported by the Hub, and the passback's state."""

from ..contract import operation
from ..lti import usecases
from ..responses import Jwks, LaunchRecorded, PassbackStatus
from ..lti.launches import Launch
from .base import APIHandler


class JwksHandler(APIHandler):
    """GET /lti/jwks: the tool's public key set, which the LMS checks the tool's client assertions with."""

    @operation("The tool's public keys (JWKS): the LMS checks the tool's signed client assertions with them.", ok={200: Jwks}, errors=(404,), auth=False)
    async def get(self):
        jwks = usecases.tool_jwks(self.ctx)
        self.set_header("Cache-Control", "public, max-age=300")
        self.reply(jwks)


class LaunchesHandler(APIHandler):
    """POST /lti/launches: the Hub's LTI login records a verified launch (course, role, AGS endpoint)."""

    @operation("The Hub's LTI login records a verified launch (its service token only).", body=Launch, ok={201: LaunchRecorded}, errors=(403, 404))
    async def post(self):
        who = self.require_user()
        usecases.require_launcher(self.ctx, who)  # before the body: a caller who may not record learns nothing of it
        self.reply(await usecases.record_launch(self.ctx, who, self.parse(Launch)), 201)


class PassbackHandler(APIHandler):
    """GET /class/passback: per LMS course of the viewer, the last sync, queued and failed scores."""

    @operation("LTI grade passback per LMS course of the viewer: last sync, sent, queued and failed scores, the latest rows.", ok={200: PassbackStatus}, errors=(403, 404))
    async def get(self):
        self.reply(await usecases.passback_status(self.ctx, self.require_user()))


default_handlers = [
    ("/lti/jwks", JwksHandler),
    ("/lti/launches", LaunchesHandler),
    ("/class/passback", PassbackHandler),
]
