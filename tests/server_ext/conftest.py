"""pytest-jupyter's jupyter-server fixtures (jp_serverapp, jp_fetch, jp_server_config...) for this folder only.

`pytest_plugins` is only allowed in the root conftest, and the plugin would change every other
test of the suite (autouse fixtures, its own way of running coroutines); imported here, its
fixtures serve this folder. The test server runs in pytest-asyncio's session loop, the loop the
coroutine tests run in, instead of a loop of the plugin's own that no test would run.
"""

import asyncio

import pytest_asyncio
from pytest_jupyter.jupyter_server import *  # noqa: F403

# the suite's coroutine tests run on pytest-asyncio: not the plugin's collection and call hooks
del pytest_pycollect_makeitem, pytest_pyfunc_call  # noqa: F821


@pytest_asyncio.fixture(loop_scope="session")
async def jp_asyncio_loop():
    """The loop the server fixtures start the server in: the one the tests run in (never closed here)."""
    return asyncio.get_running_loop()
