"""Student servers report the deliveries of the day's notebooks that failed (counted in the metrics)."""

from __future__ import annotations

from .. import metrics
from ..schemas import DeliveryReport
from .base import APIHandler


class DeliveryFailuresHandler(APIHandler):
    async def post(self):
        self.require_user()
        report = self.parse(DeliveryReport)
        for kind, count in report.failures.items():
            metrics.DELIVERY_FAILURES.labels(kind).inc(count)
        self.set_status(204)
        self.finish()


default_handlers = [
    ("/delivery/failures", DeliveryFailuresHandler),
]
