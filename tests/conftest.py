"""Fixtures: real Postgres, Redis and JupyterHub, started once per test session on free ports."""

from __future__ import annotations

import functools
import os
import secrets
import uuid
from pathlib import Path

import pytest

from codementor.exercise_bank import Bank
from codementor.hub_config.stack import Stack, free_port

from .fake_llm import LocalLLM
from .hubclient import HubClient

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts"


@pytest.fixture(scope="session")
def bank() -> Bank:
    return Bank()


@pytest.fixture(scope="session")
def leak_detector(bank):
    """The leak filter as the API builds it (statement rarity from the whole bank): exercise -> detector."""
    from codementor.api.gateway.leak import LeakDetector, StatementFrequency

    frequency = StatementFrequency.of(ex.solution for ex in bank.all())
    return lambda exercise: LeakDetector(exercise.solution, frequency=frequency)


@pytest.fixture(scope="session")
def detector_of(bank):
    """The leak filter as the gateway builds it: statement rarity from the whole bank, and the exercise's starter."""
    from codementor.api.gateway.leak import LeakDetector, StatementFrequency

    frequency = StatementFrequency.of(ex.solution for ex in bank.all())
    return lambda exercise: LeakDetector(exercise.solution, frequency=frequency, starter=exercise.starter)


@pytest.fixture(scope="session")
def services(tmp_path_factory):
    """Postgres and Redis only (migrated), for tests of domain code against the real database."""
    stack = Stack(state_dir=tmp_path_factory.mktemp("services"))
    stack.start_postgres()
    stack.start_redis()
    stack.migrate()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def fake_llm():
    """A real local HTTP server speaking the OpenAI chat-completions protocol, in "normal" mode."""
    server = LocalLLM().start()
    yield server
    server.stop()


@pytest.fixture
def llm(fake_llm):
    """The fake vendor, reset to normal answers for each test."""
    fake_llm.state.reset()
    yield fake_llm
    fake_llm.state.reset()


@pytest.fixture
async def infra(services):
    """A sessionmaker and a Redis client on the test services, for the API's domain code."""
    import redis.asyncio as aioredis

    from codementor.api import db

    engine = db.make_engine(services.database_url, pool_size=10)
    redis = aioredis.from_url(services.redis_url)
    yield db.make_sessionmaker(engine), redis
    await redis.aclose()
    await engine.dispose()


@pytest.fixture
async def make_gateway(infra, llm, bank):
    """Build tutor gateways on the local vendor with test settings (keyword arguments override them);
    the shared answer cache starts empty (other tests use the same Redis), every gateway is closed after."""
    from codementor.api.gateway.cache import PREFIX as CACHE_PREFIX
    from codementor.api.gateway.gateway import TutorGateway

    sessionmaker, redis = infra
    async for key in redis.scan_iter(match=f"{CACHE_PREFIX}:*"):
        await redis.delete(key)
    made = []

    def make(**overrides):
        settings = dict(base_url=llm.base_url, api_key="test", model="local-test",
                        rate_limits={"student": {"per_minute": 100_000, "per_day": 1_000_000}})
        settings.update(overrides)
        made.append(TutorGateway(redis=redis, sessionmaker=sessionmaker, bank=bank, **settings))
        return made[-1]

    yield make
    for gw in made:
        await gw.aclose()


@pytest.fixture
async def grader():
    """A grader with its sandbox, 3 s a submission (a module that needs other settings has its own `grader`)."""
    from codementor.api.grader import Grader

    g = Grader(timeout=3.0)
    yield g
    await g.aclose()


@pytest.fixture
async def filter_gateway(make_gateway):
    """Gateways as the leak filter's tests use them: a sandbox of their own for the answers' code, short vendor
    timeouts, no answer cache (each test's scripted answer is judged afresh)."""
    from codementor.api.grader import Grader

    sandbox = Grader()
    yield functools.partial(make_gateway, grader=sandbox, read_timeout=1.0, retry_backoff=0.01, cache_enabled=False)
    await sandbox.aclose()


@pytest.fixture
def new_asker(infra):
    """Make a fresh user in the API's database: `await new_asker(role="student")` -> Asker."""
    from codementor.api.gateway.gateway import Asker
    from codementor.api.services.users import Identity, UserDirectory

    async def make(role: str = "student", prefix: str = "t") -> Asker:
        name = f"{prefix}-{role}-{uuid.uuid4().hex[:10]}"
        user_id = await UserDirectory(infra[0], ["instructors"]).user_id(Identity(name, role, ()))
        return Asker(user_id, name, role)

    return make


@pytest.fixture(scope="session")
def stack(services, fake_llm, tmp_path_factory):
    """The whole stack: the Hub with its proxy and the API service, sharing Postgres and Redis."""
    ops_token, metrics_token = secrets.token_hex(16), secrets.token_hex(16)
    # two empty course folders: tests/test_course_bank.py and tests/test_course_scope.py add exercises, reload,
    # and empty them again
    course_dirs = [tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("course-b")]
    hub = Stack(
        state_dir=tmp_path_factory.mktemp("hub"),
        hub_port=free_port(),
        database_url=services.database_url,
        redis_url=services.redis_url,
        # tests change group membership and read it back at once: no roster cache
        extra_env={
            "CODEMENTOR_OPS_TOKEN": ops_token,
            "CODEMENTOR_METRICS_TOKEN": metrics_token,
            "CODEMENTOR_ROSTER_CACHE_SECONDS": "0",
            # two API workers on any machine, so that tests/test_workers.py can kill one
            "CODEMENTOR_API_WORKERS": "2",
            "CODEMENTOR_LLM_BASE_URL": fake_llm.base_url,
            "CODEMENTOR_LLM_API_KEY": "test-key-not-a-secret",
            "CODEMENTOR_LLM_MODEL": "local-test",
            "CODEMENTOR_COURSE_DIRS": os.pathsep.join(map(str, course_dirs)),
        },
    )
    hub.course_dirs = course_dirs
    hub.course_dir = course_dirs[0]  # where imports go (c.CourseBank.import_dir's default)
    ARTIFACTS.mkdir(exist_ok=True)
    hub.ops_token, hub.metrics_token = ops_token, metrics_token
    hub.start(log_file=ARTIFACTS / "jupyterhub.log")
    yield hub
    hub.stop()


@pytest.fixture(scope="session")
def hub(stack) -> HubClient:
    return HubClient(stack.hub_url, stack.ops_token)


@pytest.fixture(scope="session")
def ipython_shell():
    """The one IPython shell of the test process (IPython allows a single global test shell)."""
    from IPython.testing import globalipapp

    globalipapp.start_ipython()
    return globalipapp.get_ipython()
