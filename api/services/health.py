"""Can the API reach its backends? Shared by /health and the metrics' backend gauge."""

from __future__ import annotations

from sqlalchemy import text


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
