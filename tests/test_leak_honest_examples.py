"""Honest examples the filter must let through: code that passes only the tests expecting an exception.

A tutor explaining `raise` shows a small function of its own (`check_age`), with the entry point's number of
parameters. Run as the exercise's function, it fails on a list input with the TypeError the exercise's "raises"
tests expect, so it used to pass those hidden tests and the answer was replaced. Code that returns no right value
at all is no solution, whatever exceptions it happens to raise. Real grader sandbox and gateway.
"""

from __future__ import annotations

import functools

import pytest

from codementor.api.grader import Grader

pytestmark = pytest.mark.gateway

RAISE_EXAMPLE = (
    "You can stop a function early with `raise` when its input makes no sense. A small example, not your exercise:\n\n"
    "```python\ndef check_age(age):\n    if age < 0:\n        raise ValueError('an age cannot be negative')\n"
    "    return age\n```\n\nWhich inputs of `average` make no sense?"
)


@pytest.fixture
async def grader():
    g = Grader()
    yield g
    await g.aclose()


@pytest.fixture
def make_gateway(make_gateway, grader):
    return functools.partial(make_gateway, grader=grader, cache_enabled=False)


async def test_an_example_that_only_raises_is_no_solution(make_gateway, bank):
    gw, ex = make_gateway(), bank.get("safe-average")
    assert any(t.check == "raises" and t.hidden for t in ex.tests)
    share = await gw.passes_share(ex, RAISE_EXAMPLE, code=ex.starter)
    check = await gw.judge(ex, RAISE_EXAMPLE, code=ex.starter)
    print(f"\n[figure] safe-average, an unrelated example raising on lists: hidden share {share}, verdict {check.reason or 'shown'}")
    assert share == 0.0 and not check.leaking, check


async def test_a_solution_that_also_raises_still_counts(make_gateway, bank):
    gw, ex = make_gateway(), bank.get("safe-average")
    answer = f"Here it is:\n```python\n{ex.solution}```\n"
    assert await gw.passes_share(ex, answer, code=ex.starter) == 1.0


COPY_EXAMPLE = (
    "Good instinct to copy the dict first! `dict(stock)` makes a shallow copy, so changing the copy leaves the "
    "original alone:\n\n```python\na = {'x': 1}\nb = dict(a)\nb['x'] = 99\nprint(a)  # {'x': 1}\n```\n\n"
    "The KeyError in your traceback comes from a product in `sold` that is not in the stock. How could you check "
    "that before subtracting?"
)


async def test_code_that_does_no_work_passes_no_open_test(make_gateway, bank):
    """`dict(stock)` alone returns the stock unchanged: it passes the hidden tests in which nothing is sold that the
    shop stocks, which the starter fails (it changes the stock passed in, and fails on products it lacks). Those
    tests tell nothing: code that does no work passes them too, so they are not counted."""
    gw, ex = make_gateway(), bank.get("update-stock")
    share = await gw.passes_share(ex, COPY_EXAMPLE, code=ex.starter)
    check = await gw.judge(ex, COPY_EXAMPLE, code=ex.starter)
    print(f"\n[figure] update-stock, `dict(stock)` explained: hidden share {share}, verdict {check.reason or 'shown'}")
    assert share == 0.0 and not check.leaking, check
    whole = await gw.passes_share(ex, f"```python\n{ex.solution}```\n", code=ex.starter)
    assert whole == 1.0
