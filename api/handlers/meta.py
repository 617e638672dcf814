"""Health and the OpenAPI document."""

from ..openapi import openapi_document
from ..services.health import backend_checks
from .base import APIHandler


class HealthHandler(APIHandler):
    """Unauthenticated liveness: is the API up, and can it reach Postgres and Redis?"""

    async def get(self):
        checks = await backend_checks(self.ctx.sessionmaker, self.ctx.redis)
        healthy = all(v == "ok" for v in checks.values())
        self.write_json({"status": "ok" if healthy else "degraded", **checks, "exercises": len(self.ctx.bank)}, 200 if healthy else 503)


class OpenAPIHandler(APIHandler):
    async def get(self):
        self.write_json(openapi_document(self.ctx.prefix))


default_handlers = [
    ("/health", HealthHandler),
    ("/openapi.json", OpenAPIHandler),
]
