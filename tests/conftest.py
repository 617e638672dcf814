"""Fixtures: real Postgres, Redis and JupyterHub, started once per test session on free ports."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from codementor.exercise_bank import Bank
from codementor.hub_config.stack import Stack, free_port

from .hubclient import HubClient

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts"


@pytest.fixture(scope="session")
def bank() -> Bank:
    return Bank()


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
def stack(services, tmp_path_factory):
    """The whole stack: the Hub with its proxy and the API service, sharing Postgres and Redis."""
    ops_token = secrets.token_hex(16)
    hub = Stack(
        state_dir=tmp_path_factory.mktemp("hub"),
        hub_port=free_port(),
        database_url=services.database_url,
        redis_url=services.redis_url,
        # tests change group membership and read it back at once: no roster cache
        extra_env={"CODEMENTOR_OPS_TOKEN": ops_token, "CODEMENTOR_ROSTER_CACHE_SECONDS": "0"},
    )
    ARTIFACTS.mkdir(exist_ok=True)
    hub.ops_token = ops_token
    hub.start(log_file=ARTIFACTS / "jupyterhub.log")
    yield hub
    hub.stop()


@pytest.fixture(scope="session")
def hub(stack) -> HubClient:
    return HubClient(stack.hub_url, stack.ops_token)
