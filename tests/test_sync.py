"""The delivery rules: nothing a student has is overwritten or deleted; old days go to the archive."""

from __future__ import annotations

import dataclasses
import json
import socket

import pytest
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from codementor.exercise_bank.render import notebook_json
from codementor.server_ext.delivery import GAVE_UP_NOTE, NOTE_NAME, WAITING_NOTE, ExerciseDelivery
from codementor.server_ext.sync import archive_earlier_days, deliver, load_state, save_state

DAY1, DAY2 = "2026-03-01", "2026-03-02"


@pytest.fixture
def exercise(bank):
    return bank.get("sum-of-evens")


def newer(exercise):
    """The same exercise after its author changed the starter code and bumped the version."""
    return dataclasses.replace(exercise, starter=exercise.starter + "# now with a tip\n", version=exercise.version + 1, digest="f" * 16)


def edit(path, text="def sum_of_evens(numbers):\n    return 42\n"):
    nb = json.loads(path.read_text())
    nb["cells"][2]["source"] = text
    path.write_text(json.dumps(nb))
    return path.read_text()


def run(root, day, ex, restore=False):
    state = load_state(root)
    outcomes = archive_earlier_days(root, "exercises", day, state)
    outcomes.append(deliver(root, "exercises", day, ex.id, notebook_json(ex, day=day), state, restore=restore))
    save_state(root, state)
    return {o.action: o.path for o in outcomes}


