"""Daily LLM budgets: reserve the worst-case cost before a provider call, settle the real cost after.

All amounts are integers in micro-dollars. The reservation is one conditional UPDATE on the
user's row for the day, so concurrent requests queue on that row lock and the sum of what
is reserved and spent can never pass the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from ..errors import DomainError
from ..models import LLMBudgetDay, LLMCost

MICRO = 1_000_000


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


async def reserve(sessionmaker, user_id: int, day: date, micro: int, cap_micro: int, *, role: str, purpose: str,
                  provider: str, model: str, retry_after: int) -> Reservation:
    """Set aside `micro` of today's budget, or raise OverBudget."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            insert(LLMBudgetDay).values(user_id=user_id, day=day, reserved_micro=0, spent_micro=0)
            .on_conflict_do_nothing(constraint="uq_llm_budget_days_user_day")
        )
        stmt = (
            update(LLMBudgetDay)
            .where(LLMBudgetDay.user_id == user_id, LLMBudgetDay.day == day,
                   LLMBudgetDay.reserved_micro + LLMBudgetDay.spent_micro + micro <= cap_micro)
            .values(reserved_micro=LLMBudgetDay.reserved_micro + micro)
            .returning(LLMBudgetDay.id)
        )
        if (await session.execute(stmt)).scalar_one_or_none() is None:
            raise OverBudget(f"today's tutor allowance is used up; it renews in {_hours(retry_after)} (the authored %hint ladder still works)", retry_after)
        cost = LLMCost(user_id=user_id, day=day, role=role, purpose=purpose, provider=provider, model=model, status="reserved", reserved_micro=micro)
        session.add(cost)
        await session.flush()
        return Reservation(cost.id, user_id, day, micro)


async def settle(sessionmaker, res: Reservation, cost_micro: int, input_tokens: int = 0, output_tokens: int = 0, provider: str = "") -> None:
    """Replace the reservation by the real cost (0 when the call failed)."""
    async with sessionmaker() as session, session.begin():
        stmt = (
            update(LLMCost).where(LLMCost.id == res.cost_id, LLMCost.status == "reserved")
            .values(status="settled", cost_micro=cost_micro, input_tokens=input_tokens, output_tokens=output_tokens,
                    settled_at=datetime.now(timezone.utc), **({"provider": provider} if provider else {}))
            .returning(LLMCost.id)
        )
        if (await session.execute(stmt)).scalar_one_or_none() is None:
            return  # already settled
        await session.execute(
            update(LLMBudgetDay).where(LLMBudgetDay.user_id == res.user_id, LLMBudgetDay.day == res.day)
            .values(reserved_micro=LLMBudgetDay.reserved_micro - res.micro, spent_micro=LLMBudgetDay.spent_micro + cost_micro)
        )


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
