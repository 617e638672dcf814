"""Failed deliveries of the day's notebooks that student servers report (counted in the metrics)."""

from __future__ import annotations

from .. import metrics


def record_failures(failures: dict[str, int]) -> None:
    for kind, count in failures.items():
        metrics.DELIVERY_FAILURES.labels(kind).inc(count)
