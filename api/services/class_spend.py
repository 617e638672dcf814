"""Today's LLM spend of each class against its allowance, for the metrics."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ..models import LLMBudgetDay, User


def class_groups_of(class_groups: dict) -> list[str]:
    """The student groups the API knows as classes (the values of c.TutorAPI.class_groups)."""
    return sorted({g for groups in class_groups.values() for g in groups})


async def spend_micro(sessionmaker, names: frozenset[str], day: date) -> int:
    """Spent and reserved micro-dollars of these users on `day`."""
    if not names:
        return 0
    stmt = (
        select(func.coalesce(func.sum(LLMBudgetDay.spent_micro + LLMBudgetDay.reserved_micro), 0))
        .join(User, User.id == LLMBudgetDay.user_id)
        .where(LLMBudgetDay.day == day, User.name.in_(sorted(names)))
    )
    async with sessionmaker() as session:
        return int((await session.execute(stmt)).scalar_one())


async def class_spend(roster, sessionmaker, gateway, groups: list[str]) -> dict[str, tuple[float, float]]:
    """{group: (spent USD today, allowance USD today)}; the allowance is members x a student's daily budget."""
    day, cap = gateway.today(), gateway.cap_micro("student")
    result = {}
    for group in groups:
        members = await roster.members(group)
        result[group] = (await spend_micro(sessionmaker, members, day) / 1e6, len(members) * cap / 1e6)
    return result
