"""The API's one rate limiter: per user, by action and role, in Redis; open when Redis is briefly down."""

from __future__ import annotations

import time

from redis.exceptions import RedisError
from traitlets import Dict, TraitError, validate
from traitlets.config import LoggingConfigurable

from ..errors import DomainError


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


# GCRA over two windows at once (per minute and per day): a request is allowed only if both
# allow it, and then both are charged. One script, so concurrent API processes cannot race.
# The windows' keys start at KEYS[{first}]; ARGV holds the time, then (allowance, period) per window.
# A window's wait is at most its interval (period / allowance): the time in ARGV is read before
# the request's turn in Redis, so one read earlier than requests charged ahead of it would
# otherwise be told to wait that much longer than the refill it needs.
_GCRA_TEMPLATE = """{before}
local now = tonumber(ARGV[1])
local wait = 0
local tats = {{}}
for i = {first}, #KEYS do
  local limit = tonumber(ARGV[2 * (i - {first}) + 2])
  local period = tonumber(ARGV[2 * (i - {first}) + 3])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local interval = period / limit
  local new_tat = tat + interval
  local allow_at = new_tat - period
  if allow_at > now then wait = math.max(wait, math.min(allow_at - now, interval)) end
  tats[i] = new_tat
end
if wait > 0 then return wait end
for i = {first}, #KEYS do
  redis.call('SET', KEYS[i], tats[i], 'PX', math.ceil(tats[i] - now) + 1000)
end{after}
return 0
"""
GCRA_SCRIPT = _GCRA_TEMPLATE.format(first=1, before="", after="")
# The same, once per token: KEYS[1] marks a token already charged (a submission's idempotency
# key), the other keys are the windows'. A marked token is neither charged nor refused (-1); a
# new one is charged as above and marked (for ARGV's last value, in seconds) only if it was allowed.
GCRA_ONCE_SCRIPT = _GCRA_TEMPLATE.format(
    first=2,
    before="\nif redis.call('EXISTS', KEYS[1]) == 1 then return -1 end",
    after="\nredis.call('SET', KEYS[1], 1, 'EX', tonumber(ARGV[#ARGV]))",
)
# how long a token stays marked: a retry later than this is charged again (and still answered
# with what was stored under its key)
ONCE_SECONDS = 86_400

PERIODS_MS = {"per_minute": 60_000, "per_day": 86_400_000}
ANY_ROLE = "*"
DEFAULT_LIMITS = {
    "hint": {ANY_ROLE: {"per_minute": 30}},
    "submit": {ANY_ROLE: {"per_minute": 20}},
    "tutor": {
        "student": {"per_minute": 6, "per_day": 150},
        "instructor": {"per_minute": 20, "per_day": 1000},
        "admin": {"per_minute": 60, "per_day": 5000},
    },
    # an instructor's import validates in the grader the students share (up to ~50 sandboxed runs)
    "import": {ANY_ROLE: {"per_minute": 6, "per_day": 200}},
}
REFUSALS = {
    "tutor": "you have asked the tutor a lot just now; try again in {wait}",
    "hint": "you have asked for many hints just now; try again in {wait}",
    "submit": "you have submitted a lot just now; try again in {wait}",
}


def windows_of(limits: dict, action: str, role: str) -> list[tuple[str, int]]:
    """The (window, allowance) pairs that apply to `role` doing `action` (none: unlimited).

    A role without rules of its own gets those of "*", else those of "student"."""
    rules = limits.get(action) or {}
    mine = rules.get(role) or rules.get(ANY_ROLE) or rules.get("student") or {}
    return [(name, int(mine[name])) for name in PERIODS_MS if int(mine.get(name) or 0) > 0]


