"""The idle culler stops a server nobody uses; the student, her work and her next start are kept."""

from __future__ import annotations

import json
import secrets
import time

import pytest

from codementor.hub_config.stack import Stack, free_port

from .hubclient import HubClient
from .test_daily_delivery import ARTIFACTS, wait_for_notebooks

pytestmark = pytest.mark.e2e

CULL_TIMEOUT = 20  # seconds; the culler then looks every 10 s


def test_an_idle_server_is_culled_and_the_work_stays(services, tmp_path_factory):
    token = secrets.token_hex(16)
    stack = Stack(
        state_dir=tmp_path_factory.mktemp("culled"),
        hub_port=free_port(),
        database_url=services.database_url,
        redis_url=services.redis_url,
        extra_env={"CODEMENTOR_OPS_TOKEN": token, "CODEMENTOR_CULL_TIMEOUT": str(CULL_TIMEOUT)},
    )
    ARTIFACTS.mkdir(exist_ok=True)
    log_file = ARTIFACTS / "jupyterhub-culler.log"
    stack.start(log_file=log_file)
    try:
        hub = HubClient(stack.hub_url, token)
        hub.create_user("ida")
        hub.spawn("ida")
        folder = stack.state_dir / "users" / "ida" / "exercises"
        notebook = wait_for_notebooks(folder)[0]
        doc = json.loads(notebook.read_text())
        doc["cells"].append({"cell_type": "markdown", "id": "ida-notes", "metadata": {}, "source": "ida was here"})
        notebook.write_text(json.dumps(doc))
        edited = notebook.read_text()

        started = time.monotonic()
        while hub.api("GET", "/users/ida").json()["servers"]:
            assert time.monotonic() - started < CULL_TIMEOUT * 4, "the idle server was never stopped"
            time.sleep(1)
        print(f"\n[figure] idle server stopped {time.monotonic() - started:.0f} s after its notebook arrived (timeout {CULL_TIMEOUT} s)")

        # only the server went: the user, her group and her edited notebook remain
        user = hub.api("GET", "/users/ida").json()
        assert user["name"] == "ida" and "students" in user["groups"]
        assert notebook.read_text() == edited
        assert "Culling server" in log_file.read_text()
        # and she can start again, finding her work as she left it
        hub.spawn("ida")
        # delivering today's exercises again (what %today does) leaves the edited notebook alone
        again = hub.server("ida").post("/codementor/today", json={})
        assert again.status_code == 200, again.text
        print(f"[figure] delivery after the restart: {again.json()['notebooks']}")
        assert {"path": f"exercises/{notebook.name}", "action": "kept-edited"} in again.json()["notebooks"]
        assert notebook.read_text() == edited and "ida was here" in edited
        hub.stop("ida")
    finally:
        stack.stop()
