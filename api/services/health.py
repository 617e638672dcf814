"""Can the API reach its backends? Shared by /health and the metrics' backend gauge."""

from __future__ import annotations

import logging

from sqlalchemy import text

from .. import metrics
from ..errors import DomainError
from .class_spend import class_groups_of, class_spend

log = logging.getLogger(__name__)


async def backend_checks(sessionmaker, redis) -> dict[str, str]:
    """{"database": "ok" | "unreachable: ...", "redis": ...}: one cheap round trip each."""
    checks = {"database": "ok", "redis": "ok"}
    try:
        async with sessionmaker() as session:
            await session.execute(text("SELECT 1"))
    except Exception as err:  # any driver error means "not reachable" here
        checks["database"] = f"unreachable: {type(err).__name__} (check DATABASE_URL)"
    try:
        await redis.ping()
    except Exception as err:
        checks["redis"] = f"unreachable: {type(err).__name__} (check REDIS_URL)"
    return checks


async def health_report(ctx) -> tuple[dict, bool]:
    """(/health's body, whether every backend answers)."""
    checks = await backend_checks(ctx.sessionmaker, ctx.redis)
    healthy = all(v == "ok" for v in checks.values())
    return {"status": "ok" if healthy else "degraded", **checks, "exercises": len(ctx.bank), "bank_version": ctx.bank.version}, healthy


async def refresh_gauges(ctx) -> None:
    """Gauges read at scrape time: backend reachability and each class's spend today."""
    checks = await backend_checks(ctx.sessionmaker, ctx.redis)
    for backend, state in checks.items():
        metrics.BACKEND_UP.labels(backend).set(1 if state == "ok" else 0)
    if checks["database"] != "ok":
        return
    try:
        spend = await class_spend(ctx.roster, ctx.sessionmaker, ctx.gateway, class_groups_of(ctx.roster.class_groups))
    except DomainError as err:  # the Hub is not answering: the other metrics still go out
        log.warning("metrics: class spend not refreshed: %s", err.message)
        return
    for group, (spent, allowance) in spend.items():
        metrics.CLASS_SPEND.labels(group).set(spent)
        metrics.CLASS_BUDGET.labels(group).set(allowance)
