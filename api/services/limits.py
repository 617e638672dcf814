"""The API's one rate limiter: per user, by action and role, in Redis; open when Redis is briefly down."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from traitlets import Dict, TraitError, default, validate
from traitlets.config import LoggingConfigurable

from ..errors import DomainError


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int, **details):
        super().__init__(message, retry_after=retry_after, **details)
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
# A cap per course day (a student's submissions of one exercise): KEYS[{cap}] counts what was charged
# under it today; at the allowance the script refuses with -2 before the windows are looked at, and
# a request allowed by the windows adds one to it (the key expires after the day). ARGV's values
# after the windows' pairs are the allowance and the key's lifetime in seconds ({tail} more follow).
_CAP_CHECK = "\nif tonumber(redis.call('GET', KEYS[{cap}]) or 0) >= tonumber(ARGV[#ARGV - {tail} - 1]) then return -2 end"
_CAP_CHARGE = "\nredis.call('INCR', KEYS[{cap}])\nredis.call('EXPIRE', KEYS[{cap}], tonumber(ARGV[#ARGV - {tail}]))"
GCRA_CAPPED_SCRIPT = _GCRA_TEMPLATE.format(first=2, before=_CAP_CHECK.format(cap=1, tail=0), after=_CAP_CHARGE.format(cap=1, tail=0))
# Once per token and capped: KEYS[1] the token's mark, KEYS[2] the day's count; a marked token is
# neither charged, counted nor refused (-1).
GCRA_ONCE_CAPPED_SCRIPT = _GCRA_TEMPLATE.format(
    first=3,
    before="\nif redis.call('EXISTS', KEYS[1]) == 1 then return -1 end" + _CAP_CHECK.format(cap=2, tail=1),
    after=_CAP_CHARGE.format(cap=2, tail=1) + "\nredis.call('SET', KEYS[1], 1, 'EX', tonumber(ARGV[#ARGV]))",
)
CAP_REACHED = -2
# a count given back (nothing was graded): never below 0, so a key that expired at midnight stays gone
# and the token's mark (KEYS[2], when given) goes with it: a retry under that token is then new, and counted once
CAP_REFUND_SCRIPT = ("if KEYS[2] then redis.call('DEL', KEYS[2]) end\n"
                     "if tonumber(redis.call('GET', KEYS[1]) or 0) > 0 then return redis.call('DECR', KEYS[1]) end\nreturn 0")
# what is left of a capped day when its key is written, plus this, is how long the key lives
CAP_KEY_SLACK_SECONDS = 3600
# The leak filter's sandbox runs of one student on one exercise in a course day (each run tells them something of the
# hidden tests): KEYS[1] counts the runs charged, KEYS[2] holds the digests of the code judged. ARGV: the allowance,
# the keys' lifetime in seconds, then "1:<digest>" for code whose result is at hand (no run) or "0:<digest>". Code is
# charged unless its result is at hand and it was judged for this student today (nothing new to learn from it); past
# the allowance nothing is charged and the script answers CAP_REACHED, else the number charged.
RUNS_SCRIPT = """
local need = 0
for i = 3, #ARGV do
  local digest = string.sub(ARGV[i], 3)
  if not (string.sub(ARGV[i], 1, 1) == '1' and redis.call('SISMEMBER', KEYS[2], digest) == 1) then need = need + 1 end
end
if need == 0 then return 0 end
if tonumber(redis.call('GET', KEYS[1]) or 0) + need > tonumber(ARGV[1]) then return -2 end
redis.call('INCRBY', KEYS[1], need)
for i = 3, #ARGV do redis.call('SADD', KEYS[2], string.sub(ARGV[i], 3)) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
return need
"""

def once_key(action: str, user: str, token: str) -> str:
    """The Redis key marking `token` as charged."""
    return f"codementor:once:{action}:{user}:{token}"


def _glob_escape(text: str) -> str:
    """`text` as a literal in a Redis SCAN pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


# The keys above that name a user (once_key, DayCap.key, the GCRA windows of RateLimiter._run), each as a SCAN
# pattern and an exact test of the rest of a key after its prefix (actions, windows, exercise ids and days hold no
# colon). An idempotency token may hold colons: only there could a name with a colon ("a:b") pass for "a".
def _user_families(name: str) -> list[tuple[str, object]]:
    esc = _glob_escape(name)
    return [
        (f"codementor:gcra:*:*:{esc}", lambda rest: rest.split(":", 2)[2:] == [name]),
        (f"codementor:cap:*:{esc}:*", lambda rest: rest.split(":", 1)[1].rsplit(":", 2)[0] == name),
        (f"codementor:once:*:{esc}:*", lambda rest: rest.split(":", 1)[1].startswith(name + ":")),
    ]


