"""The server extension inside a real jupyter-server (pytest-jupyter's fixtures), against the real API.

The session's stack (tests/conftest.py) runs Postgres, Redis, the Hub and the API; each test
starts a jupyter-server with the extension enabled as a student's server has it, and talks to
it with `jp_fetch`. Saves are observed with the contents manager's own `post_save_hook`, so a
notebook that did not go through the server's contents manager would go unseen.
"""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from tornado.httpclient import HTTPClientError

from codementor.hub_config.stack import free_port
from codementor.server_ext.app import ExerciseDelivery
from codementor.server_ext.delivery import FAILED_NOTE, GAVE_UP_NOTE, NOTE_NAME

pytestmark = pytest.mark.e2e

SAVED: list[str] = []


def record_save(model, os_path, contents_manager, **kwargs):
    """The contents manager's post-save hook (c.FileContentsManager.post_save_hook)."""
    SAVED.append(os_path)


@pytest.fixture(scope="module")
def student_token(hub):
    hub.create_user("ext-app-student")
    return hub.user_token("ext-app-student")


@pytest.fixture
def delivery_config(stack, student_token):
    """c.ExerciseDelivery.* as a test changes it; the server reads it at start."""
    return {"api_url": stack.api_url, "api_token": student_token, "refresh_interval": 0.0, "first_backoff": 0.05, "request_timeout": 5.0}


@pytest.fixture
def jp_server_config(delivery_config):
    SAVED.clear()
    return {
        "ServerApp": {"jpserver_extensions": {"codementor.server_ext": True}},
        "FileContentsManager": {"post_save_hook": record_save},
        "ExerciseDelivery": delivery_config,
    }


@pytest.fixture
def extension(jp_serverapp) -> ExerciseDelivery:
    return jp_serverapp.extension_manager.extension_points["codementor"].app


async def first_delivery(extension: ExerciseDelivery) -> None:
    """Start the extensions as the server does once its loop runs (the fixtures never run the loop), then wait."""
    await extension.serverapp.extension_manager.start_all_extensions()
    await asyncio.wait_for(extension.delivery.first_pass.wait(), 30)


async def contents(jp_fetch, *path, **params) -> dict:
    return json.loads((await jp_fetch("api", "contents", *path, params=params)).body)


async def test_the_server_loads_the_app_with_its_configuration(jp_serverapp, extension, stack):
    assert isinstance(extension, ExerciseDelivery) and extension.serverapp is jp_serverapp
    assert extension.api_url == stack.api_url and extension.first_backoff == 0.05
    assert extension.delivery.files.manager is jp_serverapp.contents_manager


async def test_todays_notebooks_arrive_through_the_contents_manager(jp_fetch, extension, jp_root_dir):
    await first_delivery(extension)
    listing = await contents(jp_fetch, "exercises")
    notebooks = sorted(m["path"] for m in listing["content"] if m["type"] == "notebook")
    assert notebooks and notebooks == sorted(f"exercises/{extension.delivery.today['day']}-{i}.ipynb" for i in extension.delivery.today["exercise_ids"])
    assert sorted(p for p in SAVED if p.endswith(".ipynb")) == sorted(str(jp_root_dir / p) for p in notebooks)
    nb = (await contents(jp_fetch, notebooks[0]))["content"]
    assert nb["metadata"]["codementor"]["day"] == extension.delivery.today["day"]
    # the login page opens the first of today's notebooks
    opened = await jp_fetch("codementor", "open-today", follow_redirects=False, raise_error=False)
    assert opened.code == 302 and opened.headers["Location"].endswith(f"/lab/tree/{notebooks[0]}")


async def test_today_keeps_edits_and_brings_back_a_deleted_notebook(jp_fetch, extension):
    await first_delivery(extension)
    day, (first, *_) = extension.delivery.today["day"], extension.delivery.today["exercise_ids"]
    path = f"exercises/{day}-{first}.ipynb"
    nb = (await contents(jp_fetch, path))["content"]
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "my notes"})
    await jp_fetch("api", "contents", path, method="PUT", body=json.dumps({"type": "notebook", "format": "json", "content": nb}))
    again = json.loads((await jp_fetch("codementor", "today", method="POST", body="{}")).body)["notebooks"]
    assert {"path": path, "action": "kept-edited"} in again
    await jp_fetch("api", "contents", path, method="DELETE")
    restored = json.loads((await jp_fetch("codementor", "today", method="POST", body="{}")).body)["notebooks"]
    assert {"path": path, "action": "restored"} in restored
    assert "my notes" not in json.dumps((await contents(jp_fetch, path))["content"])


@pytest.fixture
def periodic(delivery_config):
    delivery_config["refresh_interval"] = 0.1


