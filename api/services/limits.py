"""A per-user request limit in Redis (fixed window), failing open when Redis is briefly down."""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from ..errors import DomainError

log = logging.getLogger(__name__)


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class WindowLimiter:
    """At most `limit` actions per `window` seconds per (action, user)."""

    def __init__(self, redis, limits: dict[str, int], window: int = 60, clock=time.time):
        self.redis, self.limits, self.window, self.clock = redis, limits, window, clock

    async def hit(self, action: str, user: str) -> None:
        limit = self.limits.get(action)
        if not limit:
            return
        now = int(self.clock())
        slot = now // self.window
        key = f"codementor:limit:{action}:{user}:{slot}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(key).expire(key, self.window * 2).execute()
        except RedisError as err:
            log.warning("rate limit not applied, Redis is not answering (REDIS_URL): %s", err)
            return
        if count > limit:
            retry = (slot + 1) * self.window - now
            raise RateLimited(f"too many {action} requests: at most {limit} per minute; try again in {retry} s", retry)