async def forget_user(redis, name: str) -> int:
    """Delete `name`'s rate-limit windows, daily counts and idempotency marks (a new user of that name starts clean); how many."""
    found = []
    for pattern, is_theirs in _user_families(name):
        prefix = pattern.split("*", 1)[0]
        async for key in redis.scan_iter(match=pattern, count=1000):
            key = key.decode() if isinstance(key, bytes) else key
            if is_theirs(key[len(prefix):]):
                found.append(key)
    for start in range(0, len(found), 500):
        await redis.delete(*found[start:start + 500])
    return len(found)


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
# graded submissions of one exercise per student per course day: each one tells the student whether
# the hidden tests passed, so with no cap a script could read them out a little at a time
DEFAULT_SUBMIT_DAILY_CAP = 30
REFUSALS = {
    "tutor": "you have asked the tutor a lot just now; try again in {wait}",
    "hint": "you have asked for many hints just now; try again in {wait}",
    "submit": "you have submitted a lot just now; try again in {wait}",
}
CAP_REFUSALS = {
    "submit": "you have submitted this exercise {count} times today, the most a day allows; you can submit it again tomorrow (in {wait})",
}


@dataclass(frozen=True)
class DayCap:
    """At most `allowance` charges under `scope` (an exercise) per course day `day`, which ends in `seconds_left`.

    An allowance of 0 or less caps nothing."""

    scope: str
    allowance: int
    day: str
    seconds_left: int

    def key(self, action: str, user: str) -> str:
        return f"codementor:cap:{action}:{user}:{self.scope}:{self.day}"

    def starts(self, tz_name: str) -> datetime:
        """The course day's first moment (its midnight in `tz_name`)."""
        return datetime.combine(date.fromisoformat(self.day), datetime.min.time(), tzinfo=ZoneInfo(tz_name))

    def args(self) -> list[int]:
        return [self.allowance, self.seconds_left + CAP_KEY_SLACK_SECONDS]


def day_cap(scope: str, allowance: int, tz_name: str, now: float) -> DayCap:
    """A cap of `allowance` on `scope` for the course day (in `tz_name`) that holds `now` (seconds since the epoch)."""
    local = datetime.fromtimestamp(now, timezone.utc).astimezone(ZoneInfo(tz_name))
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=local.tzinfo)
    return DayCap(scope, allowance, local.date().isoformat(), max(1, int((midnight - local).total_seconds())))


def windows_of(limits: dict, action: str, role: str) -> list[tuple[str, int]]:
    """The (window, allowance) pairs that apply to `role` doing `action` (none: unlimited).

    A role without rules of its own gets those of "*", else those of "student"."""
    rules = limits.get(action) or {}
    mine = rules.get(role) or rules.get(ANY_ROLE) or rules.get("student") or {}
    return [(name, int(mine[name])) for name in PERIODS_MS if int(mine.get(name) or 0) > 0]


