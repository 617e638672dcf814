"""Daily LLM budgets: reserve the worst-case cost before a provider call, settle the real cost after.

All amounts are integers in micro-dollars. The reservation is one conditional UPDATE on the
user's row for the day, so concurrent requests queue on that row lock and the sum of what
is reserved and spent can never pass the cap. A settlement never exceeds its reservation: the
gateway stops a stream at the reserved number of tokens, and a real cost above the
reservation all the same (a vendor that bills more than it was allowed) is recorded as an
`overrun` (the row keeps the tokens the vendor reported) and logged, never charged past the cap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from ..errors import DomainError
from ..models import LLMBudgetDay

MICRO = 1_000_000
# a token is counted as 4 bytes of text when a vendor reports no usage, and a stream is stopped
# after max_tokens * BYTES_PER_TOKEN bytes, so what it delivered is never charged past its reservation
BYTES_PER_TOKEN = 4
log = logging.getLogger(__name__)


class OverBudget(DomainError):
    code = "over_budget"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


def seconds_to_midnight(now: datetime, tz_name: str) -> int:
    local = now.astimezone(ZoneInfo(tz_name))
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=local.tzinfo)
    return max(1, int((midnight - local).total_seconds()))


def to_micro(usd: float) -> int:
    return int(round(usd * MICRO))


@dataclass
class Reservation:
    cost_id: int
    user_id: int
    day: date
    micro: int


# One round trip each. The budget row is created or updated under its row lock, and the
# WHERE clause is checked against the latest committed row, so concurrent reservations queue.
RESERVE_SQL = text("""
WITH budget AS (
    INSERT INTO llm_budget_days (user_id, day, reserved_micro, spent_micro)
    SELECT :user_id, :day, :micro, 0 WHERE :micro <= :cap
    ON CONFLICT ON CONSTRAINT uq_llm_budget_days_user_day DO UPDATE
        SET reserved_micro = llm_budget_days.reserved_micro + EXCLUDED.reserved_micro
        WHERE llm_budget_days.reserved_micro + llm_budget_days.spent_micro + EXCLUDED.reserved_micro <= :cap
    RETURNING id
)
INSERT INTO llm_costs (user_id, day, role, purpose, provider, model, status, reserved_micro, cost_micro, input_tokens, output_tokens)
SELECT :user_id, :day, :role, :purpose, :provider, :model, 'reserved', :micro, 0, 0, 0 FROM budget
RETURNING id
""")

SETTLE_SQL = text("""
WITH cost AS (
    UPDATE llm_costs SET status = :status, cost_micro = LEAST(:cost, reserved_micro), input_tokens = :input_tokens, output_tokens = :output_tokens,
        settled_at = now(), provider = COALESCE(NULLIF(:provider, ''), provider)
    WHERE id = :cost_id AND status = 'reserved'
    RETURNING user_id, day, reserved_micro
)
UPDATE llm_budget_days AS b SET reserved_micro = b.reserved_micro - cost.reserved_micro,
    spent_micro = b.spent_micro + LEAST(:cost, cost.reserved_micro)
FROM cost WHERE b.user_id = cost.user_id AND b.day = cost.day
""")


def _engine(sessionmaker):
    return sessionmaker.kw["bind"]


async def reserve(sessionmaker, user_id: int, day: date, micro: int, cap_micro: int, *, role: str, purpose: str,
                  provider: str, model: str, retry_after: int) -> Reservation:
    """Set aside `micro` of today's budget, or raise OverBudget."""
    params = dict(user_id=user_id, day=day, micro=micro, cap=cap_micro, role=role, purpose=purpose, provider=provider, model=model)
    async with _engine(sessionmaker).begin() as conn:
        cost_id = (await conn.execute(RESERVE_SQL, params)).scalar_one_or_none()
    if cost_id is None:
        raise OverBudget(f"today's tutor allowance is used up; try again in {_hours(retry_after)}, when it renews (the authored %hint ladder still works)", retry_after)
    return Reservation(cost_id, user_id, day, micro)


async def settle(sessionmaker, res: Reservation, cost_micro: int, input_tokens: int = 0, output_tokens: int = 0, provider: str = "") -> int:
    """Replace the reservation by the real cost (0 when the call failed), at most the reservation; settling twice changes nothing.

    Returns the overrun: what the cost exceeded the reservation by (recorded, logged, not charged).
    """
    overrun = max(0, cost_micro - res.micro)
    if overrun:
        log.warning("LLM call %d of user %d cost %d micro-USD, %d over its reservation: charged the reservation, "
                    "recorded as an overrun (does the vendor honour max_tokens?)", res.cost_id, res.user_id, cost_micro, overrun)
    params = dict(cost_id=res.cost_id, cost=min(cost_micro, res.micro), input_tokens=input_tokens, output_tokens=output_tokens,
                  provider=provider, status="overrun" if overrun else "settled")
    async with _engine(sessionmaker).begin() as conn:
        # a settlement lost in a crash leaves its reservation held: the budget errs on the safe side,
        # so this commit need not wait for the disk
        await conn.execute(text("SET LOCAL synchronous_commit = off"))
        await conn.execute(SETTLE_SQL, params)
    return overrun


def fit(text: str, room: int) -> str:
    """The longest start of `text` that takes at most `room` bytes in UTF-8."""
    raw = text.encode()
    return text if len(raw) <= room else raw[:max(0, room)].decode(errors="ignore")


async def usage(sessionmaker, user_id: int, day: date) -> tuple[int, int]:
    """(spent, reserved) micro-dollars of one user on one day."""
    async with sessionmaker() as session:
        row = (await session.execute(
            select(LLMBudgetDay.spent_micro, LLMBudgetDay.reserved_micro).where(LLMBudgetDay.user_id == user_id, LLMBudgetDay.day == day)
        )).first()
    return (row[0], row[1]) if row else (0, 0)


def _hours(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{max(1, rest // 60)} min"
