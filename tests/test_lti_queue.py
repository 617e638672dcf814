"""The passback queue against real Postgres and the local LTI platform (no Hub): daily scores that
only rise, a refusal that will not change marked failed, a failing LMS retried later, and two
passes at once never sending one score twice."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from codementor.api.lti import keys
from codementor.api.lti.ags import AGSClient
from codementor.api.lti.launches import Launch, record
from codementor.api.lti.passback import enqueue_solve, send_due
from codementor.api.lti.settings import LTIPassback
from codementor.api.models import LtiScore, Submission
from codementor.api.services.users import Identity, UserDirectory

from .lti_platform import SCOPE_LINEITEM, SCOPE_SCORE, Platform

LOG = logging.getLogger("test-lti-queue")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    lms = Platform().start()
    lms.key = keys.load_or_create(tmp_path_factory.mktemp("lti") / "tool-key.pem")
    lms.tool_jwks = lms.key.jwks()
    yield lms
    lms.stop()


@pytest.fixture
def lms(platform):
    platform.score_status = None
    yield platform
    platform.score_status = None


def settings_for(platform, mode: str) -> LTIPassback:
    return LTIPassback(mode=mode, client_id=platform.client_id, token_url=f"{platform.url}/token", key_file="unused", retry_first_seconds=30, batch=50)


async def enrolled_student(sessionmaker, platform, course: str) -> tuple[int, str]:
    name = f"q-{uuid.uuid4().hex[:10]}"
    user_id = await UserDirectory(sessionmaker, ["instructors"]).user_id(Identity(name, "student", ()))
    launch = Launch(user=name, issuer=platform.url, client_id=platform.client_id, deployment_id="d1", context_id=course, context_title=course,
                    hub_group=f"course-{course}", lms_subject=f"sub-{name}", role="student",
                    lineitems_url=f"{platform.url}/contexts/{course}/lineitems", scopes=[SCOPE_LINEITEM, SCOPE_SCORE])
    async with sessionmaker() as session, session.begin():
        await record(session, user_id, launch)
    return user_id, f"sub-{name}"


async def passed(session, user_id: int, exercise_id: str, at: datetime) -> None:
    session.add(Submission(user_id=user_id, exercise_id=exercise_id, exercise_version=1, idempotency_key=uuid.uuid4().hex, code="", status="passed",
                           passed=True, score=1.0, results=[], message="", duration_ms=1, hint_count=0, created_at=at))
    await session.flush()


async def solve(sessionmaker, settings, user_id: int, exercise_id: str, at: datetime) -> int:
    async with sessionmaker() as session, session.begin():
        await passed(session, user_id, exercise_id, at)
        return await enqueue_solve(session, settings, user_id, SimpleNamespace(id=exercise_id, title=exercise_id), at, "UTC", 2)


async def send(sessionmaker, client, settings, at) -> dict:
    async with sessionmaker() as session, session.begin():
        return await send_due(session, client, settings, at, LOG)


async def row_of(sessionmaker, user_id: int) -> LtiScore:
    async with sessionmaker() as session:
        return (await session.execute(select(LtiScore).where(LtiScore.user_id == user_id))).scalar_one()


async def test_a_days_score_rises_and_is_sent_again_once(infra, lms):
    sessionmaker, _ = infra
    settings = settings_for(lms, "daily")
    client = AGSClient(lms.key, lms.client_id, settings.token_url)
    user_id, sub = await enrolled_student(sessionmaker, lms, "daily1")
    assert await solve(sessionmaker, settings, user_id, "digit-sum", NOW) == 1
    assert (await send(sessionmaker, client, settings, NOW))["sent"] == 1
    assert await solve(sessionmaker, settings, user_id, "digit-sum", NOW + timedelta(minutes=5)) == 0  # the same exercise again: no new score
    assert await solve(sessionmaker, settings, user_id, "countdown", NOW + timedelta(minutes=9)) == 1
    assert (await send(sessionmaker, client, settings, NOW + timedelta(minutes=10)))["sent"] == 1
    assert (await send(sessionmaker, client, settings, NOW + timedelta(minutes=11)))["sent"] == 0
    mine = [s for _, s in lms.records.scores if s["userId"] == sub]
    assert [(s["scoreGiven"], s["scoreMaximum"], s["activityProgress"]) for s in mine] == [(1.0, 2.0, "InProgress"), (2.0, 2.0, "Completed")]
    (item,) = lms.records.line_items["daily1"]
    assert (item["resourceId"], item["label"], item["scoreMaximum"]) == ("day:2026-12-04", "CodeMentor 2026-12-04", 2.0)


async def test_a_refusal_fails_at_once_and_an_lms_error_waits(infra, lms):
    sessionmaker, _ = infra
    settings = settings_for(lms, "exercise")
    client = AGSClient(lms.key, lms.client_id, settings.token_url)
    refused_id, _ = await enrolled_student(sessionmaker, lms, "refuse1")
    await solve(sessionmaker, settings, refused_id, "digit-sum", NOW)
    lms.score_status = 403
    assert (await send(sessionmaker, client, settings, NOW))["failed"] == 1
    row = await row_of(sessionmaker, refused_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "the LMS scores endpoint answered HTTP 403")
    lms.score_status = None
    assert await solve(sessionmaker, settings, refused_id, "digit-sum", NOW + timedelta(hours=1)) == 1  # solved again: queued again
    assert (await send(sessionmaker, client, settings, NOW + timedelta(hours=1)))["sent"] == 1
    failing_id, sub = await enrolled_student(sessionmaker, lms, "retry1")
    await solve(sessionmaker, settings, failing_id, "digit-sum", NOW)
    lms.score_status = 503
    assert (await send(sessionmaker, client, settings, NOW))["retry"] == 1
    row = await row_of(sessionmaker, failing_id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, NOW + timedelta(seconds=30))
    lms.score_status = None
    assert (await send(sessionmaker, client, settings, NOW + timedelta(seconds=29)))["sent"] == 0  # not due yet
    assert (await send(sessionmaker, client, settings, NOW + timedelta(seconds=30)))["sent"] == 1
    assert [s["userId"] for _, s in lms.records.scores].count(sub) == 1


async def test_two_passes_at_once_send_each_score_once(infra, lms):
    sessionmaker, _ = infra
    settings = settings_for(lms, "exercise")
    settings.batch = 3  # each pass takes half the rows, and both need the new column
    students = [await enrolled_student(sessionmaker, lms, "race1") for _ in range(6)]
    for user_id, _ in students:
        await solve(sessionmaker, settings, user_id, "countdown", NOW)
    clients = [AGSClient(lms.key, lms.client_id, settings.token_url) for _ in range(2)]
    counts = await asyncio.gather(*(send(sessionmaker, c, settings, NOW) for c in clients))
    assert sum(c["sent"] for c in counts) == 6
    subs = {sub for _, sub in students}
    assert sorted(s["userId"] for _, s in lms.records.scores if s["userId"] in subs) == sorted(subs)
    assert len(lms.records.line_items["race1"]) == 1  # one column, though two passes needed it at once
