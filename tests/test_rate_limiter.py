"""The one rate limiter (hints, submissions, the tutor) against a real Redis, with its clock moved by hand."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import datetime, timezone

import httpx
import pytest
import redis.asyncio as aioredis
from traitlets import TraitError
from traitlets.config import Config

from codementor.api.app import TutorAPI
from codementor.api.gateway.gateway import TutorGateway
from codementor.api.services.limits import DEFAULT_SUBMIT_DAILY_CAP, RateLimited, RateLimiter
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


async def test_a_days_cap_per_exercise_refuses_until_the_courses_midnight(redis):
    clock, user = Clock(), someone()
    clock.now = datetime(2030, 3, 4, 20, 0, tzinfo=timezone.utc).timestamp()  # 21:00 in Paris: 3 h to midnight
    limiter = RateLimiter(redis=redis, clock=clock, limits={"submit": {"*": {"per_minute": 100}}}, daily_caps={"submit": {"student": 3, "admin": 0}})
    cap = limiter.day_cap("submit", "student", "sum-of-evens", "Europe/Paris")
    assert (cap.allowance, cap.day, cap.seconds_left) == (3, "2030-03-04", 3 * 3600)
    assert [await limiter.hit_once("submit", user, "student", f"key-{i}", cap) for i in range(3)] == [True] * 3
    with pytest.raises(RateLimited) as refused:
        await limiter.hit_once("submit", user, "student", "key-3", cap)
    assert refused.value.retry_after == 3 * 3600 and refused.value.details["daily_cap"] == 3
    assert refused.value.message.startswith("you have submitted this exercise 3 times today") and "again tomorrow (in 3.0 h)" in refused.value.message
    with pytest.raises(RateLimited):  # a retry of the refused key is refused again (it was not marked)
        await limiter.hit_once("submit", user, "student", "key-3", cap)
    with pytest.raises(RateLimited):  # and a charge without a key (an attempt that failed, tried again) is too
        await limiter.hit("submit", user, "student", cap)
    assert await limiter.hit_once("submit", user, "student", "key-0", cap) is False  # a charged key: neither refused nor counted
    other = limiter.day_cap("submit", "student", "fizzbuzz", "Europe/Paris")
    assert await limiter.hit_once("submit", user, "student", "key-4", other) is True  # another exercise has its own count
    assert await limiter.hit_once("submit", someone(), "student", "key-3", cap) is True  # and another student
    assert limiter.day_cap("submit", "admin", "sum-of-evens", "Europe/Paris") is None  # 0: uncapped
    assert limiter.day_cap("submit", "instructor", "sum-of-evens", "Europe/Paris").allowance == 3  # no number of its own: the students'
    assert limiter.day_cap("hint", "student", "sum-of-evens", "Europe/Paris") is None  # no cap for the action
    clock.now += 3 * 3600  # midnight in Paris: a new course day, a new count
    tomorrow = limiter.day_cap("submit", "student", "sum-of-evens", "Europe/Paris")
    assert tomorrow.day == "2030-03-05" and tomorrow.seconds_left == 86_400
    assert await limiter.hit_once("submit", user, "student", "key-5", tomorrow) is True


async def test_a_refusal_by_the_cap_charges_nothing_and_one_by_the_minute_counts_nothing(redis):
    clock, user = Clock(), someone()
    limiter = RateLimiter(redis=redis, clock=clock, limits={"submit": {"*": {"per_minute": 2}}}, daily_caps={"submit": {"*": 3}})
    cap = limiter.day_cap("submit", "student", "sum-of-evens", "UTC")
    assert [await limiter.hit_once("submit", user, "student", f"key-{i}", cap) for i in range(2)] == [True, True]
    with pytest.raises(RateLimited) as refused:  # the minute's allowance is used: refused, not counted for the day
        await limiter.hit_once("submit", user, "student", "key-2", cap)
    assert refused.value.retry_after == 30 and "just now" in refused.value.message
    clock.now += 30
    assert await limiter.hit_once("submit", user, "student", "key-2", cap) is True  # the day's third
    clock.now += 30
    with pytest.raises(RateLimited) as refused:
        await limiter.hit_once("submit", user, "student", "key-3", cap)
    assert "3 times today" in refused.value.message
    assert await limiter.hit_once("submit", user, "student", "key-4", limiter.day_cap("submit", "student", "fizzbuzz", "UTC")) is True
    await limiter.refund("submit", user, cap)  # one that came to nothing (a busy grader) is given back
    clock.now += 30
    assert await limiter.hit_once("submit", user, "student", "key-5", cap) is True
    stranger = someone()
    await limiter.refund("submit", stranger, cap)  # nothing counted: nothing to give back, and never below 0
    assert await redis.get(cap.key("submit", stranger)) is None


async def test_a_key_given_back_is_new_again_and_counted_once(redis):
    """A submission the busy grader turned away is given back with its key: sent again, it is graded as
    a new one and counted once; a retry of that is neither counted nor refused."""
    clock, user = Clock(), someone()
    limiter = RateLimiter(redis=redis, clock=clock, limits={"submit": {"*": {"per_minute": 100}}}, daily_caps={"submit": {"*": 2}})
    cap = limiter.day_cap("submit", "student", "sum-of-evens", "UTC")
    assert await limiter.hit_once("submit", user, "student", "k1", cap) is True
    await limiter.refund("submit", user, cap, "k1")
    assert await limiter.hit_once("submit", user, "student", "k1", cap) is True
    assert await limiter.hit_once("submit", user, "student", "k1", cap) is False
    assert await limiter.hit_once("submit", user, "student", "k2", cap) is True  # the day's second
    with pytest.raises(RateLimited):
        await limiter.hit_once("submit", user, "student", "k3", cap)
    assert await limiter.hit_once("submit", user, "student", "k1", cap) is False  # at the cap, a charged key still is not refused


async def test_concurrent_submissions_cannot_pass_the_cap_together(redis):
    """Every API process runs the same script in Redis: a burst cannot slip past the count."""
    user = someone()
    limiters = [RateLimiter(redis=redis, limits={}, daily_caps={"submit": {"*": 5}}) for _ in range(3)]

    async def attempt(i):
        limiter = limiters[i % 3]
        try:
            return await limiter.hit_once("submit", user, "student", f"key-{i}", limiter.day_cap("submit", "student", "sum-of-evens", "UTC"))
        except RateLimited:
            return "refused"

    answers = await asyncio.gather(*(attempt(i) for i in range(40)))
    assert answers.count(True) == 5 and answers.count("refused") == 35


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
    with pytest.raises(TraitError, match=r"c.RateLimiter.daily_caps: 'submit': expected \{role: n\}"):
        RateLimiter(redis=aioredis.Redis(), daily_caps={"submit": {"student": "30"}})


def test_the_daily_cap_comes_from_the_environment_or_the_config(monkeypatch):
    monkeypatch.delenv("CODEMENTOR_SUBMIT_DAILY_CAP", raising=False)
    assert RateLimiter(redis=aioredis.Redis()).daily_caps == {"submit": {"student": DEFAULT_SUBMIT_DAILY_CAP, "instructor": 0, "admin": 0}}
    monkeypatch.setenv("CODEMENTOR_SUBMIT_DAILY_CAP", "4")
    assert RateLimiter(redis=aioredis.Redis()).daily_caps["submit"]["student"] == 4
    config = Config()
    config.RateLimiter.daily_caps = {"submit": {"*": 2}}
    limiter = TutorAPI(config=config).make_limiter(aioredis.Redis())
    assert limiter.day_cap("submit", "admin", "sum-of-evens", "UTC").allowance == 2


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


@pytest.mark.e2e
async def test_submissions_past_the_days_cap_get_a_429_until_midnight_and_a_retry_still_gets_its_submission(stack, hub, bank, redis):
    """The served API with its default cap: the count is put at cap - 2 in Redis (what cap - 2 submissions
    earlier today leave there), so the third submission is the (cap + 1)-th of the day."""
    student, classmate = someone(), someone()
    for name in (student, classmate):
        hub.create_user(name)
    tz = os.environ.get("CODEMENTOR_TIMEZONE", "UTC")
    exercise, other = bank.get("sum-of-evens"), bank.get("digit-sum")
    cap = RateLimiter(redis=redis).day_cap("submit", "student", exercise.id, tz)
    await redis.set(cap.key("submit", student), cap.allowance - 2, ex=3600)

    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as client:
        async def submit(name, ex, key):
            return await client.post("/submissions", headers={"Authorization": f"token {hub.user_token(name)}"},
                                     json={"exercise_id": ex.id, "code": ex.solution, "idempotency_key": key})

        first, second = await submit(student, exercise, "cap-key-1"), await submit(student, exercise, "cap-key-2")
        assert (first.status_code, second.status_code) == (201, 201), second.text
        refused = await submit(student, exercise, "cap-key-3")
        assert refused.status_code == 429, refused.text
        error = refused.json()["error"]
        assert error["code"] == "rate_limited" and error["details"]["daily_cap"] == cap.allowance
        assert error["message"].startswith(f"you have submitted this exercise {cap.allowance} times today")
        assert "again tomorrow" in error["message"] and "\n" not in error["message"]
        to_midnight = RateLimiter(redis=redis).day_cap("submit", "student", exercise.id, tz).seconds_left
        assert abs(int(refused.headers["Retry-After"]) - to_midnight) <= 5
        retry = await submit(student, exercise, "cap-key-1")  # an acknowledged key: the stored submission, not refused
        assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
        assert (await submit(student, other, "cap-key-4")).status_code == 201  # another exercise
        assert (await submit(classmate, exercise, "cap-key-3")).status_code == 201  # another student
        mine = await client.get(f"/submissions?exercise_id={exercise.id}", headers={"Authorization": f"token {hub.user_token(student)}"})
        assert [s["id"] for s in mine.json()["items"]] == [second.json()["id"], first.json()["id"]]  # nothing stored for the refusal
