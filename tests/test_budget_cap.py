"""A budget is a hard cap, even with a vendor that ignores max_tokens (real Postgres, real local vendor)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select

from codementor.api.gateway import ledger
from codementor.api.gateway.guardrails import TutorContext, build_messages
from codementor.api.models import LLMBudgetDay, LLMCost

from .fake_llm import set_mode

pytestmark = pytest.mark.gateway


@pytest.fixture
def gateway(make_gateway):
    return make_gateway(cache_enabled=False, read_timeout=5.0)


async def answer(gw, asker, exercise, ctx) -> str:
    """The answer's final text, or over_budget."""
    try:
        return [e async for e in gw.answer(asker, exercise, ctx) if e.kind == "done"][-1].text
    except ledger.OverBudget:
        return "over_budget"


async def ledger_of(sessionmaker, user_id: int):
    async with sessionmaker() as session:
        day = (await session.execute(select(LLMBudgetDay).where(LLMBudgetDay.user_id == user_id))).scalar_one()
        rows = (await session.execute(select(LLMCost).where(LLMCost.user_id == user_id))).scalars().all()
        total = (await session.execute(select(func.sum(LLMCost.cost_micro)).where(LLMCost.user_id == user_id))).scalar_one()
    return day, rows, total


async def test_a_vendor_ignoring_max_tokens_cannot_pass_the_cap(gateway, infra, llm, bank, capsys, new_asker):
    """100 concurrent requests at the edge of a budget; every answer is three times longer than max_tokens allows."""
    exercise = bank.get("sum-of-evens")
    set_mode(llm.base_url, mode="ignore_max_tokens", factor=3)
    sessionmaker = infra[0]
    asker = await new_asker(prefix="cap")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, question="what next?", ladder_hint=exercise.hints[0])
    one = gateway.worst_case_micro(gateway.chain[0], build_messages(ctx))
    cap = one * 7 + one // 2  # room for 7 reservations at once, not 8
    gateway.daily_budget_usd = {"student": cap / ledger.MICRO}
    texts = await asyncio.gather(*(answer(gateway, asker, exercise, ctx) for _ in range(100)))
    day, rows, total = await ledger_of(sessionmaker, asker.user_id)
    answered = [t for t in texts if t != "over_budget"]
    overruns = [r for r in rows if r.status == "overrun"]
    with capsys.disabled():
        print(f"\n[figure] budget race, vendor ignoring max_tokens (x3): cap {cap} µ$, 100 concurrent requests: "
              f"{len(answered)} answered, spent {day.spent_micro} µ$ = {100 * day.spent_micro / cap:.0f} % of the cap, "
              f"{sum(r.cost_micro > r.reserved_micro for r in rows)} settled over their reservation, {len(overruns)} overruns recorded")
    assert day.spent_micro <= cap and day.reserved_micro == 0 and total == day.spent_micro
    assert all(r.cost_micro <= r.reserved_micro and r.status in ("settled", "overrun") for r in rows)
    assert len(answered) >= 7 and len(rows) == len(answered)
    budget = gateway.max_output_tokens * ledger.BYTES_PER_TOKEN
    assert all(len(t.encode()) <= budget for t in answered)  # every stream was stopped at what was reserved for it
    assert any(len(t.encode()) > budget - 64 for t in answered)  # and the vendor did send more than that


async def test_a_bill_above_the_reservation_is_an_overrun_not_a_charge(gateway, infra, llm, bank, caplog, new_asker):
    """A vendor whose reported usage exceeds the reservation: the ledger holds to the reservation and says so."""
    exercise = bank.get("sum-of-evens")
    set_mode(llm.base_url, mode="normal", reply="Look at your loop. " * 50, bytes_per_token=1)  # 950 bytes billed as 950 tokens
    sessionmaker = infra[0]
    asker = await new_asker(prefix="cap")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, question="what next?", ladder_hint=exercise.hints[0])
    with caplog.at_level(logging.WARNING, logger="codementor.api.gateway.ledger"):
        text = await answer(gateway, asker, exercise, ctx)
    day, rows, _ = await ledger_of(sessionmaker, asker.user_id)
    assert text.startswith("Look at your loop.") and len(rows) == 1
    row = rows[0]
    assert row.status == "overrun" and row.cost_micro == row.reserved_micro == day.spent_micro and row.output_tokens == 950
    assert any("over its reservation" in r.getMessage() for r in caplog.records)
