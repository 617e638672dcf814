"""The delivery rules: nothing a student has is overwritten or deleted; old days go to the archive."""

from __future__ import annotations

import dataclasses
import json

import pytest
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

from codementor.exercise_bank.render import notebook_json
from codementor.server_ext.sync import Contents, archive_earlier_days, deliver, load_state, notebook_to_open, save_state

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


def visible(folder) -> list[str]:
    """What the student sees in `folder` (the contents manager keeps checkpoints in a dot-folder)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def files(root) -> Contents:
    """The rules write through jupyter-server's own default contents manager, as in a student server."""
    return Contents(AsyncLargeFileManager(root_dir=str(root)))


async def run(root, day, ex, restore=False):
    state = load_state(root)
    outcomes = await archive_earlier_days(files(root), "exercises", day, state)
    outcomes.append(await deliver(files(root), "exercises", day, ex.id, notebook_json(ex, day=day), state, restore=restore))
    save_state(root, state)
    return {o.action: o.path for o in outcomes}


async def test_new_notebook_is_named_by_day_and_exercise(tmp_path, exercise):
    assert await run(tmp_path, DAY1, exercise) == {"created": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    nb = json.loads((tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text())
    assert nb["metadata"]["codementor"]["day"] == DAY1
    assert await run(tmp_path, DAY1, exercise) == {"unchanged": f"exercises/{DAY1}-sum-of-evens.ipynb"}


async def test_edited_notebook_is_kept(tmp_path, exercise):
    await run(tmp_path, DAY1, exercise)
    mine = edit(tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb")
    assert await run(tmp_path, DAY1, exercise) == {"kept-edited": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text() == mine


async def test_unedited_notebook_takes_the_bank_update(tmp_path, exercise):
    await run(tmp_path, DAY1, exercise)
    assert await run(tmp_path, DAY1, newer(exercise)) == {"updated": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    nb = json.loads((tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text())
    assert "now with a tip" in "".join(nb["cells"][2]["source"])
    assert visible(tmp_path / "exercises") == [f"{DAY1}-sum-of-evens.ipynb"]


async def test_bank_update_of_an_edited_notebook_goes_beside_it(tmp_path, exercise):
    await run(tmp_path, DAY1, exercise)
    mine = edit(tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb")
    update = newer(exercise)
    beside = f"exercises/{DAY1}-sum-of-evens.bank-update-v{update.version}.ipynb"
    assert await run(tmp_path, DAY1, update) == {"update-beside": beside}
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text() == mine
    written = json.loads((tmp_path / beside).read_text())
    assert f"{DAY1}-sum-of-evens.ipynb" in "".join(written["cells"][0]["source"])
    assert written["metadata"]["codementor"]["exercise_id"] == "sum-of-evens"
    # asking again writes nothing new, and an edit to the update is kept too
    edit(tmp_path / beside, "# my notes\n")
    assert await run(tmp_path, DAY1, update) == {"update-beside": beside}
    assert "my notes" in (tmp_path / beside).read_text()
    assert len(list((tmp_path / "exercises").glob("*.ipynb"))) == 2


async def test_deleted_notebook_stays_deleted_until_restored(tmp_path, exercise):
    await run(tmp_path, DAY1, exercise)
    path = tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb"
    path.unlink()
    assert await run(tmp_path, DAY1, exercise) == {"skipped-deleted": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    assert not path.exists()
    assert await run(tmp_path, DAY1, exercise, restore=True) == {"restored": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    assert path.exists()


async def test_restore_never_touches_an_edited_notebook(tmp_path, exercise):
    await run(tmp_path, DAY1, exercise)
    mine = edit(tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb")
    assert await run(tmp_path, DAY1, exercise, restore=True) == {"kept-edited": f"exercises/{DAY1}-sum-of-evens.ipynb"}
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").read_text() == mine


async def test_earlier_days_move_to_the_archive_without_overwriting(tmp_path, exercise, bank):
    await run(tmp_path, DAY1, exercise)
    mine = edit(tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb")
    (tmp_path / "exercises" / "archive").mkdir()
    squatter = tmp_path / "exercises" / "archive" / f"{DAY1}-sum-of-evens.ipynb"
    squatter.write_text("the student's own file")
    (tmp_path / "exercises" / "scratch.ipynb").write_text("{}")
    other = bank.get("word-frequencies")
    actions = await run(tmp_path, DAY2, other)
    assert actions == {
        "archived": f"exercises/archive/{DAY1}-sum-of-evens (2).ipynb",
        "created": f"exercises/{DAY2}-word-frequencies.ipynb",
    }
    assert squatter.read_text() == "the student's own file"
    assert (tmp_path / "exercises" / "archive" / f"{DAY1}-sum-of-evens (2).ipynb").read_text() == mine
    assert visible(tmp_path / "exercises") == [f"{DAY2}-word-frequencies.ipynb", "archive", "scratch.ipynb"]
    # the archived notebook keeps its record: an unchanged archive is not re-delivered or touched
    assert f"exercises/archive/{DAY1}-sum-of-evens (2).ipynb" in load_state(tmp_path)
    assert await run(tmp_path, DAY2, other) == {"unchanged": f"exercises/{DAY2}-word-frequencies.ipynb"}


async def test_a_notebook_saved_moments_ago_waits_before_moving_to_the_archive(tmp_path, exercise):
    await run(tmp_path, DAY1, exercise)
    state = load_state(tmp_path)
    assert await archive_earlier_days(files(tmp_path), "exercises", DAY2, state, min_age=600) == []
    assert (tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb").exists()
    moved = await archive_earlier_days(files(tmp_path), "exercises", DAY2, state, min_age=0)
    assert [o.action for o in moved] == ["archived"]


async def test_a_notebook_is_never_written_over_a_file_the_student_made(tmp_path, exercise):
    (tmp_path / "exercises").mkdir()
    theirs = tmp_path / "exercises" / f"{DAY1}-sum-of-evens.ipynb"
    theirs.write_text('{"cells": []}')
    await run(tmp_path, DAY1, exercise)
    assert theirs.read_text() == '{"cells": []}'


async def test_the_notebook_a_login_opens(tmp_path, exercise):
    assert await notebook_to_open(files(tmp_path), "exercises", "2026-03-02", [exercise.id]) is None
    await run(tmp_path, "2026-03-01", exercise)
    # the day's own notebook when it is there, else the newest dated one in the folder
    assert await notebook_to_open(files(tmp_path), "exercises", "2026-03-01", ["other", exercise.id]) == f"exercises/2026-03-01-{exercise.id}.ipynb"
    assert await notebook_to_open(files(tmp_path), "exercises", None, []) == f"exercises/2026-03-01-{exercise.id}.ipynb"
    (tmp_path / "exercises" / "2026-03-02-later.ipynb").write_text("{}")
    (tmp_path / "exercises" / "2026-03-03-x.bank-update-v2.ipynb").write_text("{}")
    assert await notebook_to_open(files(tmp_path), "exercises", "2026-03-04", [exercise.id]) == "exercises/2026-03-02-later.ipynb"


def test_an_answer_that_is_not_todays_set_is_a_bad_answer_not_an_outage(exercise):
    from codementor.server_ext.today_api import BadAnswer, parse_today

    good = {"day": DAY1, "exercises": [{"id": exercise.id, "notebook": notebook_json(exercise, day=DAY1)}]}
    assert parse_today(good).exercise_ids == [exercise.id]
    no_notebook = {"day": DAY1, "exercises": [{"id": exercise.id}]}
    no_digest = {"day": DAY1, "exercises": [{"id": exercise.id, "notebook": {"cells": [], "metadata": {}}}]}
    for bad in (None, [], {"version": "6.1"}, {"day": 1, "exercises": []}, no_notebook, no_digest, {"day": DAY1, "exercises": ["x"]}):
        with pytest.raises(BadAnswer) as caught:
            parse_today(bad)
        assert caught.value.retry is False and caught.value.kind == "bad_answer"


async def test_a_note_save_cancelled_midway_cancels_its_caller(tmp_path):
    """The server's stop cancels the delivery task; a save under way must not turn that into a failed
    save the delivery logs and retries past (jupyter-server's write of a new file, cancelled, raises
    HTTPError 500), or the stop waits for a task that never ends."""
    import asyncio
    import logging

    from codementor.server_ext.app import ExerciseDelivery
    from codementor.server_ext.delivery import WAITING_NOTE, Delivery

    delivery = Delivery(ExerciseDelivery(), AsyncLargeFileManager(root_dir=str(tmp_path)), str(tmp_path), logging.getLogger("test"))
    await delivery.files.make_dir("exercises")
    note = tmp_path / "exercises" / "exercises-arrive-shortly.md"
    # long enough that the write is still under way when the task is cancelled (the file exists from its first byte)
    saving = asyncio.ensure_future(delivery.set_note("x" * 50_000_000))
    while not note.exists():
        await asyncio.sleep(0.0005)
    saving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await saving
    # a short note cancelled the same way is left empty (opened, not written yet): still ours, replaced and removed
    note.write_text("")
    await delivery.set_note(WAITING_NOTE)
    assert note.read_text() == WAITING_NOTE
    note.write_text("")
    await delivery.set_note(None)
    assert not note.exists()
    # a note the student wrote there is theirs
    note.write_text("my notes\n")
    await delivery.set_note(None)
    assert note.read_text() == "my notes\n"
