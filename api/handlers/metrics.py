"""GET <service prefix>metrics: Prometheus' text format, for a scraper with read:metrics or the metrics token."""

from __future__ import annotations

import hmac

from tornado import web

from .. import logs, metrics
from ..errors import Forbidden, Unavailable
from ..services.health import refresh_gauges
from .base import APIHandler

SCOPE = "read:metrics"


class MetricsHandler(APIHandler):
    """Metrics are operational data: only a Hub token holding read:metrics, or c.TutorAPI.metrics_token."""

    def initialize(self, ctx, route: str = "/metrics", metrics_token: str = ""):
        super().initialize(ctx, route)
        self.metrics_token = metrics_token

    async def prepare(self):
        logs.current_request_id.set(self.request_id)
        if self._holds_metrics_token():
            return
        try:
            model = await self.hub_auth.get_user(self, sync=False)
        except web.HTTPError as err:
            if err.status_code < 500:
                raise
            raise Unavailable("JupyterHub could not check the token just now; try again in a moment") from None
        if not model:
            self.send_error(401, code="unauthorized", message=f"send a Hub token with the {SCOPE} scope or the metrics token (Authorization: Bearer ...)")
            raise web.Finish()
        if SCOPE not in (model.get("scopes") or ()):
            raise Forbidden(f"metrics need the {SCOPE} scope")

    def _holds_metrics_token(self) -> bool:
        scheme, _, token = self.request.headers.get("Authorization", "").partition(" ")
        given = token.strip() if scheme.lower() in ("bearer", "token") else ""
        return bool(self.metrics_token and given) and hmac.compare_digest(given.encode(), self.metrics_token.encode())

    async def get(self):
        await refresh_gauges(self.ctx)
        body, content_type = metrics.exposition()
        self.set_header("Content-Type", content_type)
        self.finish(body)
