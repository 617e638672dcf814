"""GET <service prefix>metrics: Prometheus' text format, for a scraper with read:metrics or the metrics token."""

from __future__ import annotations

import hmac
import logging

from tornado import web

from .. import logs, metrics
from ..errors import DomainError, Forbidden, Unavailable
from ..services.class_spend import class_groups_of, class_spend
from ..services.health import backend_checks
from .base import APIHandler

log = logging.getLogger(__name__)
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
        await self._refresh_gauges()
        body, content_type = metrics.exposition()
        self.set_header("Content-Type", content_type)
        self.finish(body)

    async def _refresh_gauges(self) -> None:
        """Gauges read at scrape time: backend reachability and each class's spend today."""
        checks = await backend_checks(self.ctx.sessionmaker, self.ctx.redis)
        for backend, state in checks.items():
            metrics.BACKEND_UP.labels(backend).set(1 if state == "ok" else 0)
        if checks["database"] != "ok":
            return
        try:
            spend = await class_spend(self.ctx.roster, self.ctx.sessionmaker, self.ctx.gateway, class_groups_of(self.ctx.roster.class_groups))
        except DomainError as err:  # the Hub is not answering: the other metrics still go out
            log.warning("metrics: class spend not refreshed: %s", err.message)
            return
        for group, (spent, allowance) in spend.items():
            metrics.CLASS_SPEND.labels(group).set(spent)
            metrics.CLASS_BUDGET.labels(group).set(allowance)
