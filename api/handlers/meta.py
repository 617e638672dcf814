"""Health and the OpenAPI document."""

from ..contract import operation
from ..openapi import openapi_document
from ..responses import Health, OpenAPIDocument
from ..services.health import health_report
from .base import APIHandler


class HealthHandler(APIHandler):
    """Unauthenticated liveness: is the API up, and can it reach Postgres and Redis?"""

    @operation("Is the API up, and are Postgres and Redis reachable? (503 with the same body when one is not)", ok={200: Health, 503: Health}, auth=False)
    async def get(self):
        body, healthy = await health_report(self.ctx)
        self.reply(body, 200 if healthy else 503)

    async def head(self):
        """The same check without a body, for uptime checkers that ask with HEAD."""
        _, healthy = await health_report(self.ctx)
        self.set_status(200 if healthy else 503)
        self.finish()


class OpenAPIHandler(APIHandler):
    @operation("This document.", ok={200: OpenAPIDocument}, auth=False)
    async def get(self):
        self.reply(openapi_document(self.ctx.prefix))


default_handlers = [
    ("/health", HealthHandler),
    ("/openapi.json", OpenAPIHandler),
]