def test_new_notebook_is_named_by_day_and_exercise(tmp_path, exercise):
    assert run(tmp_path, DAY1, exercise) == {"created": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    nb = json.loads((tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text())
    assert nb["metadata"]["codementor"]["day"] == DAY1
    assert run(tmp_path, DAY1, exercise) == {"unchanged": f"exercises/{DAY1}-sum-of-evens.ipynb"}


def test_edited_notebook_is_kept(tmp_path, exercise):
    run(tmp_path, DAY1, exercise)
    mine = edit(tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb")
    assert run(tmp_path, DAY1, exercise) == {"kept-edited": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text() == mine


def test_unedited_notebook_takes_the_bank_update(tmp_path, exercise):
    run(tmp_path, DAY1, exercise)
    assert run(tmp_path, DAY1, newer(exercise)) == {"updated": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    nb = json.loads((tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text())
    assert "now with a tip" in "".join(nb["cells"][2]["source"])
    assert sorted(p.name for p in (tmp_path / "exercises").iterdir()) == [f"{DAY1}-sum-of-evens.ipynb"]


def test_bank_update_of_an_edited_notebook_goes_beside_it(tmp_path, exercise):
    run(tmp_path, DAY1, exercise)
    mine = edit(tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb")
    update = newer(exercise)
    beside = f"exercises/{DAY1}-sum-of-evens.bank-update-v{update.version}.ipynb"
    assert run(tmp_path, DAY1, update) == {"update-beside": beside}
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text() == mine
    written = json.loads((tmp_path / beside).read_text())
    assert f"{DAY1}-sum-of-evens.ipynb" in "".join(written["cells"][0]["source"])
    assert written["metadata"]["codementor"]["exercise_id"] == "sum-of-evens"
    # asking again writes nothing new, and an edit to the update is kept too
    edit(tmp_path / beside, "# my notes\n")
    assert run(tmp_path, DAY1, update) == {"update-beside": beside}
    assert "my notes" in (tmp_path / beside).read_text()
    assert len(list((tmp_path / "exercises").glob("*.ipynb"))) == 2


def test_deleted_notebook_stays_deleted_until_restored(tmp_path, exercise):
    run(tmp_path, DAY1, exercise)
    path = tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb"
    path.unlink()
    assert run(tmp_path, DAY1, exercise) == {"skipped-deleted": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    assert not path.exists()
    assert run(tmp_path, DAY1, exercise, restore=True) == {"restored": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    assert path.exists()


def test_restore_never_touches_an_edited_notebook(tmp_path, exercise):
    run(tmp_path, DAY1, exercise)
    mine = edit(tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb")
    assert run(tmp_path, DAY1, exercise, restore=True) == {"kept-edited": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text() == mine


def test_earlier_days_move_to_the_archive_without_overwriting(tmp_path, exercise, bank):
    run(tmp_path, DAY1, exercise)
    mine = edit(tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb")
    (tmp_path / "exercises" / "archive").mkdir()
    squatter = tmp_path / "exercises" / "archive" / f"{DAY1}-sum-of-evens.ipynb"
    squatter.write_text("the student's own file")
    (tmp_path / "exercises" / "scratch.ipynb").write_text("{}")
    other = bank.get("word-frequencies")
    actions = run(tmp_path, DAY2, other)
    assert actions == {
        "archived": f"exercises/archive/{DAY1}-sum-of-evens (2).ipynb",
        "created": f"exercises/{DAY2}-word-frequencies.ipynb",
    }
    assert squatter.read_text() == "the student's own file"
    assert (tmp_path / "exercises" / "archive" / f"{DAY1}-sum-of-evens (2).ipynb").read_text() == mine
    assert sorted(p.name for p in (tmp_path / "exercises").iterdir()) == [f"{DAY2}-word-frequencies.ipynb", "archive", "scratch.ipynb"]
    # the archived notebook keeps its record: an unchanged archive is not re-delivered or touched
    assert f"exercises/archive/{DAY1}-sum-of-evens (2).ipynb" in load_state(tmp_path)
    assert run(tmp_path, DAY2, other) == {"unchanged": f"exercises/{DAY2}-word-frequencies.ipynb"}


def test_a_notebook_saved_moments_ago_waits_before_moving_to_the_archive(tmp_path, exercise):
    run(tmp_path, DAY1, exercise)
    state = load_state(tmp_path)
    assert archive_earlier_days(tmp_path, "exercises", DAY2, state, min_age=600) == []
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").exists()
    moved = archive_earlier_days(tmp_path, "exercises", DAY2, state, min_age=0)
    assert [o.action for o in moved] == ["archived"]


def test_a_notebook_is_never_written_over_a_file_the_student_made(tmp_path, exercise):
    (tmp_path / "exercises").mkdir()
    theirs = tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb"
    theirs.write_text('{"cells": []}')
    run(tmp_path, DAY1, exercise)
    assert theirs.read_text() == '{"cells": []}'


# --- the delivery loop against a real local HTTP server ------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeToday(RequestHandler):
    """Stands in for the API's /exercises/today (the API itself is tested with the real stack)."""

    def initialize(self, payload):
        self.payload = payload

    def get(self):
        self.write(self.payload)


async def test_api_down_at_start_shows_a_note_then_delivers(tmp_path, exercise):
    port = free_port()
    delivery = ExerciseDelivery(
        root_dir=str(tmp_path), api_url=f"http://127.0.0.1:{port}/api/v1", api_token="t",
        first_backoff=0.05, max_attempts=2, request_timeout=2, refresh_interval=0,
    )
    assert await delivery.deliver_with_retries() is False
    note = tmp_path / "exercises" / NOTE_NAME
    assert note.read_text() == GAVE_UP_NOTE and len(GAVE_UP_NOTE.strip().splitlines()) == 1

    payload = {"day": DAY1, "exercises": [{"id": exercise.id, "notebook": notebook_json(exercise, day=DAY1)}]}
    server = HTTPServer(Application([("/api/v1/exercises/today", FakeToday, {"payload": payload})]))
    server.listen(port, "127.0.0.1")
    try:
        delivery.max_attempts = 5
        delivery.set_note(WAITING_NOTE)
        assert await delivery.deliver_with_retries() is True
    finally:
        server.stop()
    assert not note.exists()
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").exists()


def test_a_file_of_the_students_with_the_notes_name_is_left_alone(tmp_path):
    note = tmp_path / "exercises" / NOTE_NAME
    note.parent.mkdir()
    note.write_text("my own text")
    delivery = ExerciseDelivery(root_dir=str(tmp_path), api_url="http://127.0.0.1:9/api/v1", api_token="t")
    delivery.set_note(WAITING_NOTE)
    delivery.set_note(None)
    assert note.read_text() == "my own text"


def test_the_notebook_a_login_opens(tmp_path, exercise):
    from codementor.server_ext.sync import notebook_to_open

    assert notebook_to_open(tmp_path, "exercises", "2026-03-02", [exercise.id]) is None
    run(tmp_path, "2026-03-01", exercise)
    # the day's own notebook when it is there, else the newest dated one in the folder
    assert notebook_to_open(tmp_path, "exercises", "2026-03-01", ["other", exercise.id]) == f"exercises/2026-03-01-{exercise.id}.ipynb"
    assert notebook_to_open(tmp_path, "exercises", None, []) == f"exercises/2026-03-01-{exercise.id}.ipynb"
    (tmp_path / "exercises" / "2026-03-02-later.ipynb").write_text("{}")
    (tmp_path / "exercises" / "2026-03-03-x.bank-update-v2.ipynb").write_text("{}")
    assert notebook_to_open(tmp_path, "exercises", "2026-03-04", [exercise.id]) == "exercises/2026-03-02-later.ipynb"