def check_limits(limits: dict) -> dict:
    """`limits` if it has the shape {action: {role: {"per_minute"|"per_day": n >= 0}}}, else ValueError."""
    for action, roles in limits.items():
        if not isinstance(roles, dict):
            raise ValueError(f"{action!r}: expected {{role: {{'per_minute': n, 'per_day': n}}}}, got {roles!r}")
        for role, rules in roles.items():
            if not isinstance(rules, dict) or set(rules) - set(PERIODS_MS):
                raise ValueError(f"{action!r} / {role!r}: only 'per_minute' and 'per_day' are known, got {rules!r}")
            if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in rules.values()):
                raise ValueError(f"{action!r} / {role!r}: allowances are whole numbers >= 0, got {rules!r}")
    return limits


class RateLimiter(LoggingConfigurable):
    """Requests allowed per user, by action and role, shared by every API process (GCRA in Redis).

    Each (action, role) may have a per-minute and a per-day allowance; a request passes only if
    both allow it, and then both are charged. The allowance refills evenly (30 per minute: a
    burst of 30, then one every 2 s). When Redis does not answer, requests pass and the log says
    so. Swap the class with ``c.TutorAPI.limiter_class``; the clock is injectable for tests.
    """

    limits = Dict(
        DEFAULT_LIMITS,
        help="Requests allowed per user: {action: {role: {'per_minute': n, 'per_day': n}}} for the actions 'hint', "
        "'submit', 'tutor' and 'import' (an instructor's exercise import) and the roles 'student', 'instructor', 'admin' or '*' (any role without its own rules). "
        "A missing or 0 allowance is unlimited.",
    ).tag(config=True)

    @validate("limits")
    def _valid_limits(self, proposal):
        try:
            return check_limits(proposal["value"])
        except ValueError as err:
            raise TraitError(f"c.RateLimiter.limits: {err}") from None

    def __init__(self, *, redis, clock=time.time, **kwargs):
        super().__init__(**kwargs)
        self.redis, self.clock = redis, clock  # clock: seconds since the epoch
        self._script = redis.register_script(GCRA_SCRIPT)
        self._once_script = redis.register_script(GCRA_ONCE_SCRIPT)

    def set_action(self, action: str, rules: dict) -> None:
        """Replace one action's rules (for the older per-service settings)."""
        self.limits = {**self.limits, action: rules}

    async def hit(self, action: str, user: str, role: str = "student") -> None:
        """Charge one request, or raise RateLimited with the seconds to wait."""
        windows = windows_of(self.limits, action, role)
        if windows:
            self._refuse(action, await self._run(self._script, [], windows, action, user, []))

    async def hit_once(self, action: str, user: str, role: str, token: str) -> bool | None:
        """Charge one request unless `token` was charged before; or raise RateLimited.

        True: `token` is new and now charged. False: it was charged before (in the last
        ONCE_SECONDS), nothing is charged now. None: Redis did not answer, nothing is known or
        charged. With no allowance for the role, tokens are still told apart.
        """
        windows = windows_of(self.limits, action, role)
        wait_ms = await self._run(self._once_script, [f"codementor:once:{action}:{user}:{token}"], windows, action, user, [ONCE_SECONDS])
        if wait_ms is None:
            return None
        if wait_ms < 0:
            return False
        self._refuse(action, wait_ms)
        return True

    async def _run(self, script, first_keys: list[str], windows, action: str, user: str, last_args: list) -> int | None:
        """The script's answer for these windows (milliseconds to wait, 0, or -1), None when Redis does not answer."""
        keys = first_keys + [f"codementor:gcra:{action}:{name}:{user}" for name, _ in windows]
        args = [int(self.clock() * 1000)]
        for name, limit in windows:
            args += [limit, PERIODS_MS[name]]
        try:
            return int(await script(keys=keys, args=args + last_args))
        except RedisError as err:
            self.log.warning("rate limit not applied, Redis is not answering (REDIS_URL): %s", err)
            return None

    @staticmethod
    def _refuse(action: str, wait_ms: int | None) -> None:
        if wait_ms is not None and wait_ms > 0:
            retry = max(1, -(-wait_ms // 1000))
            message = REFUSALS.get(action, "too many requests just now; try again in {wait}")
            raise RateLimited(message.format(wait=_human(retry)), retry)


def _human(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
