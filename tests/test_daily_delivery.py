"""Two days of exercises reach a real student server while the student works on one.

How "tomorrow" comes without touching the clock: the day is the calendar date in the
course's time zone (CODEMENTOR_TIMEZONE). The test runs its own Hub (sharing the session's
Postgres and Redis) set to UTC-12, then does what an operator does to change that setting:
stops the Hub and starts it again set to UTC+14. At any instant the date in UTC+14 is one
or two days after the date in UTC-12, so the second start is always a later day, with the
real clock, the real API and no test hook in the product.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

import pytest

from codementor.hub_config.stack import Stack, free_port

from .conftest import ARTIFACTS
from .hubclient import HubClient, Kernel, written

pytestmark = pytest.mark.e2e

DAY_ONE_ZONE, DAY_TWO_ZONE = "Etc/GMT+12", "Etc/GMT-14"  # POSIX signs: these are UTC-12 and UTC+14


@pytest.fixture(scope="module")
def course(services, tmp_path_factory):
    """A Hub of its own, whose time zone the test changes by restarting it."""
    token = secrets.token_hex(16)
    hub = Stack(
        state_dir=tmp_path_factory.mktemp("course"),
        hub_port=free_port(),
        database_url=services.database_url,
        redis_url=services.redis_url,
        extra_env={"CODEMENTOR_OPS_TOKEN": token, "CODEMENTOR_TIMEZONE": DAY_ONE_ZONE},
    )
    ARTIFACTS.mkdir(exist_ok=True)
    hub.ops_token = token
    hub.log_file = ARTIFACTS / "jupyterhub-daily.log"
    hub.start(log_file=hub.log_file)
    yield hub
    hub.stop()


def wait_for_notebooks(folder: Path, not_from: str = "", timeout: float = 60) -> list[Path]:
    """The notebooks in `folder` once there are some, leaving out those of the day `not_from`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(p for p in folder.glob("[0-9]*.ipynb") if not (not_from and p.name.startswith(not_from)))
        if found and all(map(written, found)):
            return found
        time.sleep(0.1)
    raise AssertionError(f"no new notebook in {folder} after {timeout} s: {sorted(folder.glob('**/*'))}")


def save_edit(server, rel: str, code: str) -> dict:
    """Change the solution cell and save, the way JupyterLab saves a notebook."""
    nb = server.get(f"/api/contents/{rel}", params={"content": 1}).json()["content"]
    cell = next(c for c in nb["cells"] if "codementor-solution" in c["metadata"].get("tags", []))
    cell["source"] = code
    server.put(f"/api/contents/{rel}", json={"type": "notebook", "format": "json", "content": nb}).raise_for_status()
    return nb


async def test_two_days_while_the_student_edits_one(course, capsys):
    hub = HubClient(course.hub_url, course.ops_token)
    hub.create_user("gwen")
    folder = course.state_dir / "users" / "gwen" / "exercises"

    # day one: the notebook arrives and the student works in it
    hub.spawn("gwen")
    first = wait_for_notebooks(folder)[0]
    day_one = json.loads(first.read_text())["metadata"]["codementor"]["day"]
    assert first.name.startswith(f"{day_one}-")
    my_code = "def sum_of_evens(numbers):\n    # my own attempt, half done\n    return 0\n"
    save_edit(hub.server("gwen"), f"exercises/{first.name}", my_code)
    # her server runs JupyterLab but not the extensions turned off for students (hub_config/student_server.py)
    server = hub.server("gwen")
    lab = server.get("/lab")
    assert lab.status_code == 200
    # JupyterLab's extension manager is the read-only one (no PyPI client made at start)
    page_config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', lab.text, re.S).group(1))
    assert page_config["extensionManager"]["name"] == "read-only" and not page_config["extensionManager"]["can_install"]
    assert server.get("/lsp/ws/pylsp").status_code == 404  # jupyter_lsp's, when loaded
    # JupyterLab asks for the language servers' status at every start: the empty one, not a 404 in the console
    assert server.get("/lsp/status").json() == {"version": 2, "sessions": {}, "specs": {}}
    assert server.get("/voila/render/" + f"exercises/{first.name}").status_code == 404
    hub.stop("gwen")

    # the operator moves the course's time zone and restarts: it is now a later day
    started = time.monotonic()
    course.stop()
    course.extra_env["CODEMENTOR_TIMEZONE"] = DAY_TWO_ZONE
    course.start_hub(course.log_file)
    hub = HubClient(course.hub_url, course.ops_token)
    hub.spawn("gwen")
    second = wait_for_notebooks(folder, not_from=day_one)
    with capsys.disabled():
        print(f"\n[figure] Hub restart + spawn -> next day's notebook: {time.monotonic() - started:.1f} s")
    assert len(second) == 1, sorted(folder.iterdir())
    day_two = json.loads(second[0].read_text())["metadata"]["codementor"]["day"]
    assert day_two > day_one

    # yesterday's edited notebook moved to the archive, unchanged; the folder holds today only
    archived = folder / "archive" / first.name
    assert my_code in "".join(json.loads(archived.read_text())["cells"][2]["source"])
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted([second[0].name, "archive"])

    # the student deletes today's notebook, then gets it back with %today from a kernel
    server = hub.server("gwen")
    server.delete(f"/api/contents/exercises/{second[0].name}").raise_for_status()
    assert not second[0].exists()
    kernel = await Kernel.for_notebook(hub, "gwen", f"exercises/archive/{first.name}")
    try:
        env = await kernel.execute("import os; print(os.environ['JUPYTERHUB_SERVICE_URL'], os.environ['JUPYTERHUB_SERVICE_PREFIX'])")
        assert env["error"] is None and "/user/gwen/" in env["text"], env
        restored = await kernel.execute("%today")
        assert restored["error"] is None, restored
        assert f"exercises/{second[0].name}: brought back" in restored["text"], restored["text"]
    finally:
        kernel.close()
    assert second[0].exists()
    assert my_code in "".join(json.loads(archived.read_text())["cells"][2]["source"])
    hub.stop("gwen")