def check_caps(caps: dict) -> dict:
    """`caps` if it has the shape {action: {role: n >= 0}}, else ValueError."""
    for action, roles in caps.items():
        if not isinstance(roles, dict) or any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in roles.values()):
            raise ValueError(f"{action!r}: expected {{role: n}} with whole numbers n >= 0, got {roles!r}")
    return caps


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
    burst of 30, then one every 2 s). A request may also be counted under a cap per exercise and
    course day (`daily_caps`, `day_cap`), refused until the course's midnight once it is used.
    When Redis does not answer, requests pass and the log says so. Swap the class with ``c.TutorAPI.limiter_class``; the clock is injectable for tests.
    """

    limits = Dict(
        DEFAULT_LIMITS,
        help="Requests allowed per user: {action: {role: {'per_minute': n, 'per_day': n}}} for the actions 'hint', "
        "'submit', 'tutor' and 'import' (an instructor's exercise import) and the roles 'student', 'instructor', 'admin' or '*' (any role without its own rules). "
        "A missing or 0 allowance is unlimited.",
    ).tag(config=True)

    daily_caps = Dict(
        help="Requests allowed per user per exercise per course day (the day of $CODEMENTOR_TIMEZONE): {action: {role: n}}. "
        "Only 'submit' is capped: each graded submission tells a student whether the hidden tests passed, and the cap "
        "bounds what many of them can tell. Default {'submit': {'student': $CODEMENTOR_SUBMIT_DAILY_CAP or 30, "
        "'instructor': 0, 'admin': 0}}; a role without its own number gets that of '*', else that of 'student'; 0 is "
        "uncapped. A retry with an idempotency key already charged is never refused or counted again.",
    ).tag(config=True)

    @default("daily_caps")
    def _default_caps(self):
        students = int(os.environ.get("CODEMENTOR_SUBMIT_DAILY_CAP") or DEFAULT_SUBMIT_DAILY_CAP)
        return {"submit": {"student": students, "instructor": 0, "admin": 0}}

    @validate("daily_caps")
    def _valid_caps(self, proposal):
        try:
            return check_caps(proposal["value"])
        except ValueError as err:
            raise TraitError(f"c.RateLimiter.daily_caps: {err}") from None

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
        self._capped_script = redis.register_script(GCRA_CAPPED_SCRIPT)
        self._once_capped_script = redis.register_script(GCRA_ONCE_CAPPED_SCRIPT)
        self._refund_script = redis.register_script(CAP_REFUND_SCRIPT)
        self._runs_script = redis.register_script(RUNS_SCRIPT)

    def set_action(self, action: str, rules: dict) -> None:
        """Replace one action's rules (for the older per-service settings)."""
        self.limits = {**self.limits, action: rules}

    def day_cap(self, action: str, role: str, scope: str, tz_name: str) -> DayCap | None:
        """The cap on `role` doing `action` on `scope` today (the course day in `tz_name`), None when uncapped."""
        rules = self.daily_caps.get(action) or {}
        allowance = next((int(rules[r]) for r in (role, ANY_ROLE, "student") if r in rules), 0)
        if allowance <= 0:
            return None
        return day_cap(scope, allowance, tz_name, self.clock())

    async def hit(self, action: str, user: str, role: str = "student", cap: DayCap | None = None) -> None:
        """Charge one request, or raise RateLimited with the seconds to wait.

        With `cap`, the request is also counted under it, and refused (until the course day ends)
        once the day's allowance is used; a refused request is neither charged nor counted."""
        windows = windows_of(self.limits, action, role)
        if cap is not None and cap.allowance > 0:
            wait_ms = await self._run(self._capped_script, [cap.key(action, user)], windows, action, user, cap.args())
            self._refuse(action, wait_ms, cap)
        elif windows:
            self._refuse(action, await self._run(self._script, [], windows, action, user, []))

    async def hit_once(self, action: str, user: str, role: str, token: str, cap: DayCap | None = None) -> bool | None:
        """Charge one request unless `token` was charged before; or raise RateLimited.

        True: `token` is new and now charged. False: it was charged before (in the last
        ONCE_SECONDS), nothing is charged now. None: Redis did not answer, nothing is known or
        charged. With no allowance for the role, tokens are still told apart. With `cap`, a new
        token is also counted under it, and refused once the day's allowance is used; a token
        charged before is never refused by the cap.
        """
        windows = windows_of(self.limits, action, role)
        mark = once_key(action, user, token)
        if cap is not None and cap.allowance > 0:
            wait_ms = await self._run(self._once_capped_script, [mark, cap.key(action, user)], windows, action, user, cap.args() + [ONCE_SECONDS])
        else:
            wait_ms = await self._run(self._once_script, [mark], windows, action, user, [ONCE_SECONDS])
        if wait_ms is None:
            return None
        if wait_ms == -1:
            return False
        self._refuse(action, wait_ms, cap)
        return True

    async def take_runs(self, action: str, user: str, cap: DayCap, digests: list[tuple[str, bool]]) -> int | None:
        """Charge sandbox runs under `cap` (see RUNS_SCRIPT): `digests` are (digest of the code, its result is at hand).

        The number charged (0: nothing new), CAP_REACHED (nothing charged) past the allowance, None when Redis
        does not answer (the caller decides what is safe)."""
        keys = [cap.key(action, user), cap.key(f"{action}-seen", user)]
        args = [cap.allowance, cap.seconds_left + CAP_KEY_SLACK_SECONDS, *(f"{int(known)}:{d}" for d, known in digests)]
        try:
            return int(await self._runs_script(keys=keys, args=args))
        except RedisError as err:
            self.log.warning("sandbox runs not counted, Redis is not answering (REDIS_URL): %s", err)
            return None

    async def refund(self, action: str, user: str, cap: DayCap | None, token: str | None = None) -> None:
        """Give back one count under `cap` (a request that was charged but came to nothing, like a
        submission the busy grader turned away), and forget `token`'s mark so that its retry is
        counted as a new request; the per-minute windows keep their charge."""
        if cap is None or cap.allowance <= 0:
            return
        keys = [cap.key(action, user)] + ([once_key(action, user, token)] if token else [])
        try:
            await self._refund_script(keys=keys, args=[])
        except RedisError as err:
            self.log.warning("daily count not given back, Redis is not answering (REDIS_URL): %s", err)

    async def _run(self, script, first_keys: list[str], windows, action: str, user: str, last_args: list) -> int | None:
        """The script's answer for these windows (milliseconds to wait, 0, -1 or CAP_REACHED), None when Redis does not answer."""
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
    def refuse_cap(action: str, cap: DayCap) -> None:
        """Raise RateLimited for a cap used up today: retry after the course's midnight."""
        retry = max(1, cap.seconds_left)
        message = CAP_REFUSALS.get(action, "you have used today's allowance ({count}); try again tomorrow (in {wait})")
        raise RateLimited(message.format(count=cap.allowance, wait=_human(retry)), retry, daily_cap=cap.allowance)

    @classmethod
    def _refuse(cls, action: str, wait_ms: int | None, cap: DayCap | None = None) -> None:
        if wait_ms == CAP_REACHED and cap is not None:
            cls.refuse_cap(action, cap)
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
