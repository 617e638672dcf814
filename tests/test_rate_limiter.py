"""The one rate limiter (hints, submissions, the tutor) against a real Redis, with its clock moved by hand."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
import redis.asyncio as aioredis
from traitlets import TraitError
from traitlets.config import Config

from codementor.api.app import TutorAPI
from codementor.api.gateway.gateway import TutorGateway
from codementor.api.services.limits import RateLimited, RateLimiter
from codementor.hub_config.stack import free_port


class Clock:
    def __init__(self):
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis(services):
    client = aioredis.from_url(services.redis_url)
    yield client
    await client.aclose()


def someone() -> str:
    return f"limits-{uuid.uuid4().hex[:8]}"


async def test_an_allowance_refills_evenly_as_the_clock_moves(redis):
    clock, user = Clock(), someone()
    limiter = RateLimiter(redis=redis, clock=clock, limits={"hint": {"*": {"per_minute": 3}}})
    for _ in range(3):
        await limiter.hit("hint", user)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("hint", user)
    assert refused.value.retry_after == 20 and "hints" in refused.value.message and "20 s" in refused.value.message
    clock.now += 19
    with pytest.raises(RateLimited):
        await limiter.hit("hint", user)
    clock.now += 1
    await limiter.hit("hint", user)  # one request's worth (60 s / 3) has come back
    await limiter.hit("hint", someone())  # and other users were never concerned


async def test_a_request_whose_time_was_read_before_later_charges_waits_one_interval_at_most(redis):
    """A worker reads the time before the request's turn in Redis: in a burst, a refused request may
    carry an earlier time than requests charged ahead of it. It is told the refill interval, not more."""
    clock, user = Clock(), someone()
    limiter = RateLimiter(redis=redis, clock=clock, limits={"hint": {"*": {"per_minute": 3}}})
    clock.now += 0.5
    for _ in range(3):
        await limiter.hit("hint", user)
    clock.now -= 0.5  # read before the three charges above
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("hint", user)
    assert refused.value.retry_after == 20  # 60 s / 3, where the time it carried says 20.5 s (21 rounded up)
    clock.now += 20.5
    await limiter.hit("hint", user)  # and 20 s after the real time of the refusal, one has come back


async def test_both_windows_apply_and_roles_have_their_own_rules(redis):
    clock = Clock()
    limits = {"tutor": {"student": {"per_minute": 100, "per_day": 2}, "instructor": {"per_minute": 1}}}
    limiter = RateLimiter(redis=redis, clock=clock, limits=limits)
    student, teacher, visitor = someone(), someone(), someone()
    await limiter.hit("tutor", student, "student")
    await limiter.hit("tutor", student, "student")
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("tutor", student, "student")
    assert refused.value.retry_after > 3600 and refused.value.message.endswith(" h")  # the day's allowance
    await limiter.hit("tutor", teacher, "instructor")
    with pytest.raises(RateLimited):
        await limiter.hit("tutor", teacher, "instructor")
    await limiter.hit("tutor", visitor, "admin")  # no rules of its own: the students'
    await limiter.hit("submit", student, "student")  # no rules for the action: unlimited


async def test_a_token_is_charged_once_and_a_refused_one_is_not_marked(redis):
    clock, user = Clock(), someone()
    limiter = RateLimiter(redis=redis, clock=clock, limits={"submit": {"*": {"per_minute": 2}}})
    assert await limiter.hit_once("submit", user, "student", "key-1") is True
    for _ in range(3):  # a retry with the same key: neither charged nor refused
        assert await limiter.hit_once("submit", user, "student", "key-1") is False
    assert await limiter.hit_once("submit", user, "student", "key-2") is True  # the second of two allowed
    with pytest.raises(RateLimited):
        await limiter.hit_once("submit", user, "student", "key-3")
    clock.now += 30  # one request's worth back: key-3 was refused, so it is new, and charged now
    assert await limiter.hit_once("submit", user, "student", "key-3") is True
    assert await limiter.hit_once("submit", someone(), "student", "key-1") is True  # keys are per user
    unlimited = RateLimiter(redis=redis, clock=clock, limits={})
    assert [await unlimited.hit_once("submit", user, "student", "key-9") for _ in range(2)] == [True, False]


async def test_without_redis_requests_pass_and_the_log_says_so(caplog):
    closed = aioredis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    limiter = RateLimiter(redis=closed, limits={"hint": {"*": {"per_minute": 1}}})
    for _ in range(3):
        await limiter.hit("hint", someone())
    assert await limiter.hit_once("hint", someone(), "student", "key") is None  # nothing known: the caller looks in Postgres
    assert "Redis is not answering (REDIS_URL)" in caplog.text
    await closed.aclose()


def test_the_limits_are_checked_and_the_error_names_the_setting():
    with pytest.raises(TraitError, match=r"c.RateLimiter.limits: 'hint' / '\*': only 'per_minute' and 'per_day'"):
        RateLimiter(redis=aioredis.Redis(), limits={"hint": {"*": {"per_hour": 5}}})
    with pytest.raises(TraitError, match="whole numbers >= 0"):
        RateLimiter(redis=aioredis.Redis(), limits={"submit": {"student": {"per_minute": -1}}})


class StrictLimiter(RateLimiter):
    pass


def test_the_api_builds_one_limiter_from_config_and_hands_it_to_the_gateway():
    config = Config()
    config.TutorAPI.limiter_class = StrictLimiter
    config.TutorAPI.rate_limits = {"submit": 5}  # the older setting is still honoured
    config.RateLimiter.limits = {"hint": {"*": {"per_minute": 7}}}
    config.TutorGateway.rate_limits = {"student": {"per_minute": 2}}
    app = TutorAPI(config=config)
    redis = aioredis.Redis()
    limiter = app.make_limiter(redis)
    gateway = TutorGateway(parent=app, redis=redis, sessionmaker=None, limiter=limiter)
    assert isinstance(limiter, StrictLimiter) and gateway.limiter is limiter
    assert limiter.limits == {"hint": {"*": {"per_minute": 7}}, "submit": {"*": {"per_minute": 5}}, "tutor": {"student": {"per_minute": 2}}}


@pytest.mark.e2e
async def test_hints_beyond_the_allowance_get_a_429_with_retry_after(stack, hub, bank):
    """The default allowance is 30 a minute, refilled one every 2 s: 40 at once cannot all pass."""
    name = someone()
    hub.create_user(name)
    auth = {"Authorization": f"token {hub.user_token(name)}"}
    body = {"exercise_id": bank.get("sum-of-evens").id, "again": True}
    started = time.monotonic()
    async with httpx.AsyncClient(headers=auth, timeout=60) as client:
        answers = await asyncio.gather(*(client.post(f"{stack.api_url}/hints", json=body) for _ in range(40)))
    refilled = int((time.monotonic() - started) / 2) + 1
    passed = [r for r in answers if r.status_code == 200]
    refused = [r for r in answers if r.status_code != 200]
    assert 30 <= len(passed) <= 30 + refilled and refused
    for r in refused:
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited", r.text
        assert 1 <= int(r.headers["Retry-After"]) <= 2 and "hints" in r.json()["error"]["message"]
