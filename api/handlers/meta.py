"""Health and the OpenAPI document."""

from ..openapi import openapi_document
from ..services.health import health_report
from .base import APIHandler


class HealthHandler(APIHandler):
    """Unauthenticated liveness: is the API up, and can it reach Postgres and Redis?"""

    async def get(self):
        body, healthy = await health_report(self.ctx)
        self.write_json(body, 200 if healthy else 503)


class OpenAPIHandler(APIHandler):
    async def get(self):
        self.write_json(openapi_document(self.ctx.prefix))


default_handlers = [
    ("/health", HealthHandler),
    ("/openapi.json", OpenAPIHandler),
]
