"""Two courses on one hub, each for its own Hub group, against the real stack: each group's
students see the built-in exercises minus what their course hides plus their course's own,
never the other course's (404, like an unknown exercise); instructors see their course; a
second folder with a taken exercise id is refused at reload and the scope survives it; an
instructor's %exercise_import in a real kernel lands in their own course's folder.

The stack serves two course folders (tests/conftest.py); this module fills them and empties
them again at the end, so other tests see the built-in bank only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import httpx
import pytest

from .hubclient import Kernel
from .test_course_bank import authoring, copy_builtin, reload, worker_versions

pytestmark = pytest.mark.e2e

GROUP_A, GROUP_B = "scope-a", "scope-b"
AMY, BOB, IDA = "scope-amy", "scope-bob", "scope-ida"  # a student of each course; the instructor of course A
TOM = "scope-tom"  # the instructor of course B


def call(url: str, token: str, method: str = "GET", **kwargs) -> httpx.Response:
    return httpx.request(method, url, headers={"Authorization": f"token {token}"}, timeout=120, **kwargs)


def empty(folder) -> None:
    for child in folder.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


@pytest.fixture(scope="module")
def courses(stack, hub, bank):
    """Course A (group scope-a) hides leap-year and adds a-evens; course B (scope-b) adds b-digits."""
    for group in (GROUP_A, GROUP_B):
        assert hub.api("POST", f"/groups/{group}").status_code in (201, 409)
    hub.create_user(AMY, groups=(GROUP_A,))  # also in `students`, as every new user: that gives no course
    hub.create_user(BOB, groups=(GROUP_B,))
    hub.create_user(IDA, groups=("instructors", GROUP_A))
    hub.create_user(TOM, groups=("instructors", GROUP_B))
    hub.api("DELETE", "/groups/students/users", json={"users": [IDA, TOM]}).raise_for_status()
    folder_a, folder_b = stack.course_dirs
    (folder_a / "course.toml").write_text(f'groups = ["{GROUP_A}"]\nhide_builtin = ["leap-year"]\n')
    (folder_b / "course.toml").write_text(f'groups = ["{GROUP_B}"]\n')
    copy_builtin(bank, folder_a, "sum-of-evens", "a-evens")
    copy_builtin(bank, folder_b, "digit-sum", "b-digits")
    started = time.perf_counter()
    done = reload(stack)
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"\nreload of two courses (two new exercises validated): {time.perf_counter() - started:.1f} s")
    tokens = {name: hub.user_token(name) for name in (AMY, BOB, IDA, TOM)}
    tokens["admin"] = hub.user_token("admin")
    yield tokens
    for folder in stack.course_dirs:
        empty(folder)
    assert reload(stack).returncode == 0  # the empty courses are what the other tests' workers serve


def not_found(resp: httpx.Response, exercise_id: str) -> bool:
    """A 404 in the envelope that reads exactly like the one for an exercise no course has."""
    body = resp.json()
    return resp.status_code == 404 and body["error"]["code"] == "not_found" and body["error"]["message"] == f"there is no exercise {exercise_id!r}"


def submit(api: str, token: str, exercise_id: str, code: str) -> httpx.Response:
    return call(f"{api}/submissions", token, "POST", json={"exercise_id": exercise_id, "code": code, "idempotency_key": uuid.uuid4().hex})


def check_students_see_their_course(api: str, t: dict) -> None:
    for _ in range(4):  # new connections: both API workers answer
        assert call(f"{api}/exercises/a-evens", t[AMY]).status_code == 200
        assert not_found(call(f"{api}/exercises/b-digits", t[AMY]), "b-digits")
        assert call(f"{api}/exercises/b-digits", t[BOB]).status_code == 200
        assert not_found(call(f"{api}/exercises/a-evens?format=notebook", t[BOB]), "a-evens")


def test_each_group_sees_its_course_and_never_the_other(stack, bank, courses):
    api, t = stack.api_url, courses
    today = datetime.now(timezone.utc).date().isoformat()  # the test stack's course time zone is UTC
    # course A's instructor pins their course's exercise for today; the other course's does not exist for their group
    pin = {"group": GROUP_A, "exercise_id": "a-evens", "day": today}
    assert call(f"{api}/class/assignments", t[IDA], "POST", json=pin).status_code == 201
    other = call(f"{api}/class/assignments", t[IDA], "POST", json={**pin, "exercise_id": "b-digits"})
    assert other.status_code == 400 and other.json()["error"]["message"] == "there is no exercise 'b-digits' for the group 'scope-a'"

    amy_today = {e["id"] for e in call(f"{api}/exercises/today", t[AMY]).json()["exercises"]}
    assert "a-evens" in amy_today and not amy_today & {"b-digits", "leap-year"}
    bob_today = {e["id"] for e in call(f"{api}/exercises/today", t[BOB]).json()["exercises"]}
    assert bob_today and "a-evens" not in bob_today
    check_students_see_their_course(api, t)
    assert not_found(call(f"{api}/exercises/no-such-exercise", t[AMY]), "no-such-exercise")

    # submissions, hints and the tutor: the other course's exercise is not found, before any grading or limit
    assert not_found(submit(api, t[AMY], "b-digits", bank.get("digit-sum").solution), "b-digits")
    assert not_found(call(f"{api}/hints", t[BOB], "POST", json={"exercise_id": "a-evens"}), "a-evens")
    asked = call(f"{api}/tutor/ask", t[BOB], "POST", json={"exercise_id": "a-evens", "question": "why?", "code": "x = 1\n"})
    assert not_found(asked, "a-evens")
    assert not_found(call(f"{api}/tutor/conversations", t[BOB], "POST", json={"exercise_id": "a-evens"}), "a-evens")
    solved = submit(api, t[AMY], "a-evens", bank.get("sum-of-evens").solution)
    assert solved.status_code == 201 and solved.json()["passed"], solved.text
    assert submit(api, t[BOB], "b-digits", bank.get("digit-sum").solution).json()["passed"]
    # a notebook of the hidden built-in that a student already has is still graded
    assert submit(api, t[AMY], "leap-year", bank.get("leap-year").solution).status_code == 201

    # the instructor of course A: their course only, on the listing, the dashboards and the export
    listing = call(f"{api}/course/exercises", t[IDA]).json()
    origins = {e["id"]: e["origin"] for e in listing["exercises"]}
    folder_a, folder_b = map(str, stack.course_dirs)
    assert origins["a-evens"] == folder_a and "b-digits" not in origins and "leap-year" in listing["hidden_builtin"]
    assert listing["courses"] == [{"path": folder_a, "groups": [GROUP_A]}]
    everything = call(f"{api}/course/exercises", t["admin"]).json()
    assert {"a-evens", "b-digits"} <= {e["id"] for e in everything["exercises"]} and len(everything["courses"]) == 2
    assert call(f"{api}/class/exercises/a-evens", t[IDA]).status_code == 200
    assert not_found(call(f"{api}/class/exercises/b-digits", t[IDA]), "b-digits")
    overview = call(f"{api}/class/overview", t[IDA]).json()
    assert "a-evens" in {e["exercise_id"] for e in overview["exercises"]}
    exported = {(r["student"], r["exercise_id"]) for r in call(f"{api}/class/export", t[IDA]).json()["items"]}
    assert (AMY, "a-evens") in exported and not {e for s, e in exported} & {"b-digits"}


def test_a_taken_id_is_refused_at_reload_and_the_scope_holds(stack, bank, courses):
    api, t = stack.api_url, courses
    folder_a, folder_b = stack.course_dirs
    versions = set(worker_versions(stack).values())
    copy_builtin(bank, folder_b, "sum-of-evens", "a-evens")  # course B's own a-evens: the id is course A's
    done = reload(stack)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (f"refused a-evens: the id 'a-evens' is already an exercise of the course folder {folder_a}: ids are shared by the "
            "whole hub (submissions, progress, dashboards); rename this one (folder and id)") in done.stdout
    assert set(worker_versions(stack).values()) == versions  # nothing new was published
    check_students_see_their_course(api, t)

    shutil.rmtree(folder_b / "a-evens")  # a new version and its views: test_instructors_import_into_their_course_from_a_real_kernel


def put_notebook(hub, user: str, name: str, nb: dict) -> None:
    with hub.server(user) as server:
        server.put(f"/api/contents/{name}", json={"type": "notebook", "format": "json", "content": nb}).raise_for_status()


def usage_error(result: dict) -> str:
    """What the kernel showed for a refused magic: IPython prints a UsageError as one stderr line, no traceback."""
    shown = (result["error"] or result["text"]).strip()
    assert "Traceback" not in shown and "\n" not in shown, result
    return shown


def cli_import(stack, path) -> str:
    """`codementor exercises import` as an operator runs it on the course folders; its last line."""
    env = {**os.environ, "CODEMENTOR_COURSE_DIRS": os.pathsep.join(map(str, stack.course_dirs))}
    done = subprocess.run([sys.executable, "-m", "codementor.cli", "exercises", "import", str(path)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stderr.strip().splitlines()[-1]


async def test_instructors_import_into_their_course_from_a_real_kernel(stack, hub, bank, courses, tmp_path):
    api, t = stack.api_url, courses
    hub.spawn(TOM)  # a student's refusal by the same magic: tests/test_course_bank.py::test_exercise_import_magic
    nb = authoring(bank, "mirror-word", "b-mirror")
    broken = json.loads(json.dumps(nb))
    next(c for c in broken["cells"] if c["metadata"].get("codementor", {}).get("role") == "hidden-tests")["source"] = "[[test]\nname = "
    put_notebook(hub, TOM, "b-mirror.ipynb", nb)
    put_notebook(hub, TOM, "broken.ipynb", broken)
    teacher = await Kernel.for_notebook(hub, TOM, "b-mirror.ipynb")
    try:
        # the instructor of course B, from the notebook itself: into course B's folder (import_dir is course A's)
        started = time.perf_counter()
        done = await teacher.execute("%exercise_import", timeout=180)
        print(f"\n%exercise_import in a real kernel: {time.perf_counter() - started:.1f} s")
        assert done["error"] is None, done
        assert f"Imported b-mirror (version 1) into the course bank `{stack.course_dirs[1]}`" in done["text"].replace("**", ""), done["text"]
        assert (stack.course_dirs[1] / "b-mirror" / "exercise.toml").is_file() and not (stack.course_dirs[0] / "b-mirror").exists()
        # the same notebook problem reads the same from the magic and from the command line
        magic = await teacher.execute("%exercise_import broken.ipynb")
        (tmp_path / "broken.ipynb").write_text(json.dumps(broken))
        line = cli_import(stack, tmp_path / "broken.ipynb")
        problem = line.split("broken.ipynb: ", 1)[1]
        assert "(hidden-tests) is not valid TOML: Expected ']]'" in problem and problem in usage_error(magic), (line, magic)
    finally:
        teacher.close()
        hub.stop(TOM)
    deadline = time.monotonic() + 10
    while len(set(worker_versions(stack).values())) != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    for _ in range(4):  # both workers serve it, to course B's group only
        assert call(f"{api}/exercises/b-mirror", t[BOB]).status_code == 200
        assert not_found(call(f"{api}/exercises/b-mirror", t[AMY]), "b-mirror")
