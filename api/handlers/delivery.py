"""Student servers report the deliveries of the day's notebooks that failed (counted in the metrics)."""

from __future__ import annotations

from ..schemas import DeliveryReport
from ..services.delivery import record_failures
from .base import APIHandler


class DeliveryFailuresHandler(APIHandler):
    async def post(self):
        self.require_user()
        record_failures(self.parse(DeliveryReport).failures)
        self.set_status(204)
        self.finish()


default_handlers = [
    ("/delivery/failures", DeliveryFailuresHandler),
]
