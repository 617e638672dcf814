"""Assignments through the real API: pinned to a day for a group, delivered in place of the
adaptive choice, due times and lateness in the export; instructors only, their own groups."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta, timezone

import httpx
import pytest

pytestmark = pytest.mark.e2e

STUDENT, OUTSIDER, TEACHER = "asg-sam", "asg-olga", "asg-tess"
GROUP = "asg-101"


def call(url: str, token: str, method: str = "GET", **kwargs) -> httpx.Response:
    return httpx.request(method, url, headers={"Authorization": f"token {token}"}, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def people(hub):
    hub.api("POST", f"/groups/{GROUP}")
    hub.create_user(STUDENT, groups=(GROUP,))
    hub.create_user(OUTSIDER)
    hub.create_user(TEACHER, groups=("instructors", GROUP))
    for name in (STUDENT, TEACHER):  # new users join `students` by default; these study or teach asg-101
        hub.api("DELETE", "/groups/students/users", json={"users": [name]}).raise_for_status()
    return {name: hub.user_token(name) for name in (STUDENT, OUTSIDER, TEACHER)}


def submit(api: str, token: str, exercise_id: str, code: str) -> dict:
    resp = call(f"{api}/submissions", token, "POST", json={"exercise_id": exercise_id, "code": code, "idempotency_key": uuid.uuid4().hex})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_pinned_exercises_are_delivered_with_their_due_times_and_lateness_is_exported(stack, people, bank):
    api, t = stack.api_url, people
    today = datetime.now(timezone.utc).date()  # the test stack's course time zone is UTC
    early, later = bank.get("sum-of-evens"), bank.get("celsius-to-fahrenheit")
    day_start = datetime.combine(today, time(0), timezone.utc)
    pins = [
        {"group": GROUP, "exercise_id": early.id, "day": today.isoformat(), "due_at": day_start.isoformat()},  # already due
        {"group": GROUP, "exercise_id": later.id, "day": today.isoformat(), "due_at": (day_start + timedelta(days=2)).isoformat()},
    ]
    made = []
    for pin in pins:
        resp = call(f"{api}/class/assignments", t[TEACHER], "POST", json=pin)
        assert resp.status_code == 201, resp.text
        made.append(resp.json())
    assert made[0]["group"] == GROUP and made[0]["due_at"].startswith(today.isoformat())

    refused = [
        (t[TEACHER], {**pins[0], "group": "students"}, 403),  # not their group
        (t[STUDENT], pins[0], 403),
        (t[TEACHER], {**pins[0], "exercise_id": "no-such-exercise"}, 400),
        (t[TEACHER], {**pins[0], "day": "2026-02-30"}, 400),
        (t[TEACHER], {**pins[0], "day": 0}, 400),  # not read as seconds since 1970
        (t[TEACHER], {**pins[0], "day": "1796515200"}, 400),
        (t[TEACHER], {**pins[0], "due_at": 1796860800}, 400),
        (t[TEACHER], {**pins[0], "due_at": (day_start - timedelta(hours=1)).isoformat()}, 400),  # due before the day
        (t[TEACHER], {**pins[0], "colour": "red"}, 400),
    ]
    for token, body, status in refused:
        resp = call(f"{api}/class/assignments", token, "POST", json=body)
        assert resp.status_code == status, (body, resp.text)
        assert resp.json()["error"]["code"] in ("forbidden", "invalid_request")

    delivered = call(f"{api}/exercises/today", t[STUDENT]).json()["exercises"]
    assert [(e["id"], e["assigned"]) for e in delivered] == [(early.id, True), (later.id, True)]  # in place of the adaptive choice
    assert delivered[0]["due_at"] is not None and delivered[1]["due_at"] > delivered[0]["due_at"]
    elsewhere = call(f"{api}/exercises/today", t[OUTSIDER]).json()["exercises"]
    assert all(not e["assigned"] and e["due_at"] is None for e in elsewhere)  # other groups get the adaptive choice

    submit(api, t[STUDENT], early.id, early.solution)  # after its due time
    submit(api, t[STUDENT], later.id, later.starter)  # not passed yet, not due yet
    rows = {r["exercise_id"]: r for r in call(f"{api}/class/export", t[TEACHER]).json()["items"] if r["student"] == STUDENT}
    assert rows[early.id]["late"] is True and rows[early.id]["due_at"] is not None
    assert rows[later.id]["late"] is False and rows[later.id]["passed"] is False

    listed = call(f"{api}/class/assignments?group={GROUP}&since={today.isoformat()}", t[TEACHER]).json()["items"]
    assert {a["id"] for a in made} <= {a["id"] for a in listed}
    assert call(f"{api}/class/assignments?group=students", t[TEACHER]).status_code == 403
    assert call(f"{api}/class/assignments?since=yesterday", t[TEACHER]).status_code == 400
    assert call(f"{api}/class/assignments", t[STUDENT]).status_code == 403

    assert call(f"{api}/class/assignments/{made[1]['id']}", t[TEACHER], "DELETE").status_code == 204
    assert call(f"{api}/class/assignments/{made[1]['id']}", t[TEACHER], "DELETE").status_code == 404
    assert made[1]["id"] not in {a["id"] for a in call(f"{api}/class/assignments?group={GROUP}", t[TEACHER]).json()["items"]}
    # the delivery already made keeps the exercise (its due time went with the assignment)
    again = call(f"{api}/exercises/today", t[STUDENT]).json()["exercises"]
    assert [e["id"] for e in again] == [early.id, later.id] and again[1]["due_at"] is None


def test_the_command_line_pins_lists_and_removes(services):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": services.database_url, "CODEMENTOR_TIMEZONE": "Europe/Paris"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "codementor.cli", "assignments", *args], capture_output=True, text=True, env=env, timeout=120)

    added = cli("add", "cli-group", "sum-of-evens", "2031-03-03", "--due", "2031-03-03T17:00")
    assert added.returncode == 0, added.stderr
    import json

    row = json.loads(added.stdout)
    assert row["due_at"] == "2031-03-03T16:00:00+00:00"  # 17:00 in Paris, stored as an instant
    assert f"{row['id']:>6}  2031-03-03  cli-group" in cli("list", "--group", "cli-group").stdout
    bad = cli("add", "cli-group", "sum-of-evens", "2031-03-03", "--due", "2031-03-02T09:00")
    assert bad.returncode != 0 and "before the day" in bad.stderr and "Traceback" not in bad.stderr
    assert "removed" in cli("remove", str(row["id"])).stdout
    gone = cli("remove", str(row["id"]))
    assert gone.returncode != 0 and f"no assignment {row['id']}" in gone.stderr and "Traceback" not in gone.stderr


def test_the_assignments_page_pins_and_removes_for_the_teacher(stack, people, monkeypatch):
    import ipywidgets as w

    from codementor.dashboards.client import TOKEN_ENV
    from codementor.dashboards.views import assignments_page

    # what the page's kernel runs (Voila draws the widgets in the browser), with the teacher's token
    monkeypatch.setenv("CODEMENTOR_API_URL", stack.api_url)
    monkeypatch.setenv(TOKEN_ENV, people[TEACHER])
    page = assignments_page()
    _, pick, when, status, listing, removal = page.children
    group, exercise = pick.children
    day, due, add = when.children
    assert group.options == (GROUP,) and "sum-of-evens" in exercise.options
    group.value, exercise.value, due.value = GROUP, "sum-of-evens", "23:30"
    day.value = day.value.replace(year=day.value.year + 1)  # a day of next year: nothing else pins it
    add.click()
    assert "Pinned sum-of-evens for asg-101" in status.value and "23:30" in listing.value
    group.value = "students"  # not the teacher's group: the API's refusal is shown, nothing is pinned
    add.click()
    assert "your own groups" in status.value
    made = [a for a in httpx.get(f"{stack.api_url}/class/assignments", params={"group": GROUP, "since": day.value.isoformat()},
                                 headers={"Authorization": f"token {people[TEACHER]}"}).json()["items"]]
    assert len(made) == 1
    remove_id, remove = removal.children
    remove_id.value = made[0]["id"]
    remove.click()
    assert f"Removed assignment {made[0]['id']}" in status.value and isinstance(page, w.VBox)
