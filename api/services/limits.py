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


# GCRA over two windows at once (per minute and per day): a request is allowed only if both
# allow it, and then both are charged. One script, so concurrent API processes cannot race.
GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local wait = 0
local tats = {}
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i])
  local period = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local new_tat = tat + period / limit
  local allow_at = new_tat - period
  if allow_at > now and allow_at - now > wait then wait = allow_at - now end
  tats[i] = new_tat
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], tats[i], 'PX', math.ceil(tats[i] - now) + 1000)
end
return 0
"""

PERIODS_MS = {"per_minute": 60_000, "per_day": 86_400_000}
UNIT = {"per_minute": "minute", "per_day": "day"}


class RoleLimiter:
    """Per-role request limits (GCRA, per minute and per day) shared by every API process."""

    def __init__(self, redis, limits: dict[str, dict[str, int]], clock=time.time):
        self.redis, self.limits, self.clock = redis, limits, clock
        self._script = redis.register_script(GCRA_SCRIPT)

    def _windows(self, role: str) -> list[tuple[str, int]]:
        rules = self.limits.get(role) or self.limits.get("student") or {}
        return [(name, int(rules[name])) for name in PERIODS_MS if int(rules.get(name) or 0) > 0]

    async def hit(self, action: str, user: str, role: str) -> None:
        """Charge one request, or raise RateLimited with the seconds to wait."""
        windows = self._windows(role)
        if not windows:
            return
        keys = [f"codementor:gcra:{action}:{name}:{user}" for name, _ in windows]
        args = [int(self.clock() * 1000)]
        for name, limit in windows:
            args += [limit, PERIODS_MS[name]]
        try:
            wait_ms = int(await self._script(keys=keys, args=args))
        except RedisError as err:
            log.warning("rate limit not applied, Redis is not answering (REDIS_URL): %s", err)
            return
        if wait_ms > 0:
            retry = max(1, -(-wait_ms // 1000))
            raise RateLimited(f"you have asked the tutor a lot just now; try again in {_human(retry)}", retry)


def _human(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
