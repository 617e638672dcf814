"""LTI endpoints: the tool's public keys, launches reported by the Hub, and the passback's state."""

from ..lti import usecases
from ..lti.launches import Launch
from .base import APIHandler


class JwksHandler(APIHandler):
    """GET /lti/jwks: the tool's public key set, which the LMS checks the tool's client assertions with."""

    async def get(self):
        jwks = usecases.tool_jwks(self.ctx)
        self.set_header("Cache-Control", "public, max-age=300")
        self.write_json(jwks)


class LaunchesHandler(APIHandler):
    """POST /lti/launches: the Hub's LTI login records a verified launch (course, role, AGS endpoint)."""

    async def post(self):
        self.write_json(await usecases.record_launch(self.ctx, self.require_user(), self.parse(Launch)), 201)


class PassbackHandler(APIHandler):
    """GET /class/passback: per LMS course of the viewer, the last sync, queued and failed scores."""

    async def get(self):
        self.write_json(await usecases.passback_status(self.ctx, self.require_user()))


default_handlers = [
    ("/lti/jwks", JwksHandler),
    ("/lti/launches", LaunchesHandler),
    ("/class/passback", PassbackHandler),
]
