"""Student servers report the deliveries of the day's notebooks that failed (counted in the metrics)."""

from __future__ import annotations

from ..contract import NO_CONTENT, operation
from ..schemas import DeliveryReport
from ..services.delivery import record_failures
from .base import APIHandler


class DeliveryFailuresHandler(APIHandler):
    @operation("A student server reports failed deliveries of the day's notebooks, by kind (counted in the metrics).", body=DeliveryReport, ok={204: NO_CONTENT})
    async def post(self):
        self.require_user()
        record_failures(self.parse(DeliveryReport).failures)
        self.reply(status=204)


default_handlers = [
    ("/delivery/failures", DeliveryFailuresHandler),
]
