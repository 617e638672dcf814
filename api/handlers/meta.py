"""Health and the OpenAPI document."""

from sqlalchemy import text

from ..openapi import openapi_document
from .base import APIHandler


class HealthHandler(APIHandler):
    """Unauthenticated liveness: is the API up, and can it reach Postgres and Redis?"""

    async def get(self):
        checks = {"database": "ok", "redis": "ok"}
        try:
            async with self.ctx.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except Exception as err:  # any driver error means "not reachable" here
            checks["database"] = f"unreachable: {type(err).__name__} (check DATABASE_URL)"
        try:
            await self.ctx.redis.ping()
        except Exception as err:
            checks["redis"] = f"unreachable: {type(err).__name__} (check REDIS_URL)"
        healthy = all(v == "ok" for v in checks.values())
        self.write_json({"status": "ok" if healthy else "degraded", **checks, "exercises": len(self.ctx.bank)}, 200 if healthy else 503)


class OpenAPIHandler(APIHandler):
    async def get(self):
        self.write_json(openapi_document(self.ctx.prefix))


default_handlers = [
    ("/health", HealthHandler),
    ("/openapi.json", OpenAPIHandler),
]