async def test_shutdown_stops_the_periodic_pass(periodic, jp_serverapp, extension, caplog):
    caplog.set_level(logging.INFO)
    await first_delivery(extension)
    for _ in range(100):  # the periodic pass starts after the first delivery and runs every 0.1 s
        if sum("CodeMentor: unchanged" in r.getMessage() for r in caplog.records) >= 2:
            break
        await asyncio.sleep(0.1)
    assert extension.running
    await jp_serverapp.extension_manager.stop_all_extensions()
    assert not extension.running
    passes = sum("CodeMentor: unchanged" in r.getMessage() for r in caplog.records)
    assert passes >= 2
    await asyncio.sleep(0.5)
    assert sum("CodeMentor: unchanged" in r.getMessage() for r in caplog.records) == passes


@pytest.fixture
def api_down(delivery_config):
    delivery_config.update(api_url=f"http://127.0.0.1:{free_port()}/api/v1", max_attempts=2)


async def test_api_down_at_start_retries_then_gives_up_then_delivers(api_down, jp_fetch, extension, stack, caplog):
    await first_delivery(extension)
    await extension._task  # both attempts, then no periodic passes (refresh_interval 0)
    note = await contents(jp_fetch, "exercises", NOTE_NAME)
    assert note["content"] == GAVE_UP_NOTE and len(GAVE_UP_NOTE.strip().splitlines()) == 1
    assert sum("could not fetch today's exercises (attempt" in r.getMessage() for r in caplog.records) == 2
    assert extension.delivery.unreported == {"unreachable": 2, "gave_up": 1}
    with pytest.raises(HTTPClientError) as down:
        await jp_fetch("codementor", "today", method="POST", body="{}")
    assert down.value.code == 503

    extension.api_url = stack.api_url  # the API is back
    assert await extension.delivery.deliver_with_retries() is True
    with pytest.raises(HTTPClientError) as gone:
        await contents(jp_fetch, "exercises", NOTE_NAME)
    assert gone.value.code == 404
    assert not extension.delivery.unreported  # the failures were reported to the API


@pytest.fixture
def wrong_answer(delivery_config, stack):
    # a real answer of the API that is not today's set: its /me, as a mistyped api_url would give
    delivery_config.update(api_url=f"{stack.api_url}/me?")


async def test_an_answer_that_is_not_todays_set_is_logged_once_and_not_retried(wrong_answer, jp_fetch, extension, caplog):
    await first_delivery(extension)
    await extension._task
    assert extension.delivery.unreported == {"bad_answer": 1}
    assert not [r for r in caplog.records if "attempt" in r.getMessage()]  # no retry, no "not reachable"
    note = await contents(jp_fetch, "exercises", NOTE_NAME)
    assert note["content"] == FAILED_NOTE and "not reachable" not in FAILED_NOTE
    await extension.delivery.refresh()
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("codementor", "today", method="POST", body="{}")
    assert refused.value.code == 502 and "not reachable" not in refused.value.response.body.decode()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "bad_answer" in r.getMessage()]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert extension.delivery.unreported == {"bad_answer": 3}


async def test_a_file_of_the_students_with_the_notes_name_is_left_alone(api_down, jp_fetch, extension, jp_root_dir):
    (jp_root_dir / "exercises").mkdir()
    (jp_root_dir / "exercises" / NOTE_NAME).write_text("my own text")
    await extension.delivery.set_note(GAVE_UP_NOTE)
    await extension.delivery.set_note(None)
    assert (jp_root_dir / "exercises" / NOTE_NAME).read_text() == "my own text"


async def test_an_assignment_link_opens_that_exercises_notebook(jp_fetch, extension, bank):
    await first_delivery(extension)
    day, todays = extension.delivery.today["day"], extension.delivery.today["exercise_ids"]
    other = next(ex.id for ex in bank.all() if ex.id not in todays)
    opened = await jp_fetch("codementor", "open-exercise", params={"id": other}, follow_redirects=False, raise_error=False)
    assert opened.code == 302 and opened.headers["Location"].endswith(f"/lab/tree/exercises/{day}-{other}.ipynb")
    nb = (await contents(jp_fetch, f"exercises/{day}-{other}.ipynb"))["content"]
    assert nb["metadata"]["codementor"]["exercise_id"] == other
    again = await jp_fetch("codementor", "open-exercise", params={"id": todays[0]}, follow_redirects=False, raise_error=False)
    assert again.headers["Location"].endswith(f"/lab/tree/exercises/{day}-{todays[0]}.ipynb")
    for bad, status in (("no-such-exercise", 404), ("../etc", 400), ("", 400)):
        answer = await jp_fetch("codementor", "open-exercise", params={"id": bad}, follow_redirects=False, raise_error=False)
        assert answer.code == status, (bad, answer.code)
