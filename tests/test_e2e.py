"""One real student day, end to end: Hub, proxy, API service, a student server and a kernel."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from .hubclient import Kernel, written

pytestmark = pytest.mark.e2e


def wait_for_file(path: Path, timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if path.exists():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{path} did not appear within {timeout} s")


def pg(stack):
    return psycopg.connect(stack.database_url.replace("postgresql+psycopg://", "postgresql://"))


async def test_student_day(stack, hub, bank, capsys):
    hub.create_user("erin")
    hub.create_user("frank")
    home = stack.state_dir / "users" / "erin"

    spawn_started = time.monotonic()
    hub.spawn("erin")
    exercises = home / "exercises"
    wait_for_file(exercises)
    notebooks = []
    deadline = time.monotonic() + 60
    while not notebooks and time.monotonic() < deadline:
        notebooks = sorted(p for p in exercises.glob("*.ipynb") if written(p))
        time.sleep(0.1)
    spawn_to_notebook = time.monotonic() - spawn_started
    assert len(notebooks) == 1, notebooks
    nb = json.loads(notebooks[0].read_text())
    meta = nb["metadata"]["codementor"]
    exercise = bank.get(meta["exercise_id"])
    assert meta["schema_version"] == 1
    text = json.dumps(nb)
    assert exercise.solution.strip() not in text
    assert all(t.name not in text for t in exercise.hidden_tests)
    assert all(t.call not in text for t in exercise.hidden_tests if len(t.call) > 12)
    with capsys.disabled():
        print(f"\n[figure] spawn -> today's notebook present: {spawn_to_notebook:.2f} s")

    rel = f"exercises/{notebooks[0].name}"
    kernel = await Kernel.for_notebook(hub, "erin", rel)
    try:
        # the extension is loaded without %load_ext
        hint = await kernel.execute("%hint")
        assert hint["error"] is None, hint
        assert f"Hint 1 of {len(exercise.hints)}" in hint["text"]
        assert exercise.hints[0] in hint["text"]

        # the starter code, as delivered and saved, fails
        failed = await kernel.execute("%submit")
        assert failed["error"] is None, failed
        assert "tests passed" in failed["text"] and "All" not in failed["text"], failed["text"]

        # the student runs the reference solution in the solution cell, then submits it
        ran = await kernel.execute(exercise.solution, cell_id="codementor-solution")
        assert ran["status"] == "ok", ran
        passed = await kernel.execute("%submit")
        assert f"All {len(exercise.tests)} tests passed" in passed["text"], passed["text"]

        # a kernel error becomes one line, not a traceback
        plain = await kernel.execute("%hint --again")
        assert "Hint 1 of" in plain["text"]
    finally:
        kernel.close()

    with pg(stack) as conn:
        rows = conn.execute(
            "SELECT s.passed, s.exercise_id, s.hint_count FROM submissions s JOIN users u ON u.id = s.user_id "
            "WHERE u.name = 'erin' ORDER BY s.id"
        ).fetchall()
    assert [r[0] for r in rows] == [False, True]
    assert {r[1] for r in rows} == {exercise.id}
    assert rows[-1][2] == 1

    erin_token, frank_token = hub.user_token("erin"), hub.user_token("frank")
    erin_subs = httpx.get(f"{stack.api_url}/submissions", headers={"Authorization": f"token {erin_token}"}).json()["items"]
    assert len(erin_subs) == 2
    own = httpx.get(f"{stack.api_url}/submissions/{erin_subs[0]['id']}", headers={"Authorization": f"token {erin_token}"})
    assert own.status_code == 200 and own.json()["passed"] is True
    other = httpx.get(f"{stack.api_url}/submissions/{erin_subs[0]['id']}", headers={"Authorization": f"token {frank_token}"})
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"
    franks = httpx.get(f"{stack.api_url}/submissions", headers={"Authorization": f"token {frank_token}"}).json()
    assert franks["items"] == []
    anonymous = httpx.get(f"{stack.api_url}/submissions")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    # through the Hub's proxy too
    proxied = httpx.get(f"{stack.hub_url}/services/codementor/api/v1/me", headers={"Authorization": f"token {erin_token}"})
    assert proxied.status_code == 200 and proxied.json()["name"] == "erin"
    hub.stop("erin")
